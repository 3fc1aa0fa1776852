"""Requests for a person, tone and trends as a customer meets them, and `warmline analyze`.

The wordings below were quoted in public from a commercial intent set; they are unit
cases here, not a test set (the figures come from the public test splits, see
evals/README.md).
"""

import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from warmline.agent.decision import TurnFacts
from warmline.agent.facts import facts_of_turn
from warmline.agent.responder import (
    opens_with_thanks,
    says_thanks,
    smalltalk_reply,
)
from warmline.config import Settings
from warmline.evals.analyze import Analyzer, RememberingRedactor, analyse_lines, write
from warmline.guardrails.human_request import detect_human_request, model_may_read
from warmline.guardrails.redaction import Redactor
from warmline.guardrails.request_model import (
    char_ngrams,
    request_probability,
    request_threshold,
    word_ngrams,
)
from warmline.guardrails.resolution import reports_resolved
from warmline.guardrails.signals import compute_signals, sentiment
from warmline.guardrails.spelling import fold
from warmline.handoff.policy import EscalationPolicy
from warmline.handoff.policy_file import Policy
from warmline.retrieval.embedder import Embedder


def asks(text: str, with_vector: bool = False) -> bool:
    vector = Embedder().embed_query(text) if with_vector else None
    return detect_human_request(fold(text), vector).fired()


def heard_beside(asked: str, not_asked: str) -> bool:
    """`asked` is a request and `not_asked` none, read by the rules alone and with the
    request model alike."""
    return (
        asks(asked)
        and asks(asked, with_vector=True)
        and not asks(not_asked)
        and not asks(not_asked, with_vector=True)
    )


@pytest.mark.parametrize(
    "text",
    [
        "how do I contact an agent?",
        "can I contact a human agent?",
        "I would like to contact an agent",
        "help me contact someone",
        "I don't understand you, how do I talk to a human?",
        "what do i have to do to talk to someone",
        "how do I talk to an operator?",
        "how to speak with a fucking human agent",
        "isthere someone available?",
        "I'm trying to speak wiht an assistant",
        "I need assistance chatting witth a person",
        "quiero hablar con un agente",
        "pásame con una persona, por favor",
        "ich möchte mit einem Mitarbeiter sprechen",
        "Kann ich mit einem Menschen reden?",
        "contact support",
        "i need manual customer service",
        "Sprechen Sie mit einem Menschen",
        "Ich brauche echte menschliche Hilfe",
        "Kontakt zum Kundendienst",
        "servicio al cliente",
        "necesito ayuda humana real",
        "¿Hay alguna persona con la que pueda hablar?",
    ],
)
def test_requests_for_a_person_in_any_wording_are_heard(text: str) -> None:
    assert asks(text)
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "i wanna track my fucking order",
        "id like an fucking refund, how do i get one?",
        "I don't need an agent, just tell me the price",
        "Do I need to talk to an agent to cancel?",
        "no quiero hablar con un agente, solo el precio",
        "ich brauche keinen Mitarbeiter, danke",
        "you sound like a real human",
        "call me Bob from now on",
        "send an email about swim team practice",
        "the contact support page is broken",
        "el servicio al cliente no contesta nunca",
        "ich möchte nicht mit einem Menschen sprechen",
        "Keine Absage",
        "Zurück zum letzten Schritt",
    ],
)
def test_what_is_not_a_request_stays_with_the_bot(text: str) -> None:
    assert not asks(text)
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text", ["I would prefer dealing with a human being", "can a staff member jump in"]
)
def test_the_model_hears_a_wording_no_rule_lists(text: str) -> None:
    assert not asks(text)
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "Mensch bitte",
        "Ich möchte einen Rückruf",
        "Können Sie mich durchstellen?",
        "Ich will nicht mit einer Maschine reden",
        "Wie erreiche ich den Kundenservice?",
        "Me gustaría hablar con un representante",
        "Comunícame con un operador por favor",
        "¿Hay alguien ahí?",
        "agente por favor",
        "what do I need to do to speak with an agent?",
        "yeah, I want to speak to the reception.",
        "How can I speak with one of your non-robotic agents?",
        "somebody real please help me",
    ],
)
def test_requests_in_other_words_and_languages(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "No necesito una persona",
        "Ich möchte nicht mit einem Mitarbeiter sprechen",
        "Sende eine E-Mail an eine Person",
        "i need to make a transfer to a new person",
        "a table for one person please",
    ],
)
def test_negated_or_unrelated_persons_are_no_request(text: str) -> None:
    assert not asks(text)


def test_spelling_fold_leaves_accented_words_whole() -> None:
    assert fold("Ich möchte einen Rückruf") == "Ich möchte einen Rückruf"
    assert fold("Me gustaría hablar con un representante").endswith("representante")
    assert fold("can i tlak to a humna") == "can i talk to a human"


@pytest.mark.parametrize(
    "text",
    [
        "I'm walking to the branch now",
        "I authorized this payment myself",
        "the parcel is unavailable",
        "I want to cancel my contract",
        "I thought it would come today",
        "I am taking it to the post office",
        "my parcel is stuck in customs",
        "I'm one of your subscribers",
        "I have two contracts with you",
    ],
)
def test_english_words_near_a_keyword_are_no_typos(text: str) -> None:
    """Folded, "walking" read "talking" (a request for a person), "unavailable" read
    "available" and "authorized" read "unauthorized"."""
    assert fold(text) == text
    assert not asks(text)


def test_the_folds_english_exceptions_are_written_from_the_current_keywords() -> None:
    """A keyword added to the fold brings its own English neighbours, which the script
    must add to the exceptions."""
    script = Path(__file__).parent.parent / "scripts/build_fold_exceptions.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # Words typed for a keyword far more often than meant in a support chat still fold.
    assert fold("i want a peron") == "i want a person"
    assert fold("put me trough to an agent") == "put me through to an agent"
    assert fold("can i speck to your manger") == "can i speak to your manager"


def decide(text: str, earlier: list[str] | None = None) -> list[str]:
    earlier = earlier or []
    facts = TurnFacts(
        signals=compute_signals(text, earlier),
        earlier_sentiments=[sentiment(m) for m in earlier],
        confidence=None,
        low_confidence_strikes=0,
        bot_turns=len(earlier) + 1,
    )
    return [reason.code for reason in EscalationPolicy(Policy()).assess(facts).reasons]


@pytest.mark.parametrize(
    "text",
    [
        "i wanna track my fucking order",
        "id like an fucking refund, how do i get one?",
        "WHERE IS MY DAMN PARCEL",
    ],
)
def test_swearing_at_a_parcel_gets_an_answer_not_a_handover(text: str) -> None:
    assert decide(text) == []


def test_a_bare_no_after_a_happy_message_does_not_escalate() -> None:
    assert decide("no", ["great, thanks, that worked"]) == []
    assert decide("no, that's all", ["perfect, thank you so much!"]) == []


def test_unhappiness_that_persists_escalates_with_its_numbers() -> None:
    earlier = ["my lamp arrived broken and the replacement is broken too, so sad"]
    message = "I'm really disappointed and upset, my evening is ruined"
    assert decide(message, earlier) == ["negative_sentiment"]
    assert decide(message) == []


def test_a_complaint_about_the_answer_is_dissatisfaction_with_us() -> None:
    assert decide("that's not what I asked, it didn't help") == ["frustration"]
    assert decide("that's not what I asked, I need the clip from 4pm") == []


def test_a_problem_that_outlasts_the_answers_is_dissatisfaction_with_us() -> None:
    """One failure told after an answer is news for the next answer; told again after
    another answer it is a trend ("repeated failure"), unless the customer thanks."""
    opening = "I can't buy a book, the checkout does not work"
    assert decide(opening) == []
    first = "I did what you said, the checkout still does not work"
    assert decide(first, [opening]) == []
    again = "I cleared the cache as well, the checkout does not work"
    assert decide(again, [opening, first]) == ["frustration"]
    assert decide(again, [opening, "it is the blue one"]) == []
    thanks = "Does not work on my tablet either, thanks for your help"
    assert decide(thanks, [opening, first]) == []


def score(text: str, earlier: list[str]) -> float:
    return compute_signals(text, earlier).frustration.score


def test_the_opening_is_the_first_message_that_is_more_than_a_greeting() -> None:
    """A greeting before the trouble opens nothing: the report after one answer is still
    the first, tone alone."""
    report = "I reset it but it didn't work"
    assert score(report, ["hello there", "my hub is not working"]) == 0.25
    shows = "I'm not working today so I have time, my hub shows E-1042"
    assert score("I restarted the router, nothing changed", ["hi", shows]) == 0.25
    # Two reports after the opening are still a trend, greeting or not.
    assert score(report, ["hi", "my hub is slow", "I rebooted, still not working"]) == 0.5


def test_a_failure_told_with_thanks_is_no_earlier_report() -> None:
    earlier = ["my hub is slow", "it didn't work, thanks anyway"]
    assert score("I rebooted again, it didn't work", earlier) == 0.25


def test_a_failure_said_of_our_answer_counts_once() -> None:
    """ "it didn't help" judges the answer (evidence); its "didn't help" is no more tone."""
    assert score("it didn't help", ["my hub is slow"]) == 0.5
    assert score("the reset didn't help", ["my hub is slow"]) == 0.25
    assert score("that didn't fix it", ["my hub is slow"]) == 0.25


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    settings = Settings()
    redactor = Redactor(
        settings.pii_entities, b"k" * 32, settings.pii_allow_patterns, settings.pii_company_patterns
    )
    return Analyzer(settings, redactor, None)


