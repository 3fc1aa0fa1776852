"""Every text the server writes to a customer, in each language it speaks.

One catalogue, so a translator reads every framing sentence in one place and a text
that names a widget control names it as that language's widget labels it: the
button to a person is "Hablar con una persona" in Spanish, and the Spanish texts that
point at it say so (a test compares `BUTTON` with the widget's labels).

The conversation's language is the one the widget declared (its `data-language`,
else the browser's); a language without a catalogue here reads English. Answers
quoted from the knowledge base stay in the knowledge base's language; only the
sentences around them are translated here.
"""

from typing import Literal

TextKey = Literal[
    "greeting",
    "not_a_person",
    "acknowledged",
    "closing",
    "not_found",
    "kb_other_language",
    "answer_in_other_language",
    "answer_from_section",
    "answer_from_article",
    "holding",
    "nobody_online",
    "closed_now",
    "turn_failed",
    "handoff_unfinished",
    "busy",
    "back_to_bot",
    "resolved",
    "csat_question",
    "transferred",
    "agent_gone",
    "in_line",
    "in_line_no_place",
    "expected_wait",
    "minutes",
    "nobody_yet",
    "still_answering",
    "left_to_team",
]

DEFAULT_LANGUAGE = "en"

# The widget's "talk to a person" button, as widget.js labels it in each language.
BUTTON = {
    "en": "Talk to a person",
    "es": "Hablar con una persona",
    "de": "Mit einem Menschen sprechen",
}

# Names of the knowledge base's languages, in the language of the sentence they sit in
# ("Our help center is in English", "está en inglés", "ist auf Englisch").
LANGUAGE_NAMES = {
    "en": {"en": "English", "es": "Spanish", "de": "German", "fr": "French"},
    "es": {"en": "inglés", "es": "español", "de": "alemán", "fr": "francés"},
    "de": {"en": "Englisch", "es": "Spanisch", "de": "Deutsch", "fr": "Französisch"},
}

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}

