"""Micro-batching: calls made while the model is busy share its next call, and what each
caller gets is what it would have got alone (query embeddings, PII detection)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from warmline.batching import MicroBatcher
from warmline.guardrails.nlp_batching import artifacts_of
from warmline.guardrails.redaction import Redactor, _analyzer
from warmline.retrieval.embedder import Embedder, _encode_queries, similar_lengths


class HeldModel:
    """Doubles numbers; its first call waits until the test lets it go, so the calls
    made meanwhile are known to be waiting together."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.go_on = threading.Event()
        self.calls: list[list[int]] = []

    def __call__(self, items: list[int]) -> list[int]:
        self.calls.append(items)
        if len(self.calls) == 1:
            self.started.set()
            assert self.go_on.wait(60)
        if -1 in items:
            raise ValueError("the model cannot read -1")
        return [2 * item for item in items]


def test_calls_made_while_a_batch_runs_go_together_into_the_next_one() -> None:
    model = HeldModel()
    double = MicroBatcher(model, max_batch=3, name="test-batcher")
    with ThreadPoolExecutor(6) as threads:
        first = threads.submit(double, 1)
        assert model.started.wait(60)
        rest = [threads.submit(double, n) for n in range(2, 7)]
        while double._waiting.qsize() < 5:  # all five are waiting for the model
            threading.Event().wait(0.001)
        model.go_on.set()
        assert first.result() == 2
        assert [r.result() for r in rest] == [4, 6, 8, 10, 12]
    assert model.calls == [[1], [2, 3, 4], [5, 6]]
    assert double.batches == 3


def test_an_input_the_model_cannot_read_fails_its_own_call_only() -> None:
    model = HeldModel()
    double = MicroBatcher(model, max_batch=8, name="test-batcher")
    with ThreadPoolExecutor(4) as threads:
        first = threads.submit(double, 1)
        assert model.started.wait(60)
        good, bad = threads.submit(double, 5), threads.submit(double, -1)
        while double._waiting.qsize() < 2:
            threading.Event().wait(0.001)
        model.go_on.set()
        assert first.result() == 2
        assert good.result() == 10
        with pytest.raises(ValueError, match="cannot read -1"):
            bad.result()


def test_questions_are_grouped_with_others_of_similar_length() -> None:
    texts = ["hi", "a much longer question about a refund", "ok thanks", "where is my order"]
    assert similar_lengths(texts) == [[0, 2, 3], [1]]


QUESTIONS = [
    "refund?",
    "how do I get a refund?",
    "my thermostat is offline again",
    "Where do I get a receipt for Lumen Plus I bought through Apple?",
    "the app isn't loading, is it just me or everyone",
    "can I talk to a person please",
    "how long does delivery take to Canada and what does it cost for two hubs of the "
    "newest model, and can I track the parcel on the way?",
    "hola",
]


def test_batched_query_embeddings_equal_one_by_one() -> None:
    alone = np.stack([Embedder().embed([q])[0] for q in QUESTIONS])
    encodings = _encode_queries(QUESTIONS)
    together = np.stack([encoding.vector for encoding in encodings])
    assert together.shape == (len(QUESTIONS), Embedder.dimension)
    np.testing.assert_allclose(together, alone, atol=1e-5)
    # Each question's nearest neighbour among the others is the same either way.
    assert ((alone @ alone.T).argsort() == (together @ together.T).argsort()).all()
    # The token vectors coverage reads come from the same pass, padding left out.
    for question, encoding in zip(QUESTIONS, encodings, strict=True):
        (own,) = _encode_queries([question])
        np.testing.assert_array_equal(encoding.tokens.ids, own.tokens.ids)
        np.testing.assert_allclose(encoding.tokens.vectors, own.tokens.vectors, atol=1e-4)


MESSAGES = [
    "Hi, I'm Maria Lopez, my card 4111 1111 1111 1111 was charged twice",
    "call me on +1 415 555 0134 or write to jo.smith@example.com",
    "my thermostat is offline",
    "Ich heiße Jürgen Becker und meine Adresse ist Hauptstraße 5",
    "did you call him hubert? my name is hubert",
    "order LH-48213 never arrived at 221B Baker Street, London NW1 6XE",
    "THIS IS RIDICULOUS",
    "ok",
]


def test_pii_detected_together_matches_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    entities = ["PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "LOCATION"]
    redactor = Redactor(entities, b"k")
    alone = [redactor.detect(m) for m in MESSAGES]
    assert sum(map(bool, alone)) >= 4, "most messages carry PII"
    batcher = artifacts_of(_analyzer(()).nlp_engine)
    spacy = batcher._run_batch
    sizes: list[int] = []
    first_held = threading.Event()

    def held(texts: list[str]) -> list[object]:
        """The first spaCy call waits until every other message waits behind it."""
        if not sizes:
            first_held.set()
            for _ in range(60_000):
                if batcher._waiting.qsize() == len(MESSAGES) - 1:
                    break
                threading.Event().wait(0.001)
        if set(texts) <= set(MESSAGES):  # not a recognizer's second reading of a word
            sizes.append(len(texts))
        return list(spacy(texts))

    monkeypatch.setattr(batcher, "_run_batch", held)
    with ThreadPoolExecutor(len(MESSAGES)) as threads:
        first = threads.submit(redactor.detect, MESSAGES[0])
        assert first_held.wait(60), "the first detection reached spaCy"
        rest = list(threads.map(redactor.detect, MESSAGES[1:]))
        together = [first.result(), *rest]
    assert sizes == [1, len(MESSAGES) - 1]
    assert together == alone