def test_analyze_reports_bad_lines_by_number_and_keeps_the_rest(analyzer: Analyzer) -> None:
    text = "  how do I contact an agent?  mail me at  ana@example.org "
    lines = [
        json.dumps({"id": "a", "text": text, "history": ["where is my parcel", "no"]}),
        "{not json",
        json.dumps({"id": "b"}),
        json.dumps({"id": "c", "text": "\u200b  "}),
        json.dumps({"text": "i wanna track my fucking order"}),
    ]
    out, errors = io.StringIO(), io.StringIO()
    written, skipped = write(
        [analyse_lines(analyzer, list(enumerate(lines, start=1)))], out, errors
    )
    assert (written, skipped) == (2, 3)
    problems = errors.getvalue().splitlines()
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4"]
    assert "text" in problems[1] and "empty_message" in problems[2]
    first, second = [json.loads(line) for line in out.getvalue().splitlines()]
    [span] = first["pii"]
    assert text[span["start"] : span["end"]] == "ana@example.org"
    assert span["type"] == "EMAIL_ADDRESS" and "<EMAIL_1>" in first["redacted"]
    assert first["signals"]["human_request"] is True
    assert first["signals"]["evidence"]["human_request"] == ["contact an agent"]
    assert first["escalate"] is True and first["reasons"] == ["explicit_request"]
    assert first["search"] == [] and first["confidence"] is None
    assert second["id"] is None and second["escalate"] is False
    assert second["signals"]["frustration"] == 0.25


def test_analyze_judges_thanks_as_a_live_turn_does(analyzer: Analyzer) -> None:
    """Live, a customer who thanks the bot again is told it was a pleasure: thanks close
    what came before. `analyze` read the same words as the customer stuck in a loop."""
    thanks = "Thank you so much, that helped!"
    line = json.dumps({"text": thanks, "history": [thanks]})
    out, errors = io.StringIO(), io.StringIO()
    assert write([analyse_lines(analyzer, [(1, line)])], out, errors) == (1, 0)
    judged = json.loads(out.getvalue())
    assert judged["signals"]["repetition"] > 0.9
    assert (judged["escalate"], judged["reasons"]) == (False, [])


@pytest.mark.slow
def test_the_analyze_command_writes_one_line_per_good_input(tmp_path: Path) -> None:
    from warmline.cli import main

    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [json.dumps({"id": str(i), "text": f"where is order LH-10000{i}?"}) for i in range(5)]
            + ["[1, 2]", json.dumps({"id": "x", "text": "can I speak to a person"})]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert main(["analyze", str(source), "--out", str(out)]) == 0
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["0", "1", "2", "3", "4", "x"]
    assert [r["escalate"] for r in results] == [False] * 5 + [True]


def test_analyze_remembering_detections_writes_what_detecting_afresh_writes() -> None:
    """A log's messages come back as later lines' history; reusing their detections
    must not change a single output byte (placeholder numbers stay per conversation)."""
    settings = Settings()
    args = (
        settings.pii_entities, b"k" * 32, settings.pii_allow_patterns, settings.pii_company_patterns
    )  # fmt: skip
    first, second = "my card 4111 1111 1111 1111 was charged twice", "mail ana@example.org"
    lines = [
        json.dumps({"id": "1", "text": first}),
        json.dumps({"id": "2", "text": second, "history": [first]}),
        json.dumps({"id": "3", "text": "and bob@example.org too", "history": [first, second]}),
        json.dumps({"id": "4", "text": second, "history": ["call 415-555-0100", first]}),
    ]
    numbered = list(enumerate(lines, start=1))
    afresh = analyse_lines(Analyzer(settings, Redactor(*args), None), numbered)
    remembering = RememberingRedactor(*args)
    reused = analyse_lines(Analyzer(settings, remembering, None), numbered)
    assert reused == afresh
    assert "<EMAIL_2>" in str(afresh[2][1]) and "<EMAIL_1>" in str(afresh[3][1])


@pytest.mark.parametrize(
    "text",
    [
        "I want to speak to the restaurant",
        "please connect me to the spa",
        "is a live agent available right now?",
        "I'm asking for a live representative",
        "i need support",
        "can i talk to a represenative",
        "¿Me pasas con un asesor?",
        "Necesito soporte técnico",
        "Kontaktieren Sie den Support",
        "Ich brauche Hilfe von einem Mitarbeiter",
    ],
)
def test_requests_for_a_department_or_in_a_verb_first_wording(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    ("text", "earlier"),
    [
        ("#PRS_ORG#", ["My reader does not sync", "#PRS_ORG#"]),
        ("<ORDER_1>", ["where is my parcel", "<ORDER_1>"]),
        ("Serial number A1234-77", ["it will not start", "Serial number A1234-77"]),
        ("No, at the moment there is no", ["the app crashes", "No, at the moment there is no"]),
    ],
)
def test_sending_an_identifier_or_a_short_answer_again_is_no_loop(
    text: str, earlier: list[str]
) -> None:
    """What a customer sends again because they were asked for it is not a question asked again."""
    assert decide(text, earlier) == []


def test_the_same_question_again_after_an_answer_is_a_loop() -> None:
    question = "how do I move my books to the new tablet?"
    assert decide("How do I move my books to the new tablet??", [question]) == ["loop"]


def test_a_problem_that_has_lasted_is_stated_first_and_complained_of_after_an_answer() -> None:
    opening = "I am still waiting for a repayment from 12 January #EMAIL# #NUMBER#"
    assert decide(opening) == []
    assert decide("I already did that and I am still waiting", [opening]) == ["frustration"]
    # "second time" describes an event unless it is about coming back to us.
    assert (
        decide("For the second time I arrived at the studio and my name was not on the list") == []
    )
    assert decide("This is the second time I'm asking about my refund") == ["frustration"]


def test_a_thankful_report_that_the_advice_failed_is_not_a_complaint() -> None:
    report = "I did what you sent me, but it didn't work. Thank you very much for your help."
    assert decide(report, ["my reader will not connect"]) == []


def test_placeholders_are_not_shouting() -> None:
    assert (
        compute_signals("Hello #NAME# my account #EMAIL# #NUMBER# is locked").frustration.score == 0
    )
    assert compute_signals("WHY IS MY ACCOUNT LOCKED").frustration.score == 0.25


@pytest.mark.parametrize(
    "text",
    [
        "How many times do I have to tell you? It's so funny.",
        "I've told you the address was Building 3, it is the whole building",
        "I have sent private message to you, but there was no response.",
        "Nobody replied to me after I called you three times!",
        "You don't pay attention to my issue at all.",
        "I have waited for many days yet no replies received.",
        "Like I said, give me a practical solution.",
        "I won't use your service anymore, I have lost patience with you.",
        "What kind of answer is this?",
        "I'm switching to another provider next month.",
    ],
)
def test_complaints_about_how_we_answer_escalate(text: str) -> None:
    assert decide(text, ["my signal is gone"]) == ["frustration"]


def test_swearing_twice_in_a_row_is_still_only_tone() -> None:
    assert (
        decide("hell, where is my damn fucking parcel?!", ["this shitty app won't let me pay"])
        == []
    )
    assert decide("hell, where is my damn fucking parcel?!", ["hi there, good morning!"]) == []


def test_a_mood_that_sours_while_we_answer_escalates_with_the_fall() -> None:
    earlier = ["Hi! I'd love some help setting up my new lamp, thanks", "ok"]
    soured = "I am so disappointed and upset, my evening is ruined"
    facts = TurnFacts(
        signals=compute_signals(soured, earlier),
        earlier_sentiments=[sentiment(m) for m in earlier],
        confidence=None,
        low_confidence_strikes=0,
        bot_turns=3,
    )
    (reason,) = EscalationPolicy(Policy()).assess(facts).reasons
    assert reason.code == "negative_sentiment"
    assert "fell from 0.8" in reason.detail and "last 3 messages" in reason.detail
    # Alone, or after messages that read neutral, one negative message is no trend.
    assert decide(soured) == []
    assert decide(soured, ["my lamp model is LX-200", "it is the one in the hall"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "connect me to the marketing meeting",
        "Are agents available on Sundays?",
        "how do I talk to the hub with voice commands",
        "Necesito ayuda con mi pedido",
        "Ich brauche Unterstützung bei der Rechnung",
        "does a refund over $500 need a manager's approval",
    ],
)
def test_things_and_help_with_a_task_are_no_request(text: str) -> None:
    assert not asks(text)


@pytest.mark.parametrize("text", ["speak to me in Dutch", "users can talk to my bot in German"])
def test_talking_with_the_bot_itself_is_no_request_to_the_model(text: str) -> None:
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text", ["Can I   talk to a HUMAN?!", "x", "¿Hay alguna persona real", "Rückruf\tbitte"]
)
def test_the_model_cuts_character_ngrams_as_its_trainer_did(text: str) -> None:
    analyser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).build_analyzer()
    assert char_ngrams(text, (2, 4)) == Counter(analyser(text))


@pytest.mark.parametrize(
    "text",
    ["Can I   talk to a HUMAN?!", "x", "¿Hay alguna persona real", "i'd like to-day's agent"],
)
def test_the_model_cuts_words_and_word_pairs_as_its_trainer_did(text: str) -> None:
    analyser = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    assert word_ngrams(text, (1, 2)) == Counter(analyser(text))