CATALOGUE: dict[str, dict[TextKey, str]] = {
    "en": {
        "greeting": (
            "Hi! I'm {company}'s AI assistant. Ask me anything our help center covers \u2014 "
            "and you can talk to a person at any time."
        ),
        "not_a_person": (
            "I'm {company}'s AI assistant, not a person. I answer from our help center, and a "
            "member of our team is one click away: press \u201c{button}\u201d or just ask for one."
        ),
        "acknowledged": "Glad that helped! Is there anything else I can do for you?",
        "closing": "You're welcome! Is there anything else I can help with?",
        "not_found": (
            "I couldn't find that in our help center, and I'd rather not guess. Could you tell "
            "me a bit more, or press \u201c{button}\u201d and a member of our team will take it "
            "from here."
        ),
        "kb_other_language": (
            "Our help center is in {kb_language}, so I may not understand your question. I can "
            "connect you to a person: press \u201c{button}\u201d."
        ),
        "answer_in_other_language": "Our help center is in {kb_language}; here is what it says.",
        "answer_from_section": "From \u201c{title}\u201d \u203a {section}:",
        "answer_from_article": "From \u201c{title}\u201d:",
        "holding": (
            "I'm bringing in a member of our team. They'll see everything we've discussed, "
            "so you won't need to repeat yourself."
        ),
        "nobody_online": (
            "I've passed this to our team, and they'll see everything we've discussed. No one "
            "is online right now: you keep your place in line, or leave an e-mail address or "
            "phone number and we'll get back to you."
        ),
        "closed_now": (
            "I've passed this to our team, and they'll see everything we've discussed. They're "
            "away until {opening}: you keep your place in line, or leave an e-mail address or "
            "phone number and we'll get back to you."
        ),
        "turn_failed": (
            "Sorry, something went wrong on our side while answering. Please try again, or "
            "press \u201c{button}\u201d."
        ),
        "handoff_unfinished": (
            "Sorry, something went wrong on our side while passing on your request. It is "
            "still with our team, and they'll see everything you write here."
        ),
        "busy": (
            "Sorry, we're answering a lot of customers right now and couldn't get to your "
            "message in time. Please send it again in a moment, or press \u201c{button}\u201d."
        ),
        "back_to_bot": (
            "You're chatting with the AI assistant again. A person is still one click away."
        ),
        "resolved": "This conversation was marked as resolved. Write again any time.",
        "csat_question": "How did we do? Rate this conversation from 1 to 5.",
        "transferred": (
            "I'm passing you to a colleague who can help with this. They'll see everything so far."
        ),
        "agent_gone": (
            "Your agent lost their connection. You're back in line, and the next person to pick "
            "this up will see the whole conversation."
        ),
        "in_line": "Got it. You're number {position} in line.",
        "in_line_no_place": "Got it. A member of our team will answer here.",
        "expected_wait": " Expected wait: about {minutes}.",
        "minutes": "{count} min",
        "nobody_yet": " No one from our team is online right now; you keep your place.",
        "still_answering": (
            " Meanwhile the assistant answers what it can from our help center; press "
            "\u201c{button}\u201d if you'd rather only a person answered."
        ),
        "left_to_team": " The assistant will leave the answers to our team.",
    },
    "es": {
        "greeting": (
            "¡Hola! Soy el asistente de IA de {company}. Pregúntame lo que quieras sobre lo que "
            "cubre nuestro centro de ayuda; puedes hablar con una persona en cualquier momento."
        ),
        "not_a_person": (
            "Soy el asistente de IA de {company}, no una persona. Respondo con nuestro centro "
            "de ayuda, y alguien de nuestro equipo está a un clic: pulsa \u00ab{button}\u00bb o "
            "simplemente pídelo."
        ),
        "acknowledged": "¡Me alegra que te haya servido! ¿Puedo ayudarte en algo más?",
        "closing": "¡De nada! ¿Hay algo más en lo que pueda ayudarte?",
        "not_found": (
            "No he encontrado eso en nuestro centro de ayuda y prefiero no adivinar. ¿Puedes "
            "contarme un poco más? También puedes pulsar \u00ab{button}\u00bb y alguien de "
            "nuestro equipo se encargará."
        ),
        "kb_other_language": (
            "Nuestro centro de ayuda está en {kb_language}, así que puede que no entienda tu "
            "pregunta. Puedo ponerte con una persona: pulsa \u00ab{button}\u00bb."
        ),
        "answer_in_other_language": (
            "Nuestro centro de ayuda está en {kb_language}; esto es lo que dice."
        ),
        "answer_from_section": "De \u00ab{title}\u00bb \u203a {section}:",
        "answer_from_article": "De \u00ab{title}\u00bb:",
        "holding": (
            "Voy a pasarte con alguien de nuestro equipo. Verá todo lo que hemos hablado, así "
            "que no tendrás que repetir nada."
        ),
        "nobody_online": (
            "He pasado tu consulta a nuestro equipo, que verá todo lo hablado. "
            "Ahora mismo no hay nadie de nuestro equipo conectado. Mantienes tu lugar en la "
            "cola; también puedes dejar un correo electrónico o un teléfono y te responderemos."
        ),
        "closed_now": (
            "He pasado tu consulta a nuestro equipo, que verá todo lo hablado. "
            "Nuestro equipo vuelve el {opening}. Mantienes tu lugar en la cola; también puedes "
            "dejar un correo electrónico o un teléfono y te responderemos."
        ),
        "turn_failed": (
            "Lo siento, algo ha fallado por nuestra parte al responder. Inténtalo de nuevo o "
            "pulsa \u00ab{button}\u00bb."
        ),
        "handoff_unfinished": (
            "Lo siento, algo ha fallado por nuestra parte al pasar tu consulta. Sigue en "
            "manos de nuestro equipo, que verá todo lo que escribas aquí."
        ),
        "busy": (
            "Lo siento, ahora mismo estamos atendiendo a muchos clientes y no hemos podido "
            "responder a tu mensaje a tiempo. Vuelve a enviarlo en un momento o pulsa "
            "\u00ab{button}\u00bb."
        ),
        "back_to_bot": "Vuelves a hablar con el asistente de IA. Una persona sigue a un clic.",
        "resolved": "Esta conversación se ha marcado como resuelta. Escríbenos cuando quieras.",
        "csat_question": "¿Qué tal lo hicimos? Valora esta conversación del 1 al 5.",
        "transferred": (
            "Te paso con un compañero que puede ayudarte con esto. Verá todo lo hablado hasta "
            "ahora."
        ),
        "agent_gone": (
            "Tu agente ha perdido la conexión. Vuelves a estar en la cola, y la próxima persona "
            "que te atienda verá toda la conversación."
        ),
        "in_line": "Recibido. Eres el número {position} en la cola.",
        "in_line_no_place": "Recibido. Una persona de nuestro equipo te responderá aquí.",
        "expected_wait": " Espera estimada: unos {minutes}.",
        "minutes": "{count} min",
        "nobody_yet": " Ahora mismo no hay nadie del equipo conectado; mantienes tu lugar.",
        "still_answering": (
            " Mientras tanto, el asistente responde lo que puede con nuestro centro de ayuda; "
            "pulsa \u00ab{button}\u00bb si prefieres que solo te responda una persona."
        ),
        "left_to_team": " El asistente dejará las respuestas a nuestro equipo.",
    },
    "de": {
        "greeting": (
            "Hallo! Ich bin der KI-Assistent von {company}. Fragen Sie mich alles, was unser "
            "Hilfe-Center abdeckt \u2013 und Sie können jederzeit mit einem Menschen sprechen."
        ),
        "not_a_person": (
            "Ich bin der KI-Assistent von {company}, kein Mensch. Ich antworte aus unserem "
            "Hilfe-Center, und unser Team ist nur einen Klick entfernt: Klicken Sie auf "
            "\u201e{button}\u201c oder fragen Sie einfach danach."
        ),
        "acknowledged": "Schön, dass es geholfen hat! Kann ich sonst noch etwas für Sie tun?",
        "closing": "Gern geschehen! Kann ich Ihnen sonst noch helfen?",
        "not_found": (
            "Das habe ich in unserem Hilfe-Center nicht gefunden, und ich möchte nicht raten. "
            "Können Sie mir etwas mehr dazu sagen? Oder klicken Sie auf \u201e{button}\u201c, "
            "dann übernimmt jemand aus unserem Team."
        ),
        "kb_other_language": (
            "Unser Hilfe-Center ist auf {kb_language}, daher verstehe ich Ihre Frage "
            "vielleicht nicht. Ich kann Sie mit einem Menschen verbinden: Klicken Sie auf "
            "\u201e{button}\u201c."
        ),
        "answer_in_other_language": "Unser Hilfe-Center ist auf {kb_language}; dort steht:",
        "answer_from_section": "Aus \u201e{title}\u201c \u203a {section}:",
        "answer_from_article": "Aus \u201e{title}\u201c:",
        "holding": (
            "Ich hole jemanden aus unserem Team dazu. Diese Person sieht alles, was wir "
            "besprochen haben, Sie müssen also nichts wiederholen."
        ),
        "nobody_online": (
            "Ich habe Ihr Anliegen an unser Team weitergegeben; es sieht alles Besprochene. "
            "Gerade ist niemand aus unserem Team online. Sie behalten Ihren Platz in der "
            "Warteschlange, oder hinterlassen Sie eine E-Mail-Adresse oder Telefonnummer, dann "
            "melden wir uns bei Ihnen."
        ),
        "closed_now": (
            "Ich habe Ihr Anliegen an unser Team weitergegeben; es sieht alles Besprochene. "
            "Unser Team ist ab {opening} wieder da. Sie behalten Ihren Platz in der "
            "Warteschlange, oder hinterlassen Sie eine E-Mail-Adresse oder Telefonnummer, dann "
            "melden wir uns bei Ihnen."
        ),
        "turn_failed": (
            "Entschuldigung, bei uns ist beim Antworten etwas schiefgegangen. Bitte versuchen "
            "Sie es noch einmal oder klicken Sie auf \u201e{button}\u201c."
        ),
        "handoff_unfinished": (
            "Entschuldigung, bei der Weitergabe Ihrer Anfrage ist bei uns etwas "
            "schiefgegangen. Sie liegt weiterhin bei unserem Team, das alles sieht, was Sie "
            "hier schreiben."
        ),
        "busy": (
            "Entschuldigung, wir beantworten gerade sehr viele Anfragen und konnten Ihre "
            "Nachricht nicht rechtzeitig bearbeiten. Bitte senden Sie sie gleich noch einmal "
            "oder klicken Sie auf \u201e{button}\u201c."
        ),
        "back_to_bot": (
            "Sie chatten wieder mit dem KI-Assistenten. Ein Mensch ist weiterhin nur einen "
            "Klick entfernt."
        ),
        "resolved": (
            "Diese Unterhaltung wurde als gelöst markiert. Schreiben Sie uns jederzeit wieder."
        ),
        "csat_question": "Wie waren wir? Bewerten Sie diese Unterhaltung von 1 bis 5.",
        "transferred": (
            "Ich verbinde Sie mit jemandem aus unserem Team, der Ihnen dabei helfen kann. "
            "Der bisherige Verlauf ist dort zu sehen."
        ),
        "agent_gone": (
            "Die Verbindung zu Ihrem Ansprechpartner ist abgebrochen. Sie sind wieder in der "
            "Warteschlange, und die nächste Person sieht die ganze Unterhaltung."
        ),
        "in_line": "Verstanden. Sie sind Nummer {position} in der Warteschlange.",
        "in_line_no_place": "Verstanden. Jemand aus unserem Team antwortet Ihnen hier.",
        "expected_wait": " Voraussichtliche Wartezeit: etwa {minutes}.",
        "minutes": "{count} Min.",
        "nobody_yet": " Gerade ist niemand aus dem Team online; Sie behalten Ihren Platz.",
        "still_answering": (
            " Bis dahin beantwortet der Assistent, was unser Hilfecenter abdeckt; klicken Sie "
            "auf \u201e{button}\u201c, wenn nur ein Mensch antworten soll."
        ),
        "left_to_team": " Der Assistent überlässt die Antworten unserem Team.",
    },
}

