"""Answerable confidence: the probability that the knowledge base answers the question.

Raw scores are not probabilities, and the lexical score has no fixed scale at all
(its IDF depends on the size and vocabulary of the collection). So the escalation
policy reads a probability from a logistic model over features that keep their
meaning from one knowledge base to the next, so that a new help center gets sensible
refusals on day one, before anyone labels a question for it:

- the top dense cosine similarity (a property of the embedding model, not the KB);
- the margin between the first and second distinct articles' cosines;
- whether dense and lexical search agree on the top article (1 or 0);
- how decisive lexical search is: its best article's lead over the second, as a
  share of the best score;
- the share of the question's words that the top chunk contains;
- whether an identifier in the question (an error code, an order or product number)
  appears in the top article's title or section (1 or 0): "E-1042" alone is a
  complete question when an article is about E-1042, though its embedding says little.

The shipped weights were fitted on the dev splits of three knowledge bases at once
(the sample help center and two public sets, evals/README.md) with each set and
class weighted equally. `warmline eval retrieval --fit` refits them on one KB's own
labelled questions, and they live in configuration, so a KB or model is
recalibrated, not re-coded.
"""

import math
import re

from pydantic import BaseModel

from warmline.retrieval.lexical import tokens
from warmline.retrieval.store import Hit

_IDENTIFIER = re.compile(r"\b[a-z]{1,4}-?\d{3,}\b", re.IGNORECASE)
FEATURES = 6
Features = tuple[float, float, float, float, float, float]


class AnswerableModel(BaseModel):
    # Fitted on the dev splits of the sample, covidfaq and squad sets together; a
    # seventh feature (the top cosine's z-score among the candidates) got no weight.
    weights: tuple[float, ...] = (4.749, 4.823, 0.337, 1.562, 2.336, 4.518)
    bias: float = -4.387

    def probability(self, query: str, hits: list[Hit]) -> float:
        values = features(query, hits)
        z = self.bias + sum(w * x for w, x in zip(self.weights, values, strict=True))
        return 1 / (1 + math.exp(-z))


def _identifier_in_top_article(query: str, top: Hit) -> float:
    wanted = {i.replace("-", "").lower() for i in _IDENTIFIER.findall(query)}
    heading = f"{top.chunk.title} {top.chunk.section}"
    found = {i.replace("-", "").lower() for i in _IDENTIFIER.findall(heading)}
    return float(bool(wanted & found))


def _best_per_article(hits: list[Hit], field: str) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for hit in hits:
        value = getattr(hit, field)
        if value > best.get(hit.chunk.article_id, -math.inf):
            best[hit.chunk.article_id] = value
    return sorted(best.items(), key=lambda item: item[1], reverse=True)


def features(query: str, hits: list[Hit]) -> Features:
    if not hits:
        return (0.0,) * FEATURES  # type: ignore[return-value]
    dense = _best_per_article([h for h in hits if h.dense], "dense") or [("", 0.0)]
    lexical = _best_per_article([h for h in hits if h.lexical > 0], "lexical")
    top_cosine = dense[0][1]
    second_cosine = dense[1][1] if len(dense) > 1 else 0.0
    agree = float(bool(lexical) and lexical[0][0] == dense[0][0])
    decisive = (
        (lexical[0][1] - (lexical[1][1] if len(lexical) > 1 else 0.0)) / lexical[0][1]
        if lexical
        else 0.0
    )
    words = set(tokens(query))
    top = hits[0]
    found = set(tokens(f"{top.chunk.title} {top.chunk.section} {top.chunk.text}"))
    coverage = len(words & found) / len(words) if words else 0.0
    return (
        top_cosine,
        top_cosine - second_cosine,
        agree,
        decisive,
        coverage,
        _identifier_in_top_article(query, top),
    )