@pytest.mark.parametrize(
    "text",
    [
        "Can you read the serial number on the picture I sent?",
        "I will not use the app on my tablet, only on the phone",
        "What kind of plan do I need for two classes a week?",
        "I have to log in again after switching to another page, what is wrong?",
        "I'm an idiot about computers, how do I copy a picture to my phone?",
    ],
)
def test_questions_that_share_words_with_complaints_stay_with_the_bot(text: str) -> None:
    assert decide(text, ["hello, I need help with my account"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "talk to the google assistant",
        "can I talk to the google assistant please",
        "speak with a virtual assistant",
        "Is there anyone who can tell me why my order is late",
        "Is there anyone who can tell me why the photo is gone after I rotate it? @Luo Yonghao "
        "@Smartisan Customer Service",
        "anyone here who knows how to reset a router?",
        "Thanks dear. I left a message to online customer service on the official website...Do "
        "I still need to send an email to you?",
        "They recommend me a construction team and ask me to contact with the construction team "
        "by myself.",
    ],
)
def test_a_question_to_anyone_a_device_or_a_retold_instruction_is_no_request(text: str) -> None:
    """Seen as false requests: in the served product and in STC-3's satisfied dialogues."""
    assert not asks(text)
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "Is there anyone who can help me?",
        "you are not helping, get me a human being",
        "could you hand me over to one of your colleagues",
        "I'd rather sort this out with a member of your staff",
        "I would prefer to discuss this with a person",
        "is anybody from customer care online right now",
        "take me to a live person",
        "Ich will zu einem Menschen",
        "Ich möchte lieber mit einem Menschen chatten",
        "Weiterleitung an einen Mitarbeiter",
        "Bitte an einen Menschen übergeben",
        "Kann mir ein Mensch helfen?",
        "Gibt es eine reale Person",
        "Einen Vertreter bitte",
        "quiero que me pases con un agente",
        "¿hay algún agente disponible?",
    ],
)
def test_requests_handed_on_in_more_words(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kann mir jemand sagen, wann mein Paket kommt?",
        "quiero transferir dinero a una persona",
        "message colleagues that the meeting moved to 8:30",
    ],
)
def test_a_question_to_anyone_or_money_to_a_person_in_other_languages_is_no_request(
    text: str,
) -> None:
    assert not asks(text)


def test_the_same_error_coming_again_after_two_answers_is_a_failure_that_persists() -> None:
    opening = "The book is protected by DRM and will not open on my reader"
    again = "I then did that. But the same error message came again."
    assert decide(again, [opening]) == []
    assert decide(again, [opening, "I reinstalled the app, it does not work"]) == ["frustration"]


@pytest.mark.parametrize(
    "text",
    [
        "can I add another person to my account",
        "how do I transfer money to another person",
        "can my partner talk to you on my behalf",
        "does the human resources team get copied on invoices",
        "I left a message with your support team yesterday, is there an update?",
    ],
)
def test_a_person_an_account_or_a_payment_is_about_is_no_request_to_the_model(text: str) -> None:
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "Ist ein Mitarbeiter verfügbar?",
        "Ist jemand da?",
        "Kann mich jemand anrufen?",
        "Ich möchte jemanden vom Kundenservice sprechen",
        "Gibt es einen Live-Chat mit einem Mitarbeiter?",
        "Comunícame con servicio al cliente",
        "¿Con quién puedo hablar sobre mi factura?",
        "Necesito que alguien me llame",
    ],
)
def test_asking_whether_someone_is_there_or_whom_to_talk_to_in_german_and_spanish(
    text: str,
) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ist die Größe M verfügbar?",
        "Sind noch Zimmer frei?",
        "Wann ist der Kundenservice erreichbar?",
        "¿Cuál es el horario de atención al cliente?",
        "El servicio al cliente es malo",
    ],
)
def test_whether_a_thing_is_available_or_when_service_opens_is_no_request(text: str) -> None:
    assert not asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to your sales team",
        "I would like to contact your sales team please",
        "let me talk to your sales people!",
    ],
)
def test_sales_enquiries_stay_with_the_bot(text: str) -> None:
    assert not asks(text)
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "Your shop staff were arrogant and irresponsible about my broken fridge.",
        "You are fooling your customers with these so-called discounts.",
        "The advert was misleading and you lied to me about the price.",
        "You owe me an explanation for this bill.",
    ],
)
def test_a_complaint_about_how_we_treat_customers_is_dissatisfaction_from_the_start(
    text: str,
) -> None:
    assert decide(text) == ["frustration"]


@pytest.mark.parametrize(
    "text",
    [
        "not angry, just confused: why did my bill go up this month?",
        "I'm not frustrated, I just want to know when it ships",
        "Don't worry, I'm not annoyed at all, just tell me the delivery date",
        "I'm so annoyed with myself, I forgot to add the discount code",
        "Sorry, I made a terrible mistake and ordered the wrong size. Can I change it?",
    ],
)
def test_a_customer_upset_with_no_one_or_with_themself_gets_an_answer(text: str) -> None:
    assert decide(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "I'm not angry, I'm furious",
        "I am so angry!",
        "I'm fed up with your deliveries",
        "Isn't that ridiculous?",
        "You made a terrible mistake with my order",
    ],
)
def test_feelings_and_judgements_aimed_at_us_still_hand_over(text: str) -> None:
    assert decide(text) == ["frustration"]


@pytest.mark.parametrize(
    "text",
    [
        "This is the third time I'm buying from you, love your products",
        "This is my fourth time ordering, any loyalty discount?",
        "We're switching to you from our old supplier, how do we move our account?",
    ],
)
def test_a_loyal_or_new_customer_is_not_a_leaving_one(text: str) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "This is the third time I'm asking about my refund",
        "the third time this happened",
        "I'm switching to another provider",
    ],
)
def test_coming_back_about_a_trouble_or_leaving_is_still_frustration(text: str) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == ["frustration"]


def test_a_customer_who_followed_the_steps_and_says_it_works_is_helped() -> None:
    opening = "The heater keeps turning off"
    assert decide("I did everything you said and it works perfectly now", [opening]) == []
    assert reports_resolved("it works perfectly now")
    assert not reports_resolved("it works for now")
    assert not reports_resolved("you told me it works now")


def test_a_fault_that_recurs_is_a_problem_and_asking_again_and_again_is_frustration() -> None:
    opening = "hello, I have a question about my lamp"
    assert decide("the app says E-1042 every single time I add a bulb", [opening]) == []
    for again in (
        "I have asked over and over",
        "every single time I call you I get cut off",
        "ive spent an hour on this and youre giving me the same steps over and over",
        "you keep sending me the same link again and again",
        "you're telling me the same thing over and over",
        "you said that every single time",
    ):
        assert decide(again, [opening]) == ["frustration"], again


def test_praise_is_sarcasm_only_in_a_complaint() -> None:
    opening = "Where is my refund? It has been two weeks"
    for praise in (
        "Great, the refund is there now, thanks",
        "Great, just what I needed, thanks",
        "Wonderful, the reset worked. Thanks so much!",
        "The delivery was great, the driver was so nice",
    ):
        assert decide(praise, [opening]) == [], praise
    for sarcasm in (
        "Oh great, the parcel is late again. Thanks a lot.",
        "Oh great, the app crashed again",
        "great, just great, another useless answer",
        "lol great, another delay",
        "ugh, perfect, the app crashed again",
    ):
        assert decide(sarcasm, [opening]) == ["frustration"], sarcasm


@pytest.mark.parametrize(
    "text",
    [
        "It worked until now and your update broke it. This is useless, I'm furious.",
        "It worked till now. Your service is a joke.",
        "It worked before now, then your useless update killed it, I am fed up",
    ],
)
def test_a_success_that_ended_does_not_soften_the_anger_after_it(text: str) -> None:
    assert decide(text, ["My heater keeps turning off"]) == ["frustration"]


def test_only_a_word_of_how_well_may_stand_before_now_and_only_the_customers_word() -> None:
    for not_solved in (
        "it worked until now",
        "It worked till now",
        "it worked before now",
        "it works only now and then",
        "the agent said and it works now",
        "he told me so it works now",
    ):
        assert not reports_resolved(not_solved), not_solved
    for solved in (
        "it works again now",
        "it works fine now",
        "I did what you said and it works now",
    ):
        assert reports_resolved(solved), solved


@pytest.mark.parametrize(
    "text",
    [
        "thanks a lot, great, another delay",
        "My parcel is late, great, just great",
        "Just great, another delay",
        "omg great, another delay",
        "haha perfect, another delay",
        "Oh, just perfect, another delay",
        "Great.... another delay",
        "and now, great, another delay",
        "Thanks a lot. Great, another delay.",
        "Great, another delay. Thanks.",
        "Oh perfect, another week without my refund. Thank you.",
        "Brilliant, yet another delay. Thanks Lumen.",
        "great, more waiting. thanks",
        "Wow, so helpful. Thanks.",
        "Oh great, the parcel is late. Thanks a lot.",
    ],
)
def test_praise_for_one_more_of_the_trouble_is_sarcasm_whatever_thanks_follow(text: str) -> None:
    assert decide(text, ["Where is my parcel? It has been two weeks"]) == ["frustration"]


@pytest.mark.parametrize(
    "text",
    [
        "I'm switching to your competitor next month",
        "we are switching to your rival",
        "I'll be switching to your competition",
        "This is the third time I order this lamp and it arrives broken",
        "the third time I renew and you charge me twice",
        "This is the third time now I'm ordering because your parcels keep getting lost",
        "I had to explain it to your agent again and again",
        "i've contacted you guys about the refund again and again",
        "I've asked about it so many times over and over",
    ],
)
def test_leaving_for_a_rival_buying_again_after_a_fault_and_asking_often_hand_over(
    text: str,
) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == ["frustration"]


@pytest.mark.parametrize(
    "text",
    [
        "this is the third time I'm buying from you, love the lamps",
        "This is the third time I'm ordering, can't wait!",
        "I'm switching to your premium plan next month",
        "the app says E-1042 every single time I add a bulb",
        "Great, the refund is there now, thanks a lot",
    ],
)
def test_loyalty_an_upgrade_a_recurring_fault_and_sincere_thanks_get_an_answer(text: str) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == []


def test_thanks_a_lot_with_appreciation_is_sincere_and_a_request_to_appreciate_is_none() -> None:
    opening = "hello, I have a question about my order"
    assert decide("Thanks a lot, really appreciate it", [opening]) == []
    assert decide("Thanks a lot, really. The parcel is late again.", [opening]) == ["frustration"]
    # "I'd appreciate a fix" asks for one; it thanks for nothing.
    assert decide("It still doesn't work, I'd appreciate a fix", [opening]) == ["frustration"]
    assert decide("Still not working, I would really appreciate it if you fixed it", [opening]) == [
        "frustration"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "I'm not even angry anymore, just disappointed in you",
        "Honestly, I'm disappointed with your support",
        "You have disappointed me again",
    ],
)
def test_disappointment_in_us_is_dissatisfaction_with_us(text: str) -> None:
    assert decide(text) == ["frustration"]


