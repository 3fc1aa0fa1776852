"""The guard's evaluation gates: what `warmline eval pii|signals` reports must hold."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO

from warmline.config import Settings
from warmline.evals import pii_eval, public_eval, retrieval_eval, signals_eval
from warmline.evals.emotion_eval import Dialogue, _scores, _split
from warmline.evals.public_eval import PUBLIC, _before_verdicts, human_requests, leaning, play
from warmline.guardrails.human_request import detect_human_request
from warmline.guardrails.spelling import fold
from warmline.handoff.policy import EscalationPolicy
from warmline.handoff.policy_file import Policy
from warmline.retrieval.embedder import Embedder

pytestmark = pytest.mark.slow


def test_pii_redaction_meets_its_recall_targets_and_beats_plain_presidio() -> None:
    report = pii_eval.evaluate(REPO / "evals" / "pii" / "messages.jsonl", Settings())
    ours = report.warmline
    for kind in ("CREDIT_CARD", "EMAIL_ADDRESS", "PHONE_NUMBER"):
        assert ours.per_type[kind].recall >= 0.99, kind
    assert ours.overall_recall >= 0.95
    assert ours.leak_rate < report.presidio_default.leak_rate
    assert ours.overall_precision > report.presidio_default.overall_precision


@pytest.mark.parametrize("dataset", ["dev_messages.jsonl", "dev_messages_2.jsonl"])
def test_signal_detectors_beat_vader_alone(dataset: str) -> None:
    report = signals_eval.evaluate(REPO / "evals" / "signals" / dataset)
    for label, result in report.labels.items():
        assert result.warmline.f1 > result.vader_alone.f1 + 0.3, label


def test_hybrid_retrieval_beats_dense_and_bm25_alone(tmp_path: Path, kb_snapshot: Path) -> None:
    from warmline.retrieval.embedder import Embedder
    from warmline.retrieval.store import KnowledgeStore

    settings = Settings()
    shutil.copytree(kb_snapshot, tmp_path / "qdrant")
    store = KnowledgeStore(tmp_path / "qdrant", settings.retrieval.collection, Embedder())
    try:
        report = retrieval_eval.evaluate(
            REPO / "evals" / "retrieval" / "questions.jsonl", store, settings.retrieval.answerable
        )
    finally:
        store.close()
    hybrid = report.modes["hybrid"]
    assert report.answerable >= 150
    assert report.unanswerable >= 40
    for peer in ("dense", "lexical", "bm25s"):
        assert hybrid.recall_at_1 > report.modes[peer].recall_at_1, peer
        assert hybrid.mrr > report.modes[peer].mrr, peer
    assert hybrid.recall_at_5 >= 0.95
    assert report.confidence_auc >= 0.8


def test_eval_reports_are_json_and_carry_no_personal_data(tmp_path: Path) -> None:
    from warmline.cli import main

    data = REPO / "evals" / "pii" / "messages.jsonl"
    assert main(["eval", "signals", "--out", str(tmp_path)]) == 0
    assert main(["eval", "pii", "--data", str(data), "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {
        "signals-dev_messages.json",
        "signals-dev_messages_2.json",
        "pii-messages.json",
    }
    exported = (tmp_path / "pii-messages.json").read_text()
    values = {span.value for m in pii_eval.load(data) for span in m.spans}
    assert [v for v in values if v in exported] == []


def test_signal_reports_name_their_data_alike_from_any_checkout_or_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A committed report names its data relative to the project, never by this
    checkout's absolute path (a run elsewhere would rewrite it); a file outside the
    project is named as it was given."""
    from warmline.cli import main

    lines = (REPO / "evals" / "signals" / "dev_messages.jsonl").read_text().splitlines()
    (tmp_path / "mine.jsonl").write_text("\n".join(lines[:5]) + "\n")
    monkeypatch.chdir(tmp_path)
    inside = REPO / "evals" / "signals" / "dev_messages.jsonl"
    assert main(["eval", "signals", "--data", str(inside), "mine.jsonl", "--out", "out"]) == 0
    named = {p.name: json.loads(p.read_text())["dataset"] for p in (tmp_path / "out").iterdir()}
    assert named == {
        "signals-dev_messages.json": "evals/signals/dev_messages.jsonl",
        "signals-mine.json": "mine.jsonl",
    }


