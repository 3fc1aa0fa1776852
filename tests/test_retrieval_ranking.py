"""Fusion of dense and lexical results, the answerable confidence, and the evaluation sets.

Fast: scored points are built by hand, nothing is embedded.
"""

from pathlib import Path

import pytest

from warmline.evals.retrieval_eval import eval_sets, load
from warmline.retrieval.articles import load_articles
from warmline.retrieval.chunking import Chunk
from warmline.retrieval.confidence import AnswerableModel, features
from warmline.retrieval.ranking import rank_articles, title_shares
from warmline.retrieval.search_types import Scored
from warmline.retrieval.store import Hit, _fuse


def _point(
    article: str, score: float, text: str = "", title: str = "", position: int = 0
) -> Scored:
    payload = {
        "id": f"{article}-{position}",
        "article_id": article,
        "title": title or article,
        "url": f"https://help.example/{article}",
        "section": "Overview",
        "position": position,
        "text": text or article.replace("-", " "),
        "visibility": "public",
        "language": "en",
        "tags": [],
    }
    return Scored(chunk=Chunk.model_validate(payload), score=score)


def _order(hits: list[Hit]) -> list[str]:
    return [h.chunk.article_id for h in hits]


def test_a_clear_dense_winner_is_not_outvoted_by_a_weak_lexical_ranking() -> None:
    dense = [_point("refund-policy", 0.82), _point("refund-status", 0.61), _point("other", 0.4)]
    lexical = [_point("refund-status", 9.0), _point("refund-policy", 8.6)]
    assert _order(_fuse(dense, lexical))[0] == "refund-policy"


def test_a_decisive_lexical_match_lifts_a_close_dense_runner_up() -> None:
    dense = [_point("hub-setup", 0.58), _point("hub-offline-e-1042", 0.55), _point("x", 0.3)]
    lexical = [_point("hub-offline-e-1042", 12.0), _point("hub-setup", 2.0)]
    assert _order(_fuse(dense, lexical))[0] == "hub-offline-e-1042"


def test_a_chunk_only_lexical_search_found_ranks_from_the_lowest_dense_cosine() -> None:
    dense = [_point("a", 0.7), _point("b", 0.5)]
    lexical = [_point("c", 5.0)]
    hits = {h.chunk.article_id: h for h in _fuse(dense, lexical)}
    assert hits["c"].dense == 0.0 and hits["c"].lexical == 5.0
    assert hits["c"].score > hits["b"].score  # 0.5 + a decisive lexical share


def test_single_modes_rank_by_their_own_scores() -> None:
    assert _order(_fuse([_point("a", 0.4), _point("b", 0.9)][::-1], [])) == ["b", "a"]
    assert _order(_fuse([], [_point("a", 3.0), _point("b", 1.0)])) == ["a", "b"]


def test_the_article_whose_title_holds_the_question_word_ranks_first() -> None:
    # A paraphrase of an FAQ entry: its body scores a little below a neighbour's, but
    # only its title holds the word the question turns on.
    question = "can my dog catch the virus"
    dense = [
        _point("virus-spread", 0.61, title="How does the virus spread?"),
        _point("pets", 0.58, title="Can my dog or cat catch the virus?"),
        _point("virus-name", 0.5, title="Why is the virus called that?"),
    ]
    assert _order(_fuse(dense, []))[0] == "virus-spread"
    assert _order(rank_articles(question, _fuse(dense, [])))[0] == "pets"


def test_a_word_every_candidate_title_holds_counts_little() -> None:
    shares = title_shares(
        "virus symptoms", {"a": "The virus and its symptoms", "b": "The virus at school"}
    )
    assert shares["b"] < 0.25 < shares["a"] == 1.0
    assert title_shares("hello", {"a": "Refunds"}) == {"a": 0.0}


def test_a_title_match_does_not_outvote_a_clear_answer() -> None:
    dense = [
        _point("reset-your-password", 0.8, title="Reset your password"),
        _point("password-rules", 0.45, title="Password rules for your account"),
    ]
    ranked = rank_articles("I forgot my password, how do I get back in", _fuse(dense, []))
    assert _order(ranked)[0] == "reset-your-password"


def test_an_article_whose_other_sections_also_match_outranks_a_single_close_paragraph() -> None:
    dense = [
        _point("returns", 0.6, title="Returns"),
        _point("refunds", 0.58, title="Refunds", position=0),
        _point("refunds", 0.55, title="Refunds", position=1),
        _point("refunds", 0.5, title="Refunds", position=2),
    ]
    ranked = rank_articles("money back for a broken bulb", _fuse(dense, []))
    assert _order(ranked)[0] == "refunds"
    # Its own chunks keep their order: the best section is still the one quoted first.
    assert [h.chunk.position for h in ranked if h.chunk.article_id == "refunds"] == [0, 1, 2]
    # Without the other two sections the single closer paragraph wins.
    assert _order(rank_articles("money back for a broken bulb", _fuse(dense[:2], [])))[0] == (
        "returns"
    )


def test_confidence_is_higher_when_the_knowledge_base_answers() -> None:
    model = AnswerableModel()
    answered = _fuse(
        [
            _point("reset-your-password", 0.78, "reset your password from the sign-in page"),
            _point("delete-your-account", 0.41),
        ],
        [_point("reset-your-password", 6.0)],
    )
    unanswered = _fuse(
        [_point("delivery-times", 0.31), _point("international-shipping", 0.3)],
        [_point("international-shipping", 1.0), _point("delivery-times", 0.9)],
    )
    # Typical coverages of the sample set's answerable and unanswerable questions.
    answered[0].coverage, unanswered[0].coverage = 0.6, 0.4
    assert model.probability("how do I reset my password", answered) >= 0.5
    assert model.probability("does the hub work with my thermostat", unanswered) < 0.5
    assert model.probability("anything", []) < 0.5


def test_a_close_hit_that_misses_the_question_words_is_less_likely_to_answer() -> None:
    model = AnswerableModel()
    hits = _fuse([_point("hub-lights", 0.55), _point("hub-setup", 0.5)], [])
    hits[0].coverage = 0.65
    covered = model.probability("what does the orange light on my hub mean", hits)
    hits[0].coverage = 0.38
    assert model.probability("how do I pair the hub with my thermostat", hits) < 0.5 <= covered


def test_an_error_code_named_by_the_top_article_counts_as_evidence() -> None:
    hits = _fuse([_point("hub-offline-e-1042", 0.35), _point("x", 0.3)], [])
    assert features("E1042", hits)[4] == 1.0
    assert features("E3107", hits)[4] == 0.0


def test_every_evaluation_set_has_articles_answers_unanswerables_and_both_splits() -> None:
    sets = eval_sets()
    assert {"sample", "covidfaq", "squad"} <= set(sets)
    for name, chosen in sets.items():
        articles = {a.id for a in load_articles(chosen.kb) if a.visibility == "public"}
        questions = load(chosen.questions)
        assert all(a in articles for q in questions for a in q.answers), name
        assert sum(q.answerable for q in questions) >= 150, name
        assert sum(not q.answerable for q in questions) >= 50, name
        if name != "sample":  # written with the code, so all of it is development data
            assert {q.split for q in questions} == {"dev", "test"}, name


def test_an_unknown_set_is_refused_with_the_names_it_knows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from warmline.cli import main

    assert main(["eval", "retrieval", "--set", "nope", "--out", str(tmp_path)]) == 2
    said = capsys.readouterr().out
    assert "nope" in said and "covidfaq" in said and "sample" in said
    assert not list(tmp_path.iterdir())