@pytest.mark.parametrize(
    "text",
    [
        "I'm not disappointed in you at all, just tell me when it ships",
        "there are countless options in the app, which lamp fits a hallway?",
        "I get countless notifications from the app, how do I turn them off?",
        "the app has an annoying pop-up, how do I turn it off?",
        "Is this the right service for returns?",
        "Is this the energy efficiency rating of the bulb?",
        "the app says the requirements are not satisfied, which hub do I need?",
        "we have poor service in the basement, does the hub work offline?",
        "I'm not qualified to install it myself, do you offer fitting?",
        # A complaint about a person is the staff-complaint topic's, with its own routing.
        "I want to make a complaint about Sam from your chat team",
        "How do I file a complaint about the delivery driver?",
    ],
)
def test_words_of_a_complaint_that_judge_nothing_of_us_get_an_answer(
    text: str,
) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "I have sent countless emails to you about this refund",
        "countless calls to your support line and still no date",
        "I've called you countless times",
        "I've complained five times about this lamp",
        "I'm not satisfied with your answer",
        "We are very dissatisfied with the service",
        "This is so annoying!",
        "Your handling of my refund is appalling",
        "What's wrong with you people?",
        "Is this the way you treat loyal customers?",
        "Nobody responded to my three emails",
        "Your customer service is so poor",
        "Is this the professionalism of your company?",
        "You are not qualified to give advice on this",
        "What on earth are you doing with my order?",
        "Is this what you call customer service?",
        "I've filed a formal complaint about this refund",
    ],
)
def test_judgements_of_our_service_and_contacts_counted_without_end_hand_over(text: str) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == ["frustration"]


@pytest.mark.parametrize(
    "text",
    [
        # A return, an exchange or a former provider: no dissatisfaction with us.
        "If we're not satisfied with the blinds, can we send them back?",
        "Can I get my money back if I'm not satisfied after the trial?",
        "I'm not satisfied with the shade of the bulb, could I swap it for warm white?",
        "We are dissatisfied with the length of the cable, is there a longer one?",
        "I was dissatisfied with my previous alarm company, which is why I picked you",
        # "annoying" said of a feature, of someone else or of oneself.
        "The beep on the hub is really annoying, can I turn it down?",
        "How do I block these annoying robocalls?",
        "That annoying red light keeps flashing on the camera, what is it?",
        "Sorry to be annoying, one more question about my invoice",
        "The dog next door is annoying, anyway, can I move my delivery slot?",
        "It's annoying when my phone autocorrects the code, which field does it go in?",
        # A complaint about someone else, or one made against the customer.
        "How do I file a complaint against a seller on your marketplace?",
        "Where do I lodge a complaint with the airline about my luggage?",
        "I need to make a complaint to my landlord, can you send me my bills?",
        "A buyer filed a complaint on my store, how do I answer it?",
        # The signal a phone has, not our service.
        "Mobile service is poor in our garage, will the hub still work?",
        "The wifi service is bad in the back bedroom, which extender do you sell?",
        # Nobody answering an advert or an invitation, calls made to book, one's own tries, a
        # hotel judged.
        "Nobody replied to my listing, can I lower the price?",
        "No one has responded to my invite yet, can I resend it?",
        "I called you twice yesterday to book, all sorted, what time is the slot?",
        "I tried dozens of times to take a sharp photo of the label, is a scan ok?",
        "The restaurant we booked was appalling, can I get the voucher refunded?",
        "Is this what you call the family plan? I'd like to switch to it",
        "Is this the attitude setting on the drone?",
    ],
)
def test_dissatisfaction_with_a_product_someone_else_or_a_place_gets_an_answer(
    text: str,
) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "We're very disappointed with Lumen",
        "Disappointed in the service we got",
        "I'm really unhappy with your support",
        "Not satisfied at all with the result",
        "I'm not at all satisfied with how this went",
        "No one has answered my emails in ten days",
        "nobody ever gets back to me",
        "I've contacted support a dozen times about the hub",
        "I've complained to you twice already",
        "I'm filing a complaint against Lumen",
        "You call this customer service?",
        "Sent you countless messages.",
        "That is appalling service",
        "It's appalling that you still charge me",
        # With no one else named, a complaint to be made is about us.
        "How can I make a complaint?",
        "I want to file a complaint",
        # "annoying" said of us or of how things are going.
        "ok this is getting so annoying now",
        "you guys are annoying",
        "So annoying! Do I have to go to the shop?",
        "How annoying, the chat dropped again",
    ],
)
def test_dissatisfaction_with_us_in_plain_words(text: str) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == ["frustration"]


@pytest.mark.parametrize(
    "text",
    [
        "I don't appreciate it, the order still hasn't shipped",
        "I did not appreciate that. Still no refund",
        "Really appreciate it... not. The parcel still isn't here",
    ],
)
def test_appreciation_negated_thanks_for_nothing(text: str) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == ["frustration"]


def test_a_reproach_is_dissatisfaction_once_we_have_answered_and_a_question_before() -> None:
    opening = "Why don't you ship to Canada?"
    assert decide(opening) == []
    assert decide("Can you give me an explanation of the fees on my invoice?") == []
    for reproach in (
        "Why don't you just call me back?",
        "Can't you read what I wrote?",
        "You never answer my emails.",
        "Please give me an explanation.",
    ):
        assert decide(reproach, [opening]) == ["frustration"], reproach


@pytest.mark.parametrize(
    "text",
    [
        "Where is the cheat sheet for the keyboard shortcuts?",
        "Do you always ship with DHL?",
        "If I can't, you can call me after six.",
    ],
)
def test_words_a_complaint_also_uses_stay_with_the_bot(text: str) -> None:
    assert decide(text, ["hello, I have a question about my order"]) == []


def test_a_complaint_in_a_message_that_says_the_problem_is_solved_is_feedback() -> None:
    opening = "my phone cannot be unlocked by sliding the screen, I have restarted it twice"
    solved = "I tried. It did work. But I am really speechless about this experience."
    assert decide(solved, [opening]) == []
    assert decide("I tried. But I am really speechless about this experience.", [opening]) == [
        "frustration"
    ]
    # An opening message is a new problem, whatever it says of an old one.
    assert decide("The problem was solved last week, now it is back and I am furious") == [
        "frustration"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Is it solved?",
        "If the problem is fixed I will renew",
        "I want my problem solved today",
        "it was never resolved",
        "my problem has not been solved yet, speechless",
        "I bought this fixed-line plan and it is useless",
    ],
)
def test_a_wish_a_question_or_a_denial_is_no_report_that_the_problem_is_solved(
    text: str,
) -> None:
    assert not says_thanks(text)
    assert not reports_resolved(text)


def third_turn(text: str, earlier: list[str], confidence: float | None, misses: int) -> TurnFacts:
    """The policy's facts for a customer's third bot turn, after the `earlier` messages,
    with `misses` earlier low-confidence turns in a row, as the live turn and `warmline
    analyze` both build them."""
    return facts_of_turn(
        compute_signals(text, earlier),
        text,
        earlier_sentiments=[sentiment(m) for m in earlier],
        confidence=confidence,
        low_confidence=Policy().thresholds.low_confidence,
        strikes=misses,
        unanswered=misses,
        bot_turns=3,
    )


def reason_codes(facts: TurnFacts) -> list[str]:
    return [r.code for r in EscalationPolicy(Policy()).assess(facts).reasons]


def test_a_mood_that_falls_in_the_message_saying_it_is_solved_does_not_escalate() -> None:
    earlier = ["Hi! I'd love some help setting up my new lamp, thanks", "ok"]

    def reasons(text: str) -> list[str]:
        return reason_codes(third_turn(text, earlier, confidence=None, misses=0))

    assert reasons("It's solved now, but I am so disappointed and upset it took a week") == []
    assert reasons("It's not solved, I am so disappointed and upset, it took a week") == [
        "negative_sentiment"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "You said it was fixed but it still doesn't work",
        "the email says the problem has been fixed but it crashes",
        "It did work yesterday, now it's broken again",
        "It's fixed now?",
        "it was fixed, but it still crashes",
        "Supposedly the issue has been resolved, yet nothing changed",
        "it was solved but not anymore",
    ],
)
def test_a_claim_retold_or_a_fix_the_clause_takes_back_is_no_report_that_it_is_solved(
    text: str,
) -> None:
    assert not says_thanks(text)
    assert not reports_resolved(text)


@pytest.mark.parametrize(
    "text",
    [
        "It's solved",
        "the issue has been resolved",
        "it did work",
        "ok it works now, thanks",
        "Problem solved, I don't need an agent anymore",
        "It's fixed, thanks again!",
    ],
)
def test_the_customers_own_report_that_it_is_solved_counts(text: str) -> None:
    assert says_thanks(text)


@pytest.mark.parametrize(
    "text",
    [
        "It was fixed last week. Now it's broken again.",
        "It works now. Oh wait, it crashed again",
        "It was resolved on Monday. The problem is back.",
        "It works now. Then it crashed.",
        "The issue has been resolved. Today I still get the error though.",
        "It works now. The payment is failing again.",
        "It works now. My account is broken again.",
        "It works now. The client keeps crashing.",
        "It was fixed, broken now.",
        "It was fixed, crashing now.",
        "It works now. The app crashes when I open settings.",
    ],
)
def test_a_fix_a_later_sentence_takes_back_is_no_report_that_it_is_solved(text: str) -> None:
    assert not says_thanks(text)
    assert not reports_resolved(text)


