"""Answerable confidence: the probability that the knowledge base answers the question.

Raw scores are not probabilities: a cosine of 0.55 means different things for a
two-word query and a paragraph, and a lexical score has no fixed scale at all. So
the escalation policy reads a calibrated probability instead, from a logistic model
over six features of the question and its result list:

- the top dense cosine similarity;
- the margin between the first and second distinct articles' cosines;
- whether dense and lexical search agree on the top article (1 or 0);
- the top lexical score, squashed to [0, 1) by x / (x + 5);
- whether an identifier in the question (an error code, an order or product number)
  appears in the top article's title or section (1 or 0): "E-1042" alone is a
  complete question when an article is about E-1042, though its embedding says little;
- the best coverage of the question's tokens by one of the top hits (`coverage.py`):
  a hit about the question's topic that lacks the word the question hinges on
  ("set up my new hub" against the hub's lights) covers it less than the answer does.

The weights are fitted by `warmline eval retrieval --fit` (logistic regression on
the answerable and unanswerable questions of the evaluation set) and live in
configuration, so a new knowledge base or model is recalibrated, not re-coded.
"""

import math
import re

from pydantic import BaseModel

from warmline.retrieval.store import Hit

_IDENTIFIER = re.compile(r"\b[a-z]{1,4}-?\d{3,}\b", re.IGNORECASE)


class AnswerableModel(BaseModel):
    # Fitted (balanced classes) on the even-numbered questions of the sample knowledge
    # base's evaluation set; AUC 0.932 on the odd ones (0.925 fitted on the public
    # sets' dev rows alone, without the sample's labels: evals/README.md).
    weights: tuple[float, float, float, float, float, float] = (
        5.077,
        1.229,
        0.373,
        2.144,
        1.503,
        7.483,
    )
    bias: float = -7.551

    def probability(self, query: str, hits: list[Hit]) -> float:
        values = features(query, hits)
        z = self.bias + sum(w * x for w, x in zip(self.weights, values, strict=True))
        return 1 / (1 + math.exp(-z))


def _identifier_in_top_article(query: str, top: Hit) -> float:
    wanted = {i.replace("-", "").lower() for i in _IDENTIFIER.findall(query)}
    heading = f"{top.chunk.title} {top.chunk.section}"
    found = {i.replace("-", "").lower() for i in _IDENTIFIER.findall(heading)}
    return float(bool(wanted & found))


def features(query: str, hits: list[Hit]) -> tuple[float, float, float, float, float, float]:
    if not hits:
        return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    by_dense = sorted(hits, key=lambda h: h.dense, reverse=True)
    top = by_dense[0]
    second = next((h.dense for h in by_dense if h.chunk.article_id != top.chunk.article_id), 0.0)
    top_lexical = max(hits, key=lambda h: h.lexical)
    agree = float(top_lexical.lexical > 0 and top_lexical.chunk.article_id == top.chunk.article_id)
    return (
        top.dense,
        top.dense - second,
        agree,
        top_lexical.lexical / (top_lexical.lexical + 5),
        _identifier_in_top_article(query, hits[0]),
        max(h.coverage for h in hits),
    )
