"""`warmline analyze IN.jsonl [--out OUT.jsonl] [--kb]`: the product's judgement over a log.

Each input line is `{"id"?: str, "text": str, "history"?: [str, ...]}`, `history`
being the same customer's earlier messages in the conversation, oldest first. Each
message goes the way a live turn goes: the guard (hygiene and PII redaction), the
signal detectors on the redacted text, with `--kb` the knowledge-base search and its
answerable confidence, and the escalation policy. A line that cannot be read is
reported on stderr by its line number and skipped; the rest of the file still runs.
"""

import json
import os
import sys
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ValidationError

from warmline.agent.facts import facts_of_turn
from warmline.config import Settings
from warmline.guardrails.guard import Guard
from warmline.guardrails.limits import InputRejected, clean_text
from warmline.guardrails.redaction import DetectedSpan, PlaceholderBook, Redactor
from warmline.guardrails.signals import Signals, compute_signals, sentiment
from warmline.handoff.policy import EscalationPolicy
from warmline.retrieval.embedder import Embedder, use_one_thread
from warmline.retrieval.store import KnowledgeStore

CHUNK = 64
DETECTIONS_KEPT = 4096


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

    def redact(self, line: LogLine) -> "Prepared":
        book = PlaceholderBook()
        earlier = [self._redact(message, book)[0] for message in line.history]
        redacted, pii = self._redact(line.text, book)
        return Prepared(line=line, earlier=earlier, redacted=redacted, pii=pii)

    def judge(self, prepared: "Prepared", vector: npt.NDArray[np.float32]) -> dict[str, Any]:
        """Signals, search and the policy's decision for a redacted message and its vector."""
        redacted = prepared.redacted
        found: Signals = compute_signals(
            redacted, prepared.earlier, vector, self.settings.company_name
        )
        hits = []
        confidence: float | None = None
        if self.store is not None:
            retrieval = self.settings.retrieval
            hits = self.store.search(redacted, retrieval.top_k, retrieval.mode)
            confidence = retrieval.answerable.probability(redacted, hits)
        decision = self.policy.assess(
            facts_of_turn(
                found,
                redacted,
                earlier_sentiments=[sentiment(message) for message in prepared.earlier],
                confidence=confidence,
                low_confidence=self.settings.policy.thresholds.low_confidence,
                strikes=0,
                unanswered=0,
                bot_turns=len(prepared.earlier) + 1,
            )
        )
        return {
            "id": prepared.line.id,
            "pii": prepared.pii,
            "redacted": redacted,
            "signals": signal_summary(found),
            "escalate": decision.escalate,
            "reasons": [reason.code for reason in decision.reasons],
            "search": [{"article_id": h.chunk.article_id, "score": h.score} for h in hits],
            "confidence": confidence,
        }


class Prepared(BaseModel):
    line: LogLine
    earlier: list[str]
    redacted: str
    pii: list[dict[str, Any]]


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


Outcome = tuple[int, str | None, str | None]  # line number, output line, or the problem


def analyse_lines(analyzer: Analyzer, lines: list[tuple[int, str]]) -> list[Outcome]:
    """A chunk of numbered raw lines; the messages are embedded in one batch, as the
    live turn's single embedding would be, but cheaper per message, and with a
    redactor that remembers, their PII is detected in one batch beforehand."""
    outcomes: dict[int, Outcome] = {}
    parsed: list[tuple[int, LogLine]] = []
    for number, raw in lines:
        try:
            parsed.append((number, LogLine.model_validate_json(raw)))
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "line"
            outcomes[number] = (number, None, f"{where}: {problem['msg']}")
    redactor = analyzer.guard.redactor
    if isinstance(redactor, RememberingRedactor):
        redactor.remember(
            _cleaned(message, analyzer.guard.max_chars)
            for _, line in parsed
            for message in [*line.history, line.text]
        )
    prepared: list[tuple[int, Prepared]] = []
    for number, line in parsed:
        try:
            prepared.append((number, analyzer.redact(line)))
        except ValueError as error:
            outcomes[number] = (number, None, str(error))
    if prepared:
        vectors = Embedder().embed([p.redacted for _, p in prepared])
        for (number, item), vector in zip(prepared, vectors, strict=True):
            result = json.dumps(analyzer.judge(item, vector), ensure_ascii=False)
            outcomes[number] = (number, result, None)
    return [outcomes[number] for number in sorted(outcomes)]


def _cleaned(text: str, max_chars: int) -> str | None:
    """The text the guard would hand the redactor, or None for one it rejects."""
    try:
        return clean_text(text, max_chars)
    except InputRejected:
        return None