@pytest.mark.parametrize(
    "text",
    [
        "It's solved. Thanks!",
        "It works now, it was broken because of the cable",
        "It's fixed now, it had been broken for a week",
        "It works now, thanks. It crashed because the battery was low.",
        "It's fixed. Hope it doesn't crash again!",
        "It works now! It's back to normal.",
        "It works now, I've been stuck on this for 3 days, this is ridiculous.",
        "It's fixed now. Nothing is broken anymore.",
        "It works now. Nothing is wrong.",
        "The issue is resolved. The crashes are gone.",
        "It's fixed! The crashes were driving me nuts.",
        "Problem solved and the refund went through",
    ],
)
def test_a_trouble_retold_in_the_past_or_wished_away_leaves_the_report(text: str) -> None:
    assert reports_resolved(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks Revolut! I signed up with Google",
        "Thanks. I also need to change my address",
        "ok thanks. my card was declined",
        "oh my god. I HAVE DONE THAT. stop telling me to reset my password!!!",
        "Thanks, I also need to change my address",
        "Perfect, now I need an invoice for my company.",
        "Great. Separately, I'd like to raise a complaint",
        "Thanks for your help, but it still doesn't work",
        "Thanks for the help. How do I change my address?",
        "Thanks, I'm looking for help with my invoice",
        "Thanks for your help. My card was charged twice.",
        "Thanks for the help, I want to cancel my subscription",
    ],
)
def test_thanks_that_go_on_to_something_new_are_not_thanks(text: str) -> None:
    assert not says_thanks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for your help. My card was charged twice.",
        "Thanks. My card was charged twice.",
        "ok thanks. my card was declined",
        "Thanks, the payment failed though",
        "thanks. now I'm locked out of the app",
        "Great, thanks. The app crashed when I opened it",
        "thanks, the payment bounced",
        # Put right before, or taken on in another clause: the fault still stands.
        "thanks, it worked yesterday, now my card was declined",
        "thanks. I'll need a refund, I was charged twice",
        "thanks, my phone was stolen and I'll need a new card",
    ],
)
def test_thanks_then_a_problem_is_no_acknowledgement_at_low_confidence(text: str) -> None:
    """At low confidence a message that opens with thanks is acknowledged ("Glad that
    helped!"); thanks followed by a new problem must not be: the customer would be told
    they were welcome while their card was charged twice. The turn is a miss."""
    assert not opens_with_thanks(text)
    facts = third_turn(text, ["my parcel is late"], confidence=0.05, misses=0)
    assert (facts.confidence, facts.low_confidence_strikes) == (0.05, 1)


@pytest.mark.parametrize(
    "text",
    [
        "ok I'll give it a few more days. It's a Lumen Lock for my mum",
        "Thanks! I'll order the charger tonight",
        "thanks, my refund arrived",
        # A fault that was put right, or that the customer takes from here.
        "Thanks! That fixed the crash.",
        "Thanks, I found the lost receipt",
        "Thanks, I double checked and it worked",
        "Thanks, it stopped crashing",
        "thanks, my refund for the double charge arrived",
        "Thanks, I reported the lost card and got a new one, all sorted",
        "ok thanks, I'll cancel the blocked card then",
        "Thanks! The double charge was refunded",
        "Thanks, my lost card turned up",
        "thanks, the declined payment went through",
    ],
)
def test_thanks_then_news_that_is_no_new_problem_is_acknowledged(text: str) -> None:
    assert opens_with_thanks(text)
    facts = third_turn(text, ["my app keeps crashing", "still crashing"], confidence=0.05, misses=1)
    assert facts.confidence is None
    assert reason_codes(facts) == []


@pytest.mark.parametrize(
    "text",
    [
        "Thanks! That fixed the crash.",
        "Thanks, I found the lost receipt",
        "Thanks, I double checked and it worked",
        "Thanks, it stopped crashing",
        "Great, thanks, I'm in. It was locked because of the old password, all good now",
        "Thanks, I reported the lost card and got a new one, all sorted",
    ],
)
def test_thanks_that_mention_a_fault_put_right_are_thanks_at_any_confidence(text: str) -> None:
    """These close what came before, whatever the search found."""
    assert says_thanks(text)
    assert smalltalk_reply(text, "Lumen Home") is not None


@pytest.mark.parametrize(
    "text",
    ["Thanks, the payment failed though", "thanks, it worked yesterday, now my card was declined"],
)
def test_thanks_then_a_fault_in_the_same_sentence_are_not_thanks(text: str) -> None:
    """They were answered "Glad that helped!" and wiped the misses before them."""
    assert not says_thanks(text)
    assert smalltalk_reply(text, "Lumen Home") is None


@pytest.mark.parametrize(
    "text",
    [
        "Thank you. Much appreciated.",
        "Done, thanks. All good.",
        "Thanks. That's all I needed.",
        "Ok, thanks. Have a good night",
        "Thanks a lot. 5 stars.",
        "Thanks, that worked. Regards, John",
        "Thanks, that worked! You're a star.",
        "ok got it. will try later",
        "Thanks for your help!",
        "Thank you so much for all your help.",
        "thanks for helping me out, bye",
        "Thanks again for your help!",
    ],
)
def test_thanks_that_end_with_a_pleasantry_or_sign_off_are_thanks(text: str) -> None:
    assert says_thanks(text)


def test_an_angry_repeat_customer_told_it_was_fixed_is_handed_over() -> None:
    """Thanks would wipe the misses that came before; a fix the customer says did not
    hold must leave them counting."""
    earlier = ["my router drops the connection every hour", "I restarted it as you said"]

    def reasons(text: str) -> list[str]:
        return reason_codes(third_turn(text, earlier, confidence=0.0, misses=1))

    assert reasons("You said it was fixed but it still doesn't work") != []
    assert reasons("It was fixed last week. Now it's broken again.") != []
    assert reasons("ok it works now, thanks") == []


def test_a_long_message_of_wishes_is_no_report_and_a_report_after_them_counts() -> None:
    """Each match is read within its own clause (at most 200 characters back), so a long
    message costs linear time and a wish does not hide the report that follows."""
    text = "if it is fixed " * 4000
    assert not reports_resolved(text)
    assert reports_resolved(text + ". It did work.")


@pytest.mark.parametrize(
    "text",
    [
        "hi, could you transfer me",
        "can you transition this chat to a human please",
        "how do I skip the menu and go straight to a real person?",
        "agent help",
        "I don't want to talk to you, sorry",
        "I'd like to ask for my refund from an agent directly",
        "connect me to a call with an agent",
    ],
)
def test_being_handed_on_past_the_bot_in_a_sample_skills_words(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "how do I get to someone?",
        "can I go to a real person?",
        "let me get to a human",
        "skip the menu and get to an agent",
        "help me get to a person",
    ],
)
def test_asking_how_to_get_to_a_person_is_a_request(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Did my payment go to someone else?",
        "Did the parcel get to someone else?",
        "I got a request from someone asking for my PIN",
        "I received a request from somebody to verify my account",
    ],
)
def test_money_that_went_to_someone_or_a_request_received_asks_for_no_one(text: str) -> None:
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "Hello agent",
        "hi advisor!",
        "can I book an in person fitting",
        "could I come in-person to the shop on Friday",
        "connect me to the conference call",
        "join me to the meeting",
    ],
)
def test_a_greeting_meeting_in_person_or_joining_a_call_is_no_request_to_the_model(
    text: str,
) -> None:
    assert not asks(text, with_vector=True)


def test_thanks_that_go_on_to_something_unanswered_are_no_miss_offline_as_live() -> None:
    """Live, such a turn is acknowledged, not refused (`nodes._smalltalk_or_confidence`);
    `warmline analyze`, which passes the search's confidence, judges it the same way."""
    low = Policy().thresholds.low_confidence

    def judged(text: str) -> tuple[float | None, int, int]:
        facts = third_turn(text, [], confidence=low / 2, misses=1)
        return facts.confidence, facts.low_confidence_strikes, facts.unanswered_turns

    assert judged("ok ill give it a few more days. its a Lumen Lock for my mum") == (None, 1, 1)
    assert judged("what colour is the sky on mars?") == (low / 2, 2, 2)


