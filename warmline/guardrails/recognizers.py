"""Recognizers added to Presidio's registry for what support chats contain.

Presidio's built-ins cover e-mail, cards (Luhn), IBAN (mod-97), SSN and IP
addresses. Support chats add: names introduced in lower case ("my name is ana
lopez"), dates that are birth dates (and only those), postal addresses in several
countries' formats, local phone formats, and the company's own identifiers
declared in configuration. Each is a small recognizer registered beside the
built-ins, as Presidio intends.
"""

import re

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, PhoneRecognizer

PHONE_REGIONS = (
    "US", "CA", "GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL", "ES", "PT", "IT", "PL", "SE",
    "NO", "DK", "FI", "IN", "BR", "MX", "AR", "AU", "NZ", "JP", "CN", "KR", "SG", "NG", "ZA",
    "KE", "AE", "SA", "TR", "IL", "VN", "PH", "ID",
)  # fmt: skip


class RegexGroupRecognizer(EntityRecognizer):
    """A recognizer whose patterns mark the entity with a named group `value`.

    Context ("born", "my name is") decides whether a span is PII, but the span to
    hide is only the value after it; a plain PatternRecognizer would hide both.
    """

    def __init__(self, entity: str, patterns: list[str], score: float, flags: int = 0) -> None:
        super().__init__(supported_entities=[entity], name=f"{entity.title()}ContextRecognizer")
        self.entity = entity
        self.score = score
        self.patterns = [re.compile(p, flags) for p in patterns]

    def load(self) -> None:
        """Nothing to load: the recognizer is compiled patterns."""

    def accept(self, value: str) -> bool:
        return bool(value.strip())

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for pattern in self.patterns:
            for match in pattern.finditer(text):
                value = match.group("value")
                if self.accept(value):
                    start, end = match.span("value")
                    results.append(RecognizerResult(self.entity, start, end, self.score))
        return results


_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]{2,}"
_NOT_A_NAME = {
    "a", "able", "about", "absolutely", "afraid", "again", "all", "also", "an", "and",
    "annoyed", "anyone", "asking", "at", "back", "been", "being", "bit", "broken", "calling",
    "cancelling", "charged", "confused", "customer", "dad", "das", "daughter", "der", "die",
    "done", "ein", "eine", "el", "everyone", "everything", "ex", "fine", "for", "from",
    "frustrated", "getting", "glad", "going", "guys", "happy", "having", "he", "here", "how",
    "husband", "in", "is", "it", "just", "la", "le", "little", "looking", "lot", "lumen", "me",
    "mom", "more", "most", "moving", "much", "mum", "muy", "my", "new", "no", "not", "nothing",
    "now", "ok", "okay", "on", "out", "partner", "pretty", "quite", "ready", "really",
    "regarding", "ridiculous", "sehr", "she", "so", "someone", "something", "son", "sorry",
    "still", "support", "sure", "team", "tehre", "that", "the", "there", "they", "this", "to",
    "too", "trop", "trying", "un", "una", "unable", "unacceptable", "urgent", "very", "waiting",
    "was", "we", "what", "who", "why", "wife", "wondering", "working", "worried", "writing",
    "yes", "you", "your",
}  # fmt: skip