# Refusals a customer reads in the widget (beside the message or form they refused).
ERRORS: dict[str, dict[str, str]] = {
    "en": {
        "rate_limited": (
            "Too many messages: at most {messages} per {seconds} seconds. Please wait a moment."
        ),
        "message_too_long": "Messages are limited to {chars} characters.",
        "empty_message": "The message has no visible text.",
        "no_contact": "Please give an e-mail address or a phone number we can reach.",
        "not_waiting": "A contact can be left only while waiting for a person.",
        "no_rating_asked": "There is no open rating request.",
        "busy": (
            "We're answering a lot of customers right now. Your message will be sent again in "
            "a moment, or press \u201c{button}\u201d."
        ),
    },
    "es": {
        "rate_limited": (
            "Demasiados mensajes: como máximo {messages} cada {seconds} segundos. Espera un "
            "momento."
        ),
        "message_too_long": "Los mensajes tienen un límite de {chars} caracteres.",
        "empty_message": "El mensaje no tiene texto visible.",
        "no_contact": "Indica un correo electrónico o un teléfono en el que podamos contactarte.",
        "not_waiting": "Solo puedes dejar un contacto mientras esperas a una persona.",
        "no_rating_asked": "No hay ninguna valoración pendiente.",
        "busy": (
            "Ahora mismo atendemos a muchos clientes. Tu mensaje se volverá a enviar en un "
            "momento, o pulsa \u00ab{button}\u00bb."
        ),
    },
    "de": {
        "rate_limited": (
            "Zu viele Nachrichten: höchstens {messages} pro {seconds} Sekunden. Bitte warten "
            "Sie einen Moment."
        ),
        "message_too_long": "Nachrichten sind auf {chars} Zeichen begrenzt.",
        "empty_message": "Die Nachricht enthält keinen sichtbaren Text.",
        "no_contact": (
            "Bitte geben Sie eine E-Mail-Adresse oder Telefonnummer an, unter der wir Sie "
            "erreichen."
        ),
        "not_waiting": (
            "Einen Kontakt können Sie nur hinterlassen, während Sie auf einen Menschen warten."
        ),
        "no_rating_asked": "Es steht keine Bewertung aus.",
        "busy": (
            "Wir beantworten gerade sehr viele Anfragen. Ihre Nachricht wird gleich noch einmal "
            "gesendet, oder klicken Sie auf \u201e{button}\u201c."
        ),
    },
}