def test_emotion_scores_read_dissatisfaction_from_the_turn_labels() -> None:
    opening_only = Dialogue(id="a", turns=["x", "y"], emotions=[{"frustration"}, {"neutral"}])
    later = Dialogue(id="b", turns=["x", "y", "z", "w"], emotions=[set(), set(), {"anger"}, set()])
    happy = Dialogue(id="c", turns=["x", "y"], emotions=[{"neutral"}, {"happiness"}])
    dialogues = [opening_only, later, happy]
    # Escalated: the first at its second turn, the second one turn too late, the third never.
    any_turn = _scores(dialogues, [1, None, None], from_turn=0)
    assert (any_turn.dialogues, any_turn.dissatisfied, any_turn.recall) == (3, 2, 0.5)
    assert any_turn.caught_in_time == 1.0 and any_turn.satisfied_escalated == 0.0
    after_an_answer = _scores(dialogues, [1, 5, 0], from_turn=1)
    assert (after_an_answer.dialogues, after_an_answer.dissatisfied) == (2, 1)
    assert after_an_answer.caught_in_time == 0.0 and after_an_answer.satisfied_escalated == 1.0


def test_dialogues_are_played_as_the_live_graph_plays_them() -> None:
    """Thanks reach the policy (a thanking message is no loop), and a mood that sours
    is caught at the turn it sours, by Warmline and by VADER alone."""
    policy = EscalationPolicy(Policy())
    thanked_twice = ["thanks so much, the reset link came", "thanks so much, the reset link came"]
    assert play(thanked_twice, policy) == (None, None)
    soured = ["I love the new app, it is great", "This is awful, I am so upset and disappointed"]
    assert play(soured, policy) == (1, 1)
    # VADER alone reads swearing as mood; Warmline reads it as tone.
    sworn = ["hi, good morning", "hell, where is my damn fucking parcel?!"]
    assert play(sworn, policy) == (None, 1)


def test_the_leaning_check_is_the_development_halfs_middle_and_nothing_of_the_test_half() -> None:
    """The check band is the middle the labelled sets leave out, development half only: no
    dialogue of a labelled set, none of the test half, and no band file for the test split."""
    rows = [json.loads(line) for line in (PUBLIC / "dialogues_leaning_dev.jsonl").open()]
    labelled = {json.loads(line)["id"] for line in (PUBLIC / "dialogues_dev.jsonl").open()}
    assert all(_split(row["id"]) == "dev" and row["id"] not in labelled for row in rows)
    for row in rows:
        low, high = (0.25, 0.5) if row["band"] == "leaning satisfied" else (-0.75, -0.25)
        assert low <= row["satisfaction"] <= high
    bands = leaning("dev")
    assert {band: rate.dialogues for band, rate in bands.items()} == {
        "leaning dissatisfied": 253,
        "leaning satisfied": 68,
    }
    assert leaning("test") == {}


def test_an_earlier_commits_request_detector_reads_the_model_on_english_rows_only() -> None:
    """`--before` compares code, not gates: the earlier commit's model reads the English
    rows only, as the product's and the current code's in the same run do (a Spanish row
    the model would hear was counted against the earlier code alone)."""
    text = "tengo que hablar con mi jefe primero"
    vector = Embedder().embed([text])[0]
    rules = detect_human_request(fold(text)).fired()
    with_model = detect_human_request(fold(text), vector).fired()
    assert rules != with_model  # the model hears what the rules do not
    verdicts = _before_verdicts("HEAD", [text, text], np.stack([vector, vector]), [False, True])
    assert verdicts == [rules, with_model]


def test_before_without_the_model_compares_the_rules_with_the_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--before --no-model` compares rules with rules: the earlier commit's model reads no
    row when the current code's does not (an English row the model hears was counted for
    the earlier code alone)."""
    text = "I'm a customer, can somebody look at my account"
    vector = Embedder().embed([text])[0]
    assert not detect_human_request(fold(text)).fired()
    assert detect_human_request(fold(text), vector).fired()
    row = {"text": text, "human_request": True, "source": "clinc150", "lang": "en"}
    monkeypatch.setattr(public_eval, "REQUEST_SETS", ("human_request",))
    monkeypatch.setattr(public_eval, "_rows", lambda path: [row])
    rates = human_requests("dev", use_model=False, before="HEAD")["all"]
    assert rates["code at HEAD"] == rates["warmline rules alone"]