class IntroducedNameRecognizer(RegexGroupRecognizer):
    def __init__(self) -> None:
        follower = rf"(?:\s+(?!and\b|from\b|with\b|here\b|and\b|my\b|i\b){_NAME_WORD}){{0,2}}"
        super().__init__(
            "PERSON",
            [
                r"(?i:\b(?:my name is|my name's|name is|name:?|naame|nmae|call me|i am called|"
                r"signed|je m'appelle|me llamo|mi nombre es|ich heiße|ich heisse|mein name ist|"
                r"customer name|account holder|cardholder|titular|titulaire|kontoinhaber(?:in)?:?|"
                r"i'm|i am|it'?s|its|c'est|soy|ich bin|thanks|thank you|gracias|merci|danke|"
                r"cheers|regards|my (?:husband|wife|dad|father|mum|mom|mother|son|daughter|"
                r"partner|ex|brother|sister|friend),?|gift from|someone else's name,?|"
                r"on behalf of(?: my \w+,)?|(?:mrs|mr|ms|miss|dr)\.?)\s+)"
                rf"(?P<value>{_NAME_WORD}{follower})",
                # "Elif here", "adaeze here": a name signing in at the start of a message.
                rf"^(?:hi,?\s+|hello,?\s+|hey,?\s+)?(?P<value>{_NAME_WORD}(?:\s+{_NAME_WORD})?)"
                r"(?=\s+here\b)",
                # "this is Ana Ruiz": a name only when capitalised, never "this is terrible".
                r"\b[Tt]his is\s+"
                r"(?P<value>[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+(?:\s+[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+){0,2})",
            ],
            score=0.9,
        )

    def accept(self, value: str) -> bool:
        return not any(ch.isdigit() for ch in value) and value.split()[0].lower() not in _NOT_A_NAME

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Trim a captured name at the first word that is not a name ("ana lopez and ...")."""
        trimmed = []
        for result in super().analyze(text, entities, nlp_artifacts):
            words = text[result.start : result.end].split()
            kept = [words[0]]
            for word in words[1:]:
                if word.lower().strip(",.") in _NOT_A_NAME:
                    break
                kept.append(word)
            value = " ".join(kept).rstrip(",.;:!?")
            trimmed.append(RecognizerResult("PERSON", result.start, result.start + len(value),
                                            result.score))  # fmt: skip
        return trimmed


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|januar|februar|märz|mai|"
    r"juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|"
    r"octobre|novembre|décembre)\.?"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:of\s+|de\s+)?{_MONTH}\s+(?:de\s+)?\d{{4}})"
)
_BIRTH_CONTEXT = (
    r"(?:born|birth ?date|date of birth|d\.?o\.?b\b|birthday|"
    r"nacid[oa](?: el)?|nací el|fecha de nacimiento|geboren(?: am)?|bin am|geburtsdatum|"
    r"né(?:e)? le|date de naissance)"
)


class DateOfBirthRecognizer(EntityRecognizer):
    """Dates that the text says are birth dates; order and delivery dates are not PII.

    Every date within a short window after a birth-date phrase counts ("my birth date
    should be 1992-06-25, not 07/16/1965" holds two).
    """

    WINDOW = 60

    def __init__(self) -> None:
        super().__init__(supported_entities=["DATE_OF_BIRTH"], name="DateOfBirthRecognizer")
        self.trigger = re.compile(rf"\b{_BIRTH_CONTEXT}", re.IGNORECASE)
        self.date = re.compile(_DATE, re.IGNORECASE)

    def load(self) -> None:
        """Nothing to load: the recognizer is compiled patterns."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for context in self.trigger.finditer(text):
            window = text[context.end() : context.end() + self.WINDOW]
            for date in self.date.finditer(window):
                start = context.end() + date.start()
                results.append(
                    RecognizerResult("DATE_OF_BIRTH", start, start + len(date.group(0)), 0.9)
                )
        return results


_STREET_SUFFIX = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"parkway|pkwy|terrace|circle|square|sq|close|crescent|grove|gardens|hill|row|walk|mews)"
)
_UNIT = r"(?:,?\s*(?:apt|apartment|unit|suite|ste|flat|#)\.?\s*\w{1,5})"
_US_TAIL = r"(?:,\s*[A-Za-z]+(?:\s[A-Za-z]+){0,2})?(?:,?\s*[A-Za-z]{2})?(?:\s+\d{5}(?:-\d{4})?)?"
_UK_POSTCODE = r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}"
_EU_TAIL = r",?\s*\d{5}\s+[A-Za-zÀ-ÿ-]+(?:\s[A-Za-zÀ-ÿ-]+)?"
ADDRESS_PATTERNS = [
    # Flat 7, 240 Station Close, Birmingham B13 9HD / 221B Baker Street, London NW1 6XE
    rf"(?:(?:flat|apt|appt|unit)\s*\w{{1,4}},\s*)?\d{{1,5}}[A-Za-z]?\s+(?:[A-Za-z][a-z'-]+\s+)"
    rf"{{1,4}}{_STREET_SUFFIX}\b\.?{_UNIT}?,\s*[A-Za-z]+(?:\s[A-Za-z]+)?\s+{_UK_POSTCODE}\b",
    # 1600 Amphitheatre Parkway, Mountain View, CA 94043 / 5355 Franklin Avenue, Apt 8B, Phoenix
    rf"\d{{1,6}}[A-Za-z]?\s+(?:[A-Za-z][a-z'-]+\s+){{1,4}}{_STREET_SUFFIX}\b\.?{_UNIT}?{_US_TAIL}",
    # Hauptstraße 5, 10115 Berlin / Friedrichstraße 15b, 70173 Stuttgart
    rf"[A-Za-zÄÖÜäöüß-]+(?:straße|strasse|weg|allee|platz|gasse|ring|damm|ufer|chaussee)"
    rf"\s+\d{{1,4}}[a-z]?{_EU_TAIL}",
    # Calle de Alcalá 42, 28014 Madrid / C/ del Doctor Fleming 15, 3º 2ª, 29015 Málaga
    rf"(?:calle|c/|avenida|avda\.?|plaza|pza\.?|paseo|camino|ronda|carrer|gran v[ií]a|"
    rf"v[ií]a)\s+(?:(?:de|del|la|las|los|el)\s+)*(?:[A-Za-zÀ-ÿ]+\s+){{0,3}}\d{{1,4}}"
    rf"(?:,\s*\d+º\s*[A-Za-z]?(?:\s*\d+ª)?)?{_EU_TAIL}",
    # Appt 14, 16 rue Saint-Honoré, 75002 Paris / 12 bis avenue des Ternes, 75017 Paris
    rf"(?:(?:appt|apt|bât\.?|bat\.?)\s*\w{{1,4}},\s*)?\d{{1,4}}(?:\s*(?:bis|ter))?,?\s+(?:rue|"
    rf"avenue|av\.|boulevard|bd|place|allée|allee|chemin|impasse|quai|cours)\s+(?:(?:de|du|des|la|le|"
    rf"l')\s*)*[A-Za-zÀ-ÿ'-]+(?:[\s-][A-Za-zÀ-ÿ'-]+){{0,3}}{_EU_TAIL}",
]