def primary(language: str | None) -> str:
    """The primary subtag of a language tag, lower-cased: "es-MX" and "ES_es" are "es"."""
    return (language or DEFAULT_LANGUAGE).replace("_", "-").split("-")[0].lower()


def catalogue_language(language: str | None) -> str:
    """The catalogue that speaks `language`, else English."""
    tag = primary(language)
    return tag if tag in CATALOGUE else DEFAULT_LANGUAGE


def say(key: TextKey, language: str | None, **values: object) -> str:
    """The text `key` in the conversation's language, with `values` filled in; every text
    may name the button to a person as `{button}`, in that language's label."""
    lang = catalogue_language(language)
    return CATALOGUE[lang][key].format(button=BUTTON[lang], **values)


def refusal(code: str, language: str | None, **values: object) -> str | None:
    """A refusal's message in the conversation's language; None for a code without one.
    Like `say`, a refusal may name the button to a person as `{button}`."""
    lang = catalogue_language(language)
    texts = ERRORS[lang]
    return texts[code].format(button=BUTTON[lang], **values) if code in texts else None


def language_name(of: str, language: str | None) -> str:
    """How a sentence in `language` names the language `of` ("inglés" in Spanish)."""
    names = LANGUAGE_NAMES[catalogue_language(language)]
    return names.get(primary(of), of)


def weekday(index: int, language: str | None) -> str:
    """A weekday name (Monday is 0, as `datetime.weekday()` counts) in `language`."""
    return WEEKDAYS[catalogue_language(language)][index]