@pytest.mark.parametrize(
    "text",
    [
        # A phone's contact list, and a device joined to an app named "Assistant".
        "How can I synchronize the contact person on my phone?",
        "I can't synchronize the contact person to the cloud.",
        "How do I connect my cellphone with computer terminal of 91 Assistant?",
        # A payee.
        "the person i want to pay",
        "change the person im paying with direct debit",
    ],
)
def test_a_device_a_contact_list_or_a_payee_is_no_request(text: str) -> None:
    """Seen as false requests in STC-3's and NLU++'s development dialogues and queries."""
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "can I contact an agent",
        "how do I contact the agent",
        "connect me to a person",
        "connect my call to a person",
        "I want the manual service",
        "I want to talk about my bill with an agent",
        "please call me back",
        "the agent told me nothing, I want a manager",
        "@China Unicom Customer Service I want to talk to a person",
        "I lost my card, can I contact someone?",
        # Requests beside a retold event, a past contact or a subject (a review's cases:
        # silencing the model on the whole message for those lost each of them).
        "The agent promised to call me back yesterday and never did. Escalation please.",
        "the agent said I'd get a refund, can a manager step in",
        "The rep told me it was fixed. It is not. Loop in a supervisor.",
        "they did nothing, I want to escalate",
        "he gave me a wrong code, I'd like a supervisor's involvement",
        "I have complained three times. Let a human handle this.",
        "I have already contacted you twice, let a human handle this",
        "I complained last week, please pass me on to your colleague",
        "I was contacted by your fraud team, I need to speak to them again",
        "I need to talk about my account, can you pass me on",
        "I'd like to talk about cancelling, can you hand me over",
        "I need to speak about a refund, put me on with your team",
        "can i talk about this with your colleague",
        "@Acme Support escalation please",
        "I want to talk to a manager said it 3 times already",
    ],
)
def test_requests_near_those_frames_are_still_heard(text: str) -> None:
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        # A negation that asks for the person rather than refusing one.
        "why don't you just put me through to a human",
        "Can I not speak to a real person?",
        "is there not a human I could speak with",
        "don't you have any humans working there?",
        # Not knowing the way to one.
        "I don't know how to reach an agent",
        "I don't see a way to talk to a person",
        # A complaint about us, then the request, with no comma between.
        "you don't listen just get me an agent",
        "it doesn't work connect me to someone",
        "not helpful at all talk to a person",
        "I don't have time for this give me an agent",
        # A remark on who is talking, then the request in a clause of its own.
        "you are a bot, I want a human",
        # Not silenced by the remark before it.
        "I'm a customer, I need a human",
    ],
)
def test_negations_that_ask_complain_or_lack_the_way_still_ask(text: str) -> None:
    assert asks(text)
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "are your agents available",
        "is one of your reps available now",
        "I'd like to have a conversation with one of your employees",
        "I need to consult with a financial advisor",
        "i want to complain to a person",
        "I want to be contacted by someone",
        "does anyone actually work there?",
        "where are the humans",
        "is there actually a person on the other end",
        "I already asked for a human",
        "no! human!",
        "I said agent",
    ],
)
def test_requests_in_wordings_the_rules_now_name(text: str) -> None:
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        # Kept as they were: a warning, what does not help, a plain refusal, when.
        "don't you dare transfer me to a person",
        "it doesn't help to talk to an agent",
        "I don't need help from an agent",
        "I do not want a person",
        "are your agents available on sundays",
        "I was contacted by someone claiming to be from your bank",
        "I was asked for a person's name",
        "why did someone call me",
        "what do people call me at work",
        "do i need a person to sign for the package",
        "i'm a real person, not a bot",
        "could I speak to someone at the branch on friday",
        "I'd like to talk to somebody from your sales team",
        "could I speak with someone in your sales team",
    ],
)
def test_negations_and_questions_that_ask_for_no_one_stay_with_the_bot(text: str) -> None:
    assert not asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "I didn't ask for a human",
        "I don't want to talk to anyone, just reset my password",
        "I'm an agent",
        "could you tell me whether you are a real person",
        "I want to speak Spanish",
        "talk me through setting up autopay",
        "I'd like to speak to your sales team",
        "connect me to the sales team",
        "we sell a customer service platform",
        "change the contact person on the account",
    ],
)
def test_what_the_model_reads_close_to_a_request_but_asks_for_no_one(text: str) -> None:
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        # A negation that refuses, forbids or reproaches, in a question's word order.
        "Don't you ever transfer me to an agent again",
        "Don't you put me through to a human, just answer",
        "Didn't you say an agent will call me back?",
        "why don't you have live chat like other companies",
        "why don't you offer human support on weekends",
        "don't you have staff discounts?",
        "could you not transfer me to an agent every time I say help",
        "can you not connect me to a person, I just want the answer",
        "would you not put me through to an agent again please",
        "Is there not a charge to speak to an agent?",
        "will it not cost extra to talk to a person?",
        # Unhappy with the talk itself, or doubting it would help.
        "I'm not happy talking to a person, I prefer chat",
        "I'm never satisfied talking to a representative",
        "it doesn't help talking to an agent",
        "I don't see how speaking to an agent changes anything",
        "I don't know how talking to a person would help",
        # When or where the staff are, a contact that kept coming, another's request, an
        # answer naming whom.
        "is your agent available to visit my house on friday",
        "are any of your agents available to come tomorrow at 5",
        "what time are your representatives available",
        "where are your representatives based?",
        "where is the agent I need to sign the contract with based",
        "where are the agents based, in india?",
        "I was being contacted by someone from your team every day",
        "why am I being called by your agents every day",
        "I'm being emailed by someone pretending to be you",
        "my husband asked for a manager and got nobody",
        "yes, the technician",
    ],
)
def test_negations_and_questions_about_the_staff_hand_no_one_over(text: str) -> None:
    assert not asks(text)
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "I've been asking for a human for ten minutes",
        "I have been requesting a supervisor",
        "been asking for a manager all day",
        "I want to speak to someone at your office",
        "connect me to someone in your office",
        "can I speak to someone at the branch about my mortgage",
    ],
)
def test_asking_for_some_time_or_for_someone_at_the_office_is_heard_by_the_rules(
    text: str,
) -> None:
    assert asks(text)
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    ["ok. human.", "okay, agent", "yes, agent", "yes. agent.", "are there not any agents"],
)
def test_yes_to_a_bare_person_word_and_a_plural_asked_with_not_are_requests(
    text: str,
) -> None:
    """An answer of a bare person word after yes or ok asks for one ("yes, the
    technician", with its article, names whom it was); "are there not any agents" asks
    as "is there not a human" does."""
    assert asks(text)
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "I'm a customer, can somebody look at my account",
        "I'm a premium member, someone needs to fix this",
        "i am a business customer; get me an account manager",
        "I'm a frustrated customer, is there nobody I can talk to?",
    ],
)
def test_a_request_after_saying_what_the_customer_is_reaches_the_model(text: str) -> None:
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        # Someone at the office today or on the phone is someone now, not a visit to plan.
        "I need to speak to an agent at your office today",
        "can I talk to someone at the branch today, it's urgent",
        "I want to speak with a person at the store today please",
        "speak to someone at your office on the phone",
        # Available now, in words that name the present.
        "is a human available at this time?",
        "is an agent available at the moment?",
        "is someone available at this hour?",
        "is anyone available at the minute",
        # A negation that asks: why not, could you not, don't you have.
        "why don't you let me talk to a human",
        "why don't you just let me talk to someone",
        "why do you not let me talk to a human",
        "how come you don't let me speak to an agent",
        "could you not put me through to someone",
        "can you not just transfer me to a human?",
        "would you not connect me with a person?",
        "could you not just get me an agent",
        "don't you have a real person I can talk to?",
        "don't you have an actual human I could speak with",
        "this is useless, don't you have someone I can talk to?",
        "do you not have a human I can speak to?",
        "don't you have any agents?",
        "don't you have someone who can help me?",
    ],
)
def test_a_person_today_now_or_asked_for_with_a_negation_is_heard_by_the_rules(
    text: str,
) -> None:
    """The rules alone decide at the edge, so they must hear these, not only the model."""
    assert asks(text)
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        # When the staff work: an hour, a day or a season anywhere after "available".
        "Are agents available to talk about billing on weekends?",
        "is an agent available to help with returns on sundays?",
        "are your representatives available to chat at weekends?",
        "is anyone available to talk about mortgages in the evenings?",
        "are agents available to speak after 6pm?",
        "is someone available to help on bank holidays?",
        "is an agent available at weekends",
        "do you have people working at weekends?",
        "are there agents working after 6pm?",
        "is there anyone on duty at night?",
        # Where they work.
        "where are your agents? in India?",
        "where are your agents, in the philippines?",
        "where are your representatives? are they in the US?",
        "where are the operators? abroad?",
        # A callback another asked for, or one promised, retold.
        "she requested a callback",
        "my son requested a call back from your team",
        "they booked a callback for my mother",
        "my wife was promised a callback",
        "I was promised a call back on friday and nobody called",
        # A device or a bot before "please" or "now" is no person.
        "I want the AI assistant please",
        "switch on the smart assistant now",
    ],
)
def test_when_or_where_staff_work_and_a_callback_retold_hand_no_one_over(text: str) -> None:
    """ "Are agents available to talk about billing?" asks for one (see the next test);
    an hour or a day after it asks when they work, which the bot answers."""
    assert not asks(text)
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "are agents available to talk about billing?",
        "is an agent available to help me with a refund?",
        "where are your agents? I've been waiting an hour",
        "I requested a callback",
        "my husband requested a callback, can you call me back",
    ],
)
def test_availability_without_a_time_and_ones_own_callback_still_ask(text: str) -> None:
    """The other side of the lines drawn above."""
    assert asks(text)
    assert asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "don't you have staff working on sundays?",
        "don't you have agents in the UK?",
        "don't you have someone who can tell me the price",
        "could you not transfer me to an agent every time I say help",
        "would you not put me through to an agent again please",
    ],
)
def test_a_negation_before_when_where_or_a_question_to_anyone_still_negates(text: str) -> None:
    """The other side of the negations that ask: the hours, the place, a question anyone
    could answer, a refusal that goes on."""
    assert not asks(text)
    assert not asks(text, with_vector=True)


@pytest.mark.parametrize(
    "text",
    [
        "I'm a customer, can somebody look at my account",
        "I'm a premium member, someone needs to fix this",
        "I'm a new user, how do I change my password",
        "I'm a nurse, I work nights",
        "you're a bot, I want a person",
        "are you a bot?",
        "I don't need an agent",
        "can somebody look at my account",
        "where are your agents? in India?",
    ],
)
def test_the_trainer_reads_the_model_where_the_product_does(text: str) -> None:
    """`model_may_read` sets the model's threshold in the trainer: the product's verdict
    must be the rules', or the model's where `model_may_read` lets it read, so the
    trainer's false-positive rate is the product's."""
    folded = fold(text)
    vector = Embedder().embed_query(text)
    expected = detect_human_request(folded).fired() or (
        model_may_read(folded) and request_probability(folded, vector) >= request_threshold()
    )
    assert detect_human_request(folded, vector).fired() == expected


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        # STC-3's service accounts: the province, inside a run of capitalised words.
        ("@China Unicom Hunan Customer Service", "@China Unicom Hunan Customer Service"),
        ("Hunan Mobile cut my line", "Hunan Mobile cut my line"),
        ("I live in Hunan.", "I live in Hunan."),
        ("@Hunan Telecom", "@Hunan Telecom"),
        ("ask Mr Peron at the branch", "ask Mr Peron at the branch"),
        # In lower case, or a sentence's first word alone or before "please", the typo.
        ("talk to a hunan", "talk to a human"),
        ("hunan please", "human please"),
        ("Hunan please", "human please"),
        ("ok. Hunan!", "ok. human!"),
        ("can I speak to a peron", "can I speak to a person"),
        # A typo that is no name folds wherever it stands.
        (
            "Can I talk to General Manger ZHAO directly?",
            "Can I talk to General manager ZHAO directly?",
        ),
    ],
)
def test_a_name_a_letter_from_a_keyword_is_the_name_not_the_keyword(text: str, folded: str) -> None:
    """ "@China Unicom Hunan Customer Service" read "human Customer Service", a request
    for a person, in four STC-3 development dialogues."""
    assert fold(text) == folded