def card_recognizer() -> EntityRecognizer:
    """Any 13–19 digit number that passes Luhn, including ranges Presidio's patterns miss
    (Mastercard 2-series); not part of a longer digit run such as a tracking number."""
    return CreditCardRecognizer(
        patterns=[
            Pattern(
                name="any_luhn",
                regex=r"(?<![\d-])(?<!\d )(?:\d[ -]?){12,18}\d(?![ -]?\d)",
                score=0.6,
            )
        ],
        name="LuhnCardRecognizer",
    )


_PHONE_CONTEXT = (
    r"(?:phone|call|calling|ring|tel\.?|telephone|number|mobile|cell|whatsapp|sms|texts?|"
    r"reach me|contact me|número|numero|telefon|téléphone|handy|nummer|móvil)"
)
PHONE_PATTERNS = [
    # +52 1 55 8561 0785, +44 (0)20 7946 0958: a leading + and a country code is strong evidence.
    r"(?<![\w+])(?P<value>\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6})(?![\d-])",
    # Local numbers only near a word that says they are one.
    rf"(?i:\b{_PHONE_CONTEXT}\b)\D{{0,20}}?(?P<value>\(?\d[\d ().-]{{6,16}}\d)(?![\d-])",
]


_LOCAL_NUMBER = re.compile(r"\d{3}[-. ]\d{4}")
_SSN_CONTEXT = re.compile(r"\b(?:ssn|social security)\b", re.IGNORECASE)


class PhonePatternRecognizer(RegexGroupRecognizer):
    def __init__(self) -> None:
        super().__init__("PHONE_NUMBER", PHONE_PATTERNS, score=0.6)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Numbers introduced as an SSN are left to the SSN recognizer."""
        return [
            r
            for r in super().analyze(text, entities, nlp_artifacts)
            if not _SSN_CONTEXT.search(text[max(0, r.start - 24) : r.start])
        ]

    def accept(self, value: str) -> bool:
        """Seven digits is a local number ("phone 555-0142") only written as one, three digits
        then four; only the context pattern, which needs a word like "phone" or "call"
        before it, can match one that short, and "invoice 2024-0117" is not one."""
        digits = sum(ch.isdigit() for ch in value)
        if digits == 7:
            return bool(_LOCAL_NUMBER.fullmatch(value.strip()))
        return 8 <= digits <= 15


def company_recognizers(patterns: dict[str, str]) -> list[EntityRecognizer]:
    """One recognizer per company identifier declared in configuration (e.g. ACCOUNT_ID)."""
    return [
        PatternRecognizer(
            supported_entity=name,
            name=f"{name.title()}Recognizer",
            patterns=[Pattern(name=name.lower(), regex=rf"\b{regex}\b", score=0.95)],
        )
        for name, regex in patterns.items()
    ]


def extra_recognizers(company_patterns: dict[str, str]) -> list[EntityRecognizer]:
    address = PatternRecognizer(
        supported_entity="ADDRESS",
        name="PostalAddressRecognizer",
        patterns=[
            Pattern(name=f"address_{i}", regex=rf"(?i)\b{p}", score=0.85)
            for i, p in enumerate(ADDRESS_PATTERNS)
        ],
    )
    phone = PhoneRecognizer(supported_regions=PHONE_REGIONS, leniency=1)
    return [
        card_recognizer(),
        PhonePatternRecognizer(),
        IntroducedNameRecognizer(),
        DateOfBirthRecognizer(),
        address,
        phone,
        *company_recognizers(company_patterns),
    ]
