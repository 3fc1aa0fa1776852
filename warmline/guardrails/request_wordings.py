"""How customers ask for a person in the widget's other languages, Spanish and German.

The request model reads an English embedding, so in these languages the rules carry
the verdict. Each list names who is asked for, the verbs that ask, and the
short forms ("agente por favor", "Mitarbeiter bitte"); negations ("no quiero",
"nicht", "kein") are handled by the caller as for English. Text arrives
spelling-folded, which leaves accented and Spanish words as typed.
"""

# Who a Spanish-speaking customer asks for.
_ES_PERSON = (
    r"(?:agentes?|personas?(?: real(?:es)?| de verdad)?|human[oa]s?(?: real)?|ser humano|"
    r"asesor(?:a|es)?|operador(?:a|es)?|representantes?|alguien(?: real)?|emplead[oa]s?|"
    r"ejecutiv[oa]s?|encargad[oa]|supervisor(?:a)?|gerente|responsable|especialista|"
    r"t[eé]cnic[oa]|servicio al cliente|atenci[oó]n al cliente|jef[ea]s?|superior(?:es)?)"
)
_ES_DET = r"(?:(?:un|una|a un|a una|el|la|al|alg[uú]n|alguna|su|tu|otro|otra|con) ){0,2}"
SPANISH = [
    rf"\b(?:hablar|habla|hable|charlar|conversar|platicar|chatear|comunicarme|comunicarte|"
    rf"contactar(?:me)?|contacto|contacta|contacte|ponerme en contacto) (?:con )?{_ES_DET}"
    rf"{_ES_PERSON}\b",
    rf"\b(?:p[aá]same|p[aá]seme|comun[ií]came|comun[ií]queme|con[eé]ctame|con[eé]cteme|"
    rf"transfi[eé]reme|transfi[eé]rame|der[ií]vame|ponme|p[oó]ngame|quiero|necesito|prefiero|"
    rf"dame|deme|busco) {_ES_DET}{_ES_PERSON}\b",
    rf"\b(?:atender|atienda|atiende|atiendan)(?:me)? {_ES_DET}{_ES_PERSON}\b",
    # The chat passed "con" someone (never "a": "transferir a una persona" moves money).
    rf"\b(?:pasar|conectar|comunicar|transferir|derivar|poner)(?:me|nos)? con {_ES_DET}"
    rf"{_ES_PERSON}\b",
    r"\b(?:alg[uú]n|un|una) (?:agente|asesora?|humano|persona|operador(?:a)?|representante) "
    r"(?:real )?disponible\b",
    rf"\b(?:hay|existe|est[aá]) {_ES_DET}(?:persona|humano|agente|asesora?|alguien)\b",
    r"\bhay alguien(?: ah[ií]| all[ií]| real| que)?\b",
    r"\b(?:ll[aá]m(?:e|en|a)me|ll[aá]menme)\b|\bme (?:pueden|puede|podr[ií]an|podr[ií]a) llamar\b"
    r"|\bque me llame\b",
    # Alone, "please" after or before: "un agente, por favor", "por favor, un agente".
    rf"^\W*(?:por favor\W+)?{_ES_DET}{_ES_PERSON}\W*(?:por favor)?\W*$",
    rf"\b{_ES_PERSON} por favor\b",
    r"\b(?:no quiero|no me sirve) (?:hablar con |chatear con )?(?:un |una |el |la |este |esta )?"
    r"(?:bot|chatbot|m[aá]quina|robot|contestador)\b",
    r"\b(?:ayuda|atenci[oó]n|servicio|soporte|asistencia) (?:human[oa]|personal|"
    r"personalizada)\b",
    r"\b(?:contactar|contacte|contacta|comunicarme|hablar) (?:con )?(?:el |la )?(?:soporte|"
    r"servicio (?:al|de atenci[oó]n al) cliente|atenci[oó]n al cliente)\b",
    r"^\W*(?:el )?(?:servicio|atenci[oó]n) al cliente\W*(?:por favor)?\W*$",
    # "¿me pasas con un asesor?", "me comunica con alguien": the verb after its pronoun.
    # And in the subjunctive after "quiero que": "quiero que me pases con un agente".
    rf"\bme (?:pas[ae]s?n?|pon(?:e|es|en|ga|gas|gan)|comunic(?:a|as|an)|comuniqu(?:e|es|en)|"
    rf"transfier(?:e|es|en|a|as|an)|conect(?:a|as|an|e|es|en)|deriv(?:a|as|an|e|es|en)) con "
    rf"{_ES_DET}{_ES_PERSON}\b",
    r"\bservicio (?:al cliente |de atenci[oó]n al cliente )?(?:manual|humano|personal)\b",
    r"^\W*(?:necesito|quiero) (?:un poco de |algo de )?(?:soporte|apoyo|asistencia)"
    r"(?: t[eé]cnic[oa])?\W*(?:por favor)?\W*$",
    rf"\b(?:ayuda|asistencia|atenci[oó]n) de {_ES_DET}{_ES_PERSON}\b",
    # Asking how: "¿Cómo hablo con una persona?" (not "hablo con una persona cada semana").
    rf"\bc[oó]mo (?:hablo|contacto|me comunico|me pongo en contacto) con {_ES_DET}{_ES_PERSON}\b",
    # A complaint taken to one: "quiero quejarme con el gerente", "poner una queja ante tu
    # jefe".
    rf"\b(?:quejarme|reclamar|(?:poner|presentar|hacer) (?:una queja|un reclamo)) (?:con|ante) "
    rf"{_ES_DET}{_ES_PERSON}\b",
    # Asking whom to turn to: "¿Con quién puedo hablar?".
    r"\bcon qui[eé]n (?:puedo|podr[ií]a|debo|tengo que) (?:hablar|comunicarme|contactar)\b",
    r"\balguien (?:que )?me (?:llame|contacte|atienda)\b",
    rf"\b(?:llamar|llamo|escribir|escribo) (?:a|con) {_ES_DET}(?:soporte|servicio al cliente|"
    r"atenci[oó]n al cliente|un agente|una persona|un asesor)\b",
]