@pytest.mark.parametrize(
    "text",
    [
        # Whom the message is to: an @-mention or "Dear" naming an account.
        "@China Unicom Liaoning Customer Service Please answer in public on the microblog.",
        "@China Telecom Zhejiang Customer Service Please answer me. It has been a long time!",
        "@China Unicom Hunan Customer Service why can't I use 4G?",
        "@Acme Bank Customer Service Please explain this charge",
        "Dear Customer Service Please tell me when my order ships",
        "@Lumen Support Agent Please check my bill",
        "Dear Support Team Please reply",
        # The customer's own contact, retold: made, failed, hard, or on another's word.
        "I called the customer service for human service but what I heard was all robot speaking",
        "I called the human service but all I heard was robot speaking.",
        "I phoned your helpline for human support but nobody picked up",
        "we rang the hotline for live support and waited an hour",
        "I've sent a private message to China Telecom Shaanxi Customer Service. Why ignore me?",
        "I've sent a direct message to your support team twice",
        "After contacting the customer service staff, I followed the method they provided",
        "after speaking to an agent I tried the steps again",
        "I couldn't get in touch with people who would meet me at the station.",
        "we couldn't get hold of a person all weekend",
        "I was unable to reach a human on the phone last night",
        "It's difficult to reach your customer service than touching the sky.",
        "it's impossible to get hold of your customer service",
        "it is so hard to reach a human at your company",
        "I contact the Tencent WeChat customer service according to what you tell me, no reply.",
        "I contact your support team as you said, and nothing",
        "You can dial 10010 for the manual service and ask them to replace it.",
        "you can call 0800 for human support, the leaflet says",
        "they could ring the number for personal assistance",
        # The person as who did something, or as a line's name.
        "I made phone calls ten times till the manual service answered my phone. Problem solved.",
        "I waited an hour till the human support answered",
        "It will be a miracle for you to put through the customer service hotline.",
        "it's impossible to get through to the customer service hotline",
        # A promise retold, and others calling the customer.
        "Your customer service have promised to call me back for at least 5 times.",
        "your agents have promised to call me back three times",
        "the manager promised to call me back today",
        "My telephone number is unavailable or out of reach when other people call me.",
        "my phone rings out when other people call me",
    ],
)
def test_an_addressee_or_a_contact_retold_is_no_request(text: str) -> None:
    """Misreadings of STC-3 development dialogues' customer turns (the first of each kind),
    and wordings of the same kinds written here; the rules decide alone in the replay."""
    assert not asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "can I talk to a hunan",
        "Hunan please",
        "@Acme Support please transfer me to a human",
        "Dear Customer Service, can I speak to a person?",
        "Can I talk to General Manger ZHAO Yujun directly?",
        "I called twice and I want to speak to a human now",
        "I called twice, please put me through to a human",
        "I've called three times, I need to speak to a manager",
        "I emailed you yesterday, can I talk to a person now?",
        "I couldn't find the button, can I talk to a person?",
        "At least you can ask one of your maintenance staff to call me, okay?",
        "I demand partial refund. Call back.",
        "why is it so hard to talk to a human",
        "can I speak to you or a human",
        "I want to speak to you and then a human",
        "I want to talk to a human as you are useless",
    ],
)
def test_requests_beside_an_addressee_or_a_contact_retold_are_heard(text: str) -> None:
    """The other side: a request after a contact retold, a complaint asked as a question, a
    person after "or" or "as", and "@… please" in lower case or before a request."""
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        # A contact retold with no stop, then a request in a clause of its own.
        "i called yesterday need a human",
        "I called yesterday human please",
        "I called yesterday talk to a person",
        "i emailed yesterday I want a human",
        "i called 5 times get me a supervisor",
        "I called you three times speak to a manager now",
        "I called for an hour human please",
        "i called twice could a human help me",
        "i messaged yesterday will a human call me",
        "I sent a message earlier transfer me to an agent",
        "i wrote to support yesterday can a person look at it",
        "i sent the documents can an agent check them",
        # A capitalised request after an addressee or a salutation.
        "@Support Connect me to an agent",
        "@Support Get me a human",
        "@Support Transfer me to someone",
        "@Support Is anyone available?",
        "@Support Someone call me please",
        "Dear Support Connect me to an agent",
        "Dear Sir I Want To Speak To A Manager",
        "Dear Support Team Can I Talk To A Human",
        "Dear Sir Human Please",
        # A request, then a line, a number or the customer's own "said" or "told".
        "connect me to customer service line",
        "transfer me to the support line",
        "talk to a manager hotline is useless",
        "let me talk to a human line is busy",
        "get me an agent number one priority",
        "I want to speak to a human told you already",
        "talk to a person said it twice",
        "I need a real person answered nothing",
        "connect me to an agent as you said",
        "transfer me to an agent as you told me",
        # A way to reach a person, as "give me the phone number of a real person".
        "give me the customer service number",
        # Where the humans are, asked for, not where they work.
        "where is a human? from billing please",
        "where are the humans? in hiding?",
    ],
)
def test_a_request_opening_its_own_clause_after_a_contact_or_an_addressee_is_heard(
    text: str,
) -> None:
    """Lost when a contact retold, an addressee or a person's deed silenced the request
    itself: the verb, modal or "please" that opens it starts a clause of its own."""
    assert asks(text)


@pytest.mark.parametrize(
    "text",
    [
        "I called the customer service for human service but nobody answered",
        "I called to speak to a manager but nobody answered",
        "we emailed to get a human and heard nothing",
        "the manual service answered my phone",
        "you can dial 10010 for the manual service",
        "it's hard to talk to a human here",
        "I wrote to the manager please respond",
        "I emailed your support team please check",
        "where are your agents? from India?",
    ],
)
def test_a_contact_retold_for_a_purpose_or_a_persons_deed_stays_silent(text: str) -> None:
    """The other side: a person named as the purpose of a contact retold, as a difficulty,
    as who did something, or where the staff are from, asks for no one."""
    assert not asks(text)


def frustrated(text: str, earlier: list[str] | None = None) -> bool:
    return compute_signals(text, earlier or []).frustration.fired()


def test_useless_judges_us_not_the_customers_own_step() -> None:
    assert not frustrated("I tried restarting it but that was useless")
    assert not frustrated("It's useless too after I turned the router off and on.")
    assert not frustrated("we already reset the hub, useless", ["my hub is offline"])
    assert frustrated("I tried what you said, useless")
    assert frustrated("this bot is useless")
    assert frustrated("I restarted it. Your answers are useless")


def test_cheated_is_said_of_us_not_heard_of_another_shop() -> None:
    assert not frustrated("my friend said he got cheated by another shop")
    assert not frustrated("I was cheated by another seller before, so I'm careful")
    assert not frustrated("is it cheating to use two discount codes?")
    for text in [
        "I feel cheated",
        "you cheated me",
        "I'm so cheated by you",
        "your fees are cheating",
        "that's absolutely cheating",
        "Cheating!",
        "what a mess. Cheating money, ignoring complaints",
    ]:
        assert frustrated(text), text


def test_what_we_said_judged_of_no_use_is_a_complaint_about_the_answer() -> None:
    assert frustrated("your suggestions are of no use")
    assert not frustrated("the old charger is of no use to me, can I recycle it?")


def test_poor_service_and_rude_staff_of_ours_are_complaints() -> None:
    assert frustrated("this is poor service")
    assert frustrated("what bad support!")
    assert frustrated("your staff were so rude")
    assert frustrated("your delivery team was very rude")
    assert not frustrated("it's poor service in the basement, can I get a booster?")
    assert not frustrated("the staff at the shop were so rude, so I ordered from you")
    assert not frustrated("what poor service means on the signal icon?")


@pytest.mark.parametrize(
    "text",
    [
        "It's bad support for older iPhones that worries me, is iOS 14 supported?",
        "That's bad support for Zigbee in the spec sheet, or am I reading it wrong?",
        "It was poor service from the courier, not you, but the box is damaged",
        "I bought it at Currys and the Currys staff were rude, so I'm asking you directly",
        "The hotel staff were so rude when the cam was installed there",
        "The team was so rude to each other on that reality show lol",
        "The steps are no use to me because I don't have the app, can you send a PDF?",
        "the answers are no use without the serial, which I'll send now",
        "it's no use trying to restart it, can I get a replacement?",
        "the manual is no use since I don't have the app, is there a PDF?",
        "I was cheated by the hotel prices on my trip, can the cam record the room?",
        "I feel cheated by the plan my bank sold me, can I pay you by card instead?",
        "It was poor service by the hotel, so I set up the cam myself",
        "That's poor service from my previous provider, which is why I'm switching to you",
        "It was bad service from the manufacturer, so I bought from you instead",
        "that was poor service by the delivery company, not you",
        "It was poor service from the post office",
        "it's poor service with my old router, the signal drops",
        "it is bad support for older models, is that right?",
    ],
)
def test_poor_support_rude_staff_and_no_use_said_of_others_or_with_a_reason_are_none(
    text: str,
) -> None:
    assert not frustrated(text)


@pytest.mark.parametrize(
    "text",
    [
        "I feel cheated by the hidden fees",
        "I feel cheated by these charges",
        "I feel cheated by these charges on my bill",
        "I feel cheated by the fees you charged",
        "I feel cheated by your fees",
        "this is poor service for loyal customers",
        "this is poor service for someone who pays 50 a month",
        "this is poor service by any standard",
        "this is poor service for I have waited three weeks",
        "your answer is no use since it doesn't apply",
        "Honestly, what poor service from you today",
        "It's poor service for the price",
        "that answer is of no use to me",
        "This is no use at all",
        "Your courier was very rude",
        "the guy on your phone line was rude",
        "the support staff were so rude",
    ],
)
def test_cheated_by_our_fees_poor_service_from_us_and_our_rude_staff_are_complaints(
    text: str,
) -> None:
    assert frustrated(text)


