"""Answerable confidence: the probability that the knowledge base answers the question.

Raw scores are not probabilities: a cosine of 0.55 means different things for a
two-word query and a paragraph, and a lexical score has no fixed scale at all. So
the escalation policy reads a calibrated probability instead, from a logistic model
over four features of the result list:

- the top dense cosine similarity;
- the margin between the first and second distinct articles' cosines;
- whether dense and lexical search agree on the top article (1 or 0);
- the top lexical score, squashed to [0, 1) by x / (x + 5).

The weights are fitted by `warmline eval retrieval --fit` (logistic regression on
the answerable and unanswerable questions of the evaluation set) and live in
configuration, so a new knowledge base or model is recalibrated, not re-coded.
"""

import math

from pydantic import BaseModel

from warmline.retrieval.store import Hit


class AnswerableModel(BaseModel):
    # Fitted with balanced class weights on the sample knowledge base's evaluation set.
    weights: tuple[float, float, float, float] = (6.745, 2.531, 0.768, 2.754)
    bias: float = -5.252

    def probability(self, hits: list[Hit]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features(hits), strict=True))
        return 1 / (1 + math.exp(-z))


def features(hits: list[Hit]) -> tuple[float, float, float, float]:
    if not hits:
        return (0.0, 0.0, 0.0, 0.0)
    by_dense = sorted(hits, key=lambda h: h.dense, reverse=True)
    top = by_dense[0]
    second = next((h.dense for h in by_dense if h.chunk.article_id != top.chunk.article_id), 0.0)
    top_lexical = max(hits, key=lambda h: h.lexical)
    agree = float(top_lexical.lexical > 0 and top_lexical.chunk.article_id == top.chunk.article_id)
    return (top.dense, top.dense - second, agree, top_lexical.lexical / (top_lexical.lexical + 5))