# Who a German-speaking customer asks for.
_DE_PERSON = (
    r"(?:mensch(?:en)?|mitarbeiter(?:in|innen|n)?|berater(?:in)?|kundenberater(?:in)?|"
    r"servicemitarbeiter(?:in)?|sachbearbeiter(?:in)?|ansprechpartner(?:in)?|person|manager(?:in)?|"
    r"jemand(?:em|en)?|vorgesetzten?|chef(?:in)?|agenten?|kolleg(?:en|in)|techniker(?:in)?|"
    r"kundendienst|kundenservice|support|verantwortlichen|vertreter(?:in)?|"
    r"kundenbetreuer(?:in)?|betreuer(?:in)?|servicekraft|repr[aä]sentant(?:en|in)?|"
    r"live-agent(?:en)?)"
)
# The verbs that hand a chat on, umlauts typed or spelled out ("übergeben", "uebergeben");
# spelling folding reads "chatten" as the English "chatting".
_DE_HAND_ON = (
    r"(?:sprechen|reden|chatt(?:en|ing)|verbinden|weiterleiten|verbunden|durchstellen|"
    r"telefonieren|(?:[uü]|ue)bergeben|weitergeben|vermitteln|(?:[uü]|ue)bertragen|transferieren|"
    r"unterhalten)"
)
_DE_DET = (
    # The bot's own ("mit deinem Chef"), not the customer's ("mit meinem Chef").
    r"(?:(?:einem|einer|einen|eine|ein|dem|der|den|ihrem|ihrer|ihren|eurem|eurer|euren|deinem|"
    r"deiner|deinen|echten|"
    r"richtigen|realen|lebenden|anderen|zust[aä]ndigen) ){0,3}"
)
GERMAN = [
    rf"\b(?:mit|zu|an) (?:{_DE_DET}{_DE_PERSON}|(?:einem|einer|dem|der|ihrem|ihrer)(?: \w+)?)\b"
    rf"(?=[^.!?]{{0,40}}\b{_DE_HAND_ON}\b)",
    rf"\b{_DE_HAND_ON}\b[^.!?]{{0,20}}\b(?:mit|zu|an) {_DE_DET}{_DE_PERSON}\b",
    r"\b(?:einen|eine) (?:echten |richtigen |realen |lebenden )?(?:menschen|mitarbeiter(?:in)?|"
    r"berater(?:in)?|ansprechpartner(?:in)?|sachbearbeiter(?:in)?|vorgesetzten|agenten|"
    r"vertreter(?:in)?|kundenbetreuer(?:in)?|live-agenten)\b",
    # The noun of handing on: "Weiterleitung an einen Mitarbeiter", "Übergabe an einen Menschen".
    rf"\b(?:weiterleitung|(?:[uü]|ue)bergabe|durchstellung|vermittlung) (?:an|zu|mit) {_DE_DET}"
    rf"{_DE_PERSON}\b",
    # Wanting to go to one, the verb left out: "ich will zu einem Menschen"; or wished for:
    # "ich hätte gern mit einem Mitarbeiter gesprochen", but not wished in vain ("..., aber
    # der Bot hat mir schon geholfen", "..., wenn die Hotline offen gewesen wäre").
    # ("hatte", no umlaut, is the past: "ich hatte mit einem Mitarbeiter gesprochen").
    r"\b(?:will|m[oö]chte|moechte|muss|(?:hätte|haette)(?![^.!?]{0,80}\b(?:aber\b[^.!?]{0,40}"
    r"\b(?:schon|bereits)|w[aä]re|gewesen)\b)) (?:bitte |jetzt |gerne? |lieber |doch )?"
    rf"(?:zu|mit) {_DE_DET}{_DE_PERSON}\b(?![^.!?]{{0,30}}\b(?:besprechen|kl[aä]ren|zufrieden)\b)",
    # "Kann mir ein Mensch helfen?": a person named, not "kann mir jemand sagen".
    r"\b(?:kann|k[oö]nnte|koennte) (?:mir )?(?:bitte )?(?:ein|eine) (?:echter |echte |richtiger "
    r")?(?:mensch|mitarbeiter(?:in)?|berater(?:in)?|person) (?:mir )?(?:bitte )?"
    r"(?:helfen|weiterhelfen)\b",
    r"\beine (?:echte|richtige|reale|lebende) person\b|\bdurchstellen\b",
    r"\b(?:verbinden|stellen|leiten) sie mich\b|\b(?:verbinde|verbindet) mich\b|"
    r"\becht(?:e|er|en) (?:mensch|mitarbeiter|berater|ansprechpartner)|"
    r"\b(?:verbinde|stell|leite) mich\b[^.!?]{0,30}\b(?:durch|weiter)\b",
    r"\b(?:rufen sie|ruf|ruft) mich\b[^.!?]{0,15}\b(?:zur[uü]ck|an)\b|\br[uü]ckruf\b",
    rf"^\W*{_DE_DET}{_DE_PERSON}\W*(?:bitte)?\W*$",
    rf"\b{_DE_PERSON} bitte\b",
    r"\b(?:nicht|keine?n?) (?:mit )?(?:einem |einer |dem |der )?(?:bot|chatbot|roboter|maschine|"
    r"computer)\b",
    r"\b(?:menschlichen?|menschliche[rs]?|pers[oö]nliche[nrs]?|echte[nrs]?|manuelle[nrs]?) "
    r"(?:menschliche )?(?:hilfe|dienste?|unterst[uü]tzung|beratung|ansprechpartner(?:in)?|menschen|"
    r"person|kundenservice|kundendienst|kontakt)\b",
    r"\b(?:gibt es|ist da|ist hier) (?:hier |da )?(?:auch )?(?:(?:irgend)?jemand(?:en)?|"
    r"(?:irgend)?einen? (?:(?:echte|reale|richtige|lebende)[nr]? )?(?:menschen|person|"
    r"mitarbeiter(?:in)?))\b",
    r"\b(?:kontakt|verbindung) (?:zum|zur|mit dem|mit einem|mit einer) (?:kundendienst|"
    r"kundenservice|support|mitarbeiter|menschen|berater)\b",
    r"\b(?:den |die |einen |eine |jemanden vom )?(?:kundendienst|kundenservice|support|hotline|"
    r"mitarbeiter(?:in)?|berater(?:in)?|ansprechpartner(?:in)?) (?:\w+ ){0,2}(?:kontaktieren|"
    r"erreichen|anrufen|sprechen)\b",
    r"\bwie erreiche ich (?:den|die|einen|eine|jemanden|ihren|ihre)\b",
    # The verb first: "Kontaktieren Sie den Support", "ich möchte sprechen mit ...".
    rf"\b(?:kontaktieren|erreichen|anrufen|kontaktiere|erreiche)(?: sie| ich)? {_DE_DET}"
    r"(?:kundendienst|kundenservice|support|hotline|mitarbeiter(?:in)?|berater(?:in)?|"
    r"ansprechpartner(?:in)?|menschen|jemanden)\b",
    r"^\W*ich (?:brauche|ben[oö]tige|m[oö]chte|will) (?:etwas |bitte )?(?:menschliche |"
    r"pers[oö]nliche |echte )?(?:unterst[uü]tzung|support|betreuung)\W*(?:bitte)?\W*$",
    rf"\b(?:hilfe|unterst[uü]tzung|beratung) (?:von|durch) {_DE_DET}(?:{_DE_PERSON}|"
    r"(?:einem|einer) (?:echten |richtigen )?(?:menschen|mitarbeiter(?:in)?))\b",
    r"\b(?:menschliche[rns]?|pers[oö]nliche[rns]?) (?:service|betreuung|kundenbetreuung)\b",
    r"\bjemand(?:en)?,? (?:mit dem|mit der|der|die) (?:ich )?(?:sprechen|reden|chatt(?:en|ing)|"
    r"helfen)\b",
    # Whether one is there: "Ist ein Mitarbeiter verfügbar?", "Ist jemand da?"; not whether
    # a thing is ("Ist die Größe M verfügbar?").
    r"\b(?:ist|sind) (?:gerade |jetzt |noch |heute )?(?:ein |eine |einer |irgendein |irgendeine )?"
    r"(?:echte[rn]? )?(?:mitarbeiter(?:in|innen)?|berater(?:in)?|mensch(?:en)?|person|"
    r"ansprechpartner(?:in)?|agent(?:en)?|(?:irgend)?jemand) (?:gerade |jetzt |noch |heute )?"
    r"(?:verf[uü]gbar|erreichbar|online|frei|da)\b",
    # Someone to speak to or to call back: "Ich möchte jemanden sprechen", "Kann mich
    # jemand anrufen?".
    r"\bjemanden (?:\w+ ){0,2}?(?:sprechen|erreichen)\b",
    # Whom, named after a wish ("Ich möchte den Manager sprechen"; not "die Mitarbeiter
    # sprechen kein Englisch") or asked ("Mit wem kann ich sprechen?").
    r"\b(?:will|m[oö]chte|moechte|hätte|haette|kann|k[oö]nnte|koennte|darf)(?: ich| wir)?"
    r"(?: bitte| gerne?| jetzt| sofort)? (?:den|die|einen|eine|ihren|ihre) (?:zust[aä]ndigen |"
    rf"echten )?{_DE_PERSON} (?:bitte )?sprechen\b",
    r"\bmit wem (?:kann|k[oö]nnte|koennte|darf) ich (?:\w+ )?(?:sprechen|reden|chatten)\b",
    # A complaint the customer wants to take to one: "ich will mich beim Chef beschweren",
    # "ich möchte mich bei einem Vorgesetzten beschweren"; not another's ("mein Chef will sich
    # beschweren"), refused ("ich möchte mich nicht beim Chef beschweren") or asked about
    # ("soll ich mich beim Kundenservice beschweren?"); what about may come between ("...
    # beim Chef über den Service beschweren").
    r"\b(?:will|m[oö]chte|moechte|w[uü]rde|wuerde) (?:ich )?mich (?:(?!nicht\b)\w+ )?"
    rf"(?:beim |bei {_DE_DET}){_DE_PERSON}\b(?: (?!nicht\b)\w+){{0,4}}? beschweren\b",
    r"\b(?:kann|k[oö]nnte|koennte) mich (?:bitte )?(?:heute |jetzt )?(?:jemand|ein mitarbeiter|"
    r"eine mitarbeiterin|ein berater|eine beraterin|ein mensch) (?:bitte )?(?:zur[uü]ck)?"
    r"(?:rufen|anrufen)\b",
]

FRENCH = [r"\bparler (?:à|a) (?:un|une) (?:agent|conseiller|conseillère|humain|personne)\b"]