def test_a_feeling_told_of_a_thing_described_is_not_the_customers() -> None:
    assert not frustrated("my neighbour gave me an angry look when the alarm went off")
    assert not frustrated("the frustrated sigh of my kids when the wifi drops, how do I fix it")
    assert frustrated("I'm an angry customer")
    assert frustrated("I am so angry")


@pytest.mark.parametrize(
    ("asked", "not_asked"),
    [
        # Whether anyone reads the chat, not who may read it.
        (
            "Is anybody actually reading these messages?",
            "is anyone reading my messages if I share my account?",
        ),
        ("does anyone even read these messages?", "does anyone read my chat history?"),
        ("is a human reading this?", "is anyone reading my messages if I delete them?"),
        # Whom to talk to, and the same question beside another way to get in touch.
        (
            "who can I talk to about my bill?",
            "who can I talk to about my neighbour's dog, or is there a form?",
        ),
        # A contact asked of us needs a person: a venue, a seller or the gym is the
        # customer's own errand.
        ("put me in touch with your billing department", "put me in touch with the venue"),
        ("could I have a word with the manager", "can I have a word with the chef"),
        # A call asked for, not one expected when something happens.
        (
            "please have someone call me when you can",
            "Will someone contact me when my order ships?",
        ),
        ("will someone call me?", "Will an agent call me when my refund is processed?"),
        # A judgement of staff, alone or before a request.
        ("your agent was rude, I want a manager", "How rubbish the operator is!"),
        ("is your agent available?", "your agent was rude"),
    ],
)
def test_review_requests_are_heard_and_their_near_misses_are_not(
    asked: str, not_asked: str
) -> None:
    """Requests the last review found lost, and wordings it found heard as requests, each
    beside the other side of its line."""
    assert heard_beside(asked, not_asked)


@pytest.mark.parametrize(
    ("asked", "not_asked"),
    [
        ("Déjame hablar con tu jefe", "tengo que hablar con mi jefe primero"),
        ("quiero hablar con su superior", "mi jefe quiere hablar con ustedes"),
        ("Lass mich mit deinem Chef sprechen", "Ich muss erst mit meinem Chef sprechen"),
        ("Kann ich mit deinem Vorgesetzten sprechen?", "ich habe mit deinem Chef gesprochen"),
    ],
)
def test_the_boss_asked_for_in_spanish_and_german_is_heard_by_the_rules(
    asked: str, not_asked: str
) -> None:
    """The model reads English only (agent/nodes.py), so in these languages the rules
    decide: the bot's boss ("tu jefe", "deinem Chef") is asked for, the customer's own or
    one already spoken to is not."""
    assert asks(asked)
    assert not asks(not_asked)


@pytest.mark.parametrize(
    ("asked", "not_asked"),
    [
        # Escalation wanted or asked of us, not retold or refused.
        ("I want this escalated", "my complaint was escalated last week"),
        ("I need my complaint escalated", "I don't want this escalated"),
        ("can this be escalated?", "they said it will be escalated to a specialist"),
        ("could you escalate?", "I don't want this escalated, just fix it"),
        ("I'd like to escalate", "I don't want to escalate, just fix it"),
        # Management spoken to, not a team that approved something.
        ("I want to speak to management", "our management team approved it"),
        # A person put on the line or the case, not on an account.
        ("put your supervisor on", "can I put someone on my account"),
        ("put the manager on the phone", "how do I put a person on my policy"),
        ("put a person on this please", "can I put someone on my account"),
    ],
)
def test_wordings_no_dev_row_has_are_heard_and_their_near_misses_are_not(
    asked: str, not_asked: str
) -> None:
    """Customers' wordings the development sets lack, each beside a near miss."""
    assert heard_beside(asked, not_asked)


@pytest.mark.parametrize(
    ("asked", "not_asked"),
    [
        ("quiero quejarme con el gerente", "mi jefe quiere quejarse"),
        ("quiero poner una queja con tu jefe", "voy a poner una queja con mi jefe"),
        ("ich will mich beim Chef beschweren", "mein Chef will sich beschweren"),
        ("ich möchte mich bei einem Vorgesetzten beschweren", "ich habe mich beim Chef beschwert"),
    ],
)
def test_a_complaint_taken_to_a_manager_in_spanish_and_german_is_heard_by_the_rules(
    asked: str, not_asked: str
) -> None:
    """As "I want to complain to a manager": the customer's own complaint, to the bot's
    side's person, in the rules (the model reads English only)."""
    assert asks(asked)
    assert not asks(not_asked)


@pytest.mark.parametrize(
    ("asked", "not_asked"),
    [
        (
            "I'm a loyal customer, can I talk to a real person?",
            "I'm a loyal customer, are you a real person?",
        ),
        (
            "I'm a long time customer, you're a bot, get me a human",
            "I'm a long time customer, is this a bot or a real person?",
        ),
        (
            "I'm a new customer, someone needs to fix this",
            "I'm a new customer, you sound like a real human",
        ),
    ],
)
def test_after_what_the_customer_is_a_question_about_the_bot_is_still_one(
    asked: str, not_asked: str
) -> None:
    """What follows "I'm a …," is read as a message of its own, for the rules and the
    model alike (`model_may_read`): a remark on the bot there asks what it is."""
    assert asks(asked, with_vector=True)
    assert not asks(not_asked)
    assert not asks(not_asked, with_vector=True)
    assert not model_may_read(fold(not_asked))


@pytest.mark.parametrize(
    ("asked", "not_asked"),
    [
        # A call asked for when it suits us or the customer, not one expected on an event.
        (
            "will someone call me as soon as possible?",
            "will someone call me if there is a problem with my order?",
        ),
        (
            "will someone call me when you get a chance?",
            "Will an agent call me once the refund is processed?",
        ),
        (
            "will someone call me if I leave my number here",
            "will a courier contact me before delivery?",
        ),
        (
            "will a manager call me when he is free? I really need to talk to him",
            "Will someone contact me when my order ships?",
        ),
        # This chat or the customer's messages read, not refunds got or parcels checked.
        ("is anyone actually reading my messages?", "is anyone actually getting refunds from you?"),
        ("is anyone even reading this?", "is anyone still reading the blog?"),
        ("does anyone ever read these messages?", "does somebody ever check the returns?"),
        (
            "is anybody really seeing this chat?",
            "is anybody really seeing the new prices in the app?",
        ),
        (
            "is anybody even getting my emails?",
            "is somebody still checking in after midnight at the hotel?",
        ),
        # The managers, not a feature named after what it manages.
        ("can I contact your management", "how do I set up email management in the app?"),
        ("I want to complain to management", "contact management is not syncing my phone numbers"),
        ("can I contact the management please", "how do I reach account management settings"),
        (
            "I want to speak to management",
            "how do I get in touch with time management tools in the app",
        ),
        # The customer's matter escalated, asked for; not a status, privileges or a fan.
        ("could you escalate this?", "why did my ticket get escalated?"),
        ("could you escalate?", "did you get it escalated?"),
        ("can my complaint be escalated?", "can my privileges be escalated to admin?"),
        ("I need my complaint escalated", "I want my membership escalated to gold"),
        ("please escalate my complaint", "would you escalate the fan speed on the thermostat"),
        ("I want this escalated", "will my ticket be escalated automatically?"),
        ("I'd like to escalate", "will my complaint be escalated if I call?"),
        ("can this be escalated?", "things always get escalated quickly here"),
        ("I need it escalated", "I need the privileges escalated on my admin account"),
        # Past what the customer is and a remark on the bot, whatever their length.
        (
            "I'm a loyal customer, you are a bot and I want a real person",
            "I'm a customer, are you a real person?",
        ),
        ("you are a bot and I want a real person", "you're a bot and I hate it"),
        # A person on the customer's matter, not on a plan or an account.
        ("put an agent on my ticket", "put someone on this plan"),
        ("can you put a person on this right away", "can I put someone on my account"),
    ],
)
def test_the_second_reviews_lost_and_false_requests(asked: str, not_asked: str) -> None:
    """Requests the review of the last round found lost by its rules, and wordings its
    rules heard, each beside the other side of its line."""
    assert heard_beside(asked, not_asked)


@pytest.mark.parametrize(
    ("asked", "not_asked"),
    [
        ("your agent was rude I demand his boss", "your agent was rude to me"),
        ("your agent was rude and I'd like someone more senior", "the rep was so helpful today"),
        ("the agent was rude and I want a different one", "your agent was rude on the phone"),
        ("your agent was rude so escalate it", "the staff were lovely as always"),
    ],
)
def test_a_request_after_a_judgement_of_staff_is_left_to_the_model(
    asked: str, not_asked: str
) -> None:
    """Only the judgement, to whom and when, silences the model: a request that follows it
    with no stop between is the model's to hear."""
    assert asks(asked, with_vector=True)
    assert not asks(not_asked, with_vector=True)


@pytest.mark.parametrize(
    ("asked", "not_asked"),
    [
        (
            "ich möchte mich beim Chef über den Service beschweren",
            "ich möchte mich nicht beim Chef beschweren, nur wissen wo mein Paket ist",
        ),
        ("ich will mich beim Chef beschweren", "soll ich mich beim Kundenservice beschweren?"),
        (
            "ich möchte mich bei einem Vorgesetzten beschweren",
            "ich möchte mich beim Chef nicht beschweren",
        ),
    ],
)
def test_a_german_complaint_refused_or_asked_about_is_no_request(
    asked: str, not_asked: str
) -> None:
    """The rules decide in German (the model reads English only): a complaint the customer
    wants to take to a manager, not one refused or asked about."""
    assert asks(asked)
    assert not asks(not_asked)
