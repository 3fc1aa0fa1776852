"""`warmline analyze IN.jsonl [--out OUT.jsonl] [--kb]`: the product's judgement over a log.

Each input line is `{"id"?: str, "text": str, "history"?: [str, ...]}`, `history`
being the same customer's earlier messages in the conversation, oldest first. Each
message goes the way a live turn goes: the guard (hygiene and PII redaction), the
signal detectors on the redacted text, with `--kb` the knowledge-base search and its
answerable confidence, and the escalation policy. A line that cannot be read is
reported on stderr by its line number and skipped; the rest of the file still runs.
"""

import json
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ValidationError

from warmline.agent.decision import TurnFacts
from warmline.config import Settings
from warmline.guardrails.guard import Guard
from warmline.guardrails.limits import clean_text
from warmline.guardrails.redaction import PlaceholderBook, Redactor
from warmline.guardrails.signals import Signals, compute_signals, sentiment
from warmline.handoff.policy import EscalationPolicy
from warmline.retrieval.store import KnowledgeStore


class LogLine(BaseModel):
    id: str | None = None
    text: str
    history: list[str] = []


def _origins(original: str, cleaned: str) -> list[int]:
    """For each character of the guard's cleaned text, the index it came from in the
    original, in one pass: cleaning only drops characters (invisible ones, repeated
    spaces, the ends), turns controls into spaces and applies NFKC per character."""
    origins: list[int] = []
    i = 0
    for char in cleaned:
        while i < len(original) and not _produces(original[i], char):
            i += 1
        origins.append(min(i, len(original) - 1))
        if i < len(original) and _nfkc(original[i]).endswith(char):
            i += 1  # unless the character expanded into more that are still to come
    return origins


def _nfkc(char: str) -> str:
    return unicodedata.normalize("NFKC", char) if not "\ud800" <= char <= "\udfff" else "\ufffd"


def _produces(source: str, char: str) -> bool:
    if char == " " and (source.isspace() or unicodedata.category(source) == "Cc"):
        return True
    return char in _nfkc(source)


class Analyzer:
    """One message at a time, through the same guard, detectors and policy as a live turn."""

    def __init__(self, settings: Settings, redactor: Redactor, store: KnowledgeStore | None):
        self.settings = settings
        self.guard = Guard(redactor, settings.limits.max_message_chars)
        self.policy = EscalationPolicy(settings.policy)
        self.store = store

    def _redact(self, text: str, book: PlaceholderBook) -> tuple[str, list[dict[str, Any]]]:
        """The guard's verdict, as the server gets it, and the PII spans in `text`'s own
        offsets (found again on the cleaned text only when the guard found any)."""
        verdict = self.guard.inspect(text, book)
        if not verdict.accepted or verdict.redaction is None:
            raise ValueError(f"{verdict.code}: {verdict.message}")
        if not verdict.redaction.findings:
            return verdict.redaction.text, []
        cleaned = clean_text(text, self.guard.max_chars)
        origins = _origins(text, cleaned)
        pii = [
            {"start": origins[s.start], "end": origins[s.end - 1] + 1, "type": s.entity_type}
            for s in self.guard.redactor.detect(cleaned)
        ]
        return verdict.redaction.text, pii

    def analyze(self, line: LogLine) -> dict[str, Any]:
        book = PlaceholderBook()
        earlier = [self._redact(message, book)[0] for message in line.history]
        redacted, pii = self._redact(line.text, book)
        found: Signals = compute_signals(redacted, earlier)
        hits = []
        confidence: float | None = None
        strikes = 0
        if self.store is not None:
            retrieval = self.settings.retrieval
            hits = self.store.search(redacted, retrieval.top_k, retrieval.mode)
            confidence = retrieval.answerable.probability(redacted, hits)
            strikes = int(confidence < self.settings.policy.thresholds.low_confidence)
        decision = self.policy.assess(
            TurnFacts(
                signals=found,
                earlier_sentiments=[sentiment(message) for message in earlier],
                confidence=confidence,
                low_confidence_strikes=strikes,
                bot_turns=len(line.history) + 1,
            )
        )
        return {
            "id": line.id,
            "pii": pii,
            "redacted": redacted,
            "signals": signal_summary(found),
            "escalate": decision.escalate,
            "reasons": [reason.code for reason in decision.reasons],
            "search": [{"article_id": h.chunk.article_id, "score": h.score} for h in hits],
            "confidence": confidence,
        }


def signal_summary(found: Signals) -> dict[str, Any]:
    """Each signal's value, and the words behind every one that fired."""
    values: dict[str, Any] = {
        "human_request": found.human_request.fired(),
        "frustration": found.frustration.score,
        "sentiment": found.sentiment,
        "sensitive_topic": found.sensitive.topic,
        "cancellation": found.cancellation.fired(),
        "urgency": found.urgency.fired(),
        "repetition": found.repetition.score,
        "injection": found.injection.fired(),
    }
    values["evidence"] = {
        "human_request": found.human_request.evidence,
        "frustration": found.frustration.evidence,
        "sensitive_topic": found.sensitive.signal.evidence,
        "cancellation": found.cancellation.evidence,
        "urgency": found.urgency.evidence,
        "repetition": found.repetition.evidence,
        "injection": found.injection.evidence,
    }
    return values


def read_lines(source: TextIO, errors: TextIO) -> Iterator[tuple[int, LogLine]]:
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        try:
            yield number, LogLine.model_validate_json(raw)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "line"
            print(f"line {number}: skipped: {where}: {problem['msg']}", file=errors)


def run(analyzer: Analyzer, source: TextIO, out: TextIO, errors: TextIO) -> tuple[int, int]:
    """Analyse every readable line; returns (written, skipped)."""
    written = skipped = 0
    for number, line in read_lines(source, errors):
        try:
            result = analyzer.analyze(line)
        except ValueError as error:
            print(f"line {number}: skipped: {error}", file=errors)
            skipped += 1
            continue
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        written += 1
    return written, skipped


def main(settings: Settings, source: Path, out: Path | None, kb: bool) -> int:
    from warmline.server.runtime import load_secret, open_knowledge_store

    redactor = Redactor(
        settings.pii_entities,
        load_secret(settings),
        settings.pii_allow_patterns,
        settings.pii_company_patterns,
    )
    store = open_knowledge_store(settings) if kb else None
    try:
        with source.open(encoding="utf-8", errors="replace") as lines:
            target = out.open("w", encoding="utf-8") if out else sys.stdout
            try:
                written, _ = run(Analyzer(settings, redactor, store), lines, target, sys.stderr)
            finally:
                if out:
                    target.close()
    finally:
        if store is not None:
            store.close()
    print(f"{written} lines analysed", file=sys.stderr)
    return 0