def _chunks(source: TextIO, size: int) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for number, raw in enumerate(source, start=1):
        if raw.strip():
            chunk.append((number, raw))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WORKER: Analyzer | None = None


def _start_worker(settings: Settings, secret: bytes) -> None:
    global _WORKER
    use_one_thread()
    _WORKER = Analyzer(settings, _redactor(settings, secret), None)


def _work(lines: list[tuple[int, str]]) -> list[Outcome]:
    assert _WORKER is not None
    return analyse_lines(_WORKER, lines)


def _in_order(
    pool: ProcessPoolExecutor, chunks: Iterator[list[tuple[int, str]]], ahead: int
) -> Iterator[list[Outcome]]:
    """Results in input order, with only `ahead` chunks in flight: a long log is
    streamed, never read into memory whole."""
    pending: deque[Future[list[Outcome]]] = deque()
    for chunk in chunks:
        pending.append(pool.submit(_work, chunk))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def write(outcomes: Iterable[list[Outcome]], out: TextIO, errors: TextIO) -> tuple[int, int]:
    """Output lines in input order; each bad line named on `errors`. Returns (written, skipped)."""
    written = skipped = 0
    for chunk in outcomes:
        for number, result, problem in chunk:
            if result is None:
                print(f"line {number}: skipped: {problem}", file=errors)
                skipped += 1
            else:
                out.write(result + "\n")
                written += 1
    return written, skipped


class RememberingRedactor(Redactor):
    """The live redactor, remembering what it detected in the texts it saw last.

    A log repeats its messages: each line carries the customer's earlier messages,
    which were lines of their own, and the PII offsets are read from the text the
    guard just redacted. Detection depends on the text alone (placeholder numbering,
    which depends on the conversation, happens after it), so its spans are reused and
    the output is the same as detecting afresh.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen: OrderedDict[str, list[DetectedSpan]] = OrderedDict()

    def detect(self, text: str, language: str | None = None) -> list[DetectedSpan]:
        if language is not None:  # logs carry no conversation language; nothing to reuse
            return super().detect(text, language)
        spans = self._seen.get(text)
        if spans is None:
            spans = super().detect(text)
            self._keep_spans(text, spans)
        else:
            self._seen.move_to_end(text)
        return spans

    def remember(self, texts: Iterable[str | None]) -> None:
        """Detect, in one batch (`detect_many`), in the texts not yet remembered, so
        that the `detect` calls that follow find their spans (a chunk's texts are far
        fewer than the detections kept)."""
        fresh = list(dict.fromkeys(t for t in texts if t is not None and t not in self._seen))
        for text, spans in zip(fresh, self.detect_many(fresh), strict=True):
            self._keep_spans(text, spans)

    def _keep_spans(self, text: str, spans: list[DetectedSpan]) -> None:
        self._seen[text] = spans
        if len(self._seen) > DETECTIONS_KEPT:
            self._seen.popitem(last=False)


def _redactor(settings: Settings, secret: bytes) -> Redactor:
    return RememberingRedactor(
        settings.pii_entities,
        secret,
        settings.pii_allow_patterns,
        settings.pii_company_patterns,
        company_name=settings.company_name,
    )


def main(settings: Settings, source: Path, out: Path | None, kb: bool) -> int:
    """Redaction is most of the cost, so without a local knowledge base (which one
    process at a time may open) the lines are shared among one worker per core."""
    from warmline.server.runtime import load_secret, open_knowledge_store

    secret = load_secret(settings)
    workers = 1 if kb and settings.qdrant_url is None else min(2, os.cpu_count() or 1)
    store = open_knowledge_store(settings) if kb else None
    target = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        with source.open(encoding="utf-8", errors="replace") as lines:
            if workers == 1:
                analyzer = Analyzer(settings, _redactor(settings, secret), store)
                chunks: Iterator[list[Outcome]] = (
                    analyse_lines(analyzer, c) for c in _chunks(lines, CHUNK)
                )
                written, skipped = write(chunks, target, sys.stderr)
            else:
                with ProcessPoolExecutor(
                    workers, initializer=_start_worker, initargs=(settings, secret)
                ) as pool:
                    chunks = _in_order(pool, _chunks(lines, CHUNK), ahead=2 * workers)
                    written, skipped = write(chunks, target, sys.stderr)
    finally:
        if out:
            target.close()
        if store is not None:
            store.close()
    print(f"{written} lines analysed, {skipped} skipped", file=sys.stderr)
    return 0
