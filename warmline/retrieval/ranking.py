"""From fused chunk scores to an article ranking: the title's say, and an article's other chunks.

A question is answered by an article, but search scores chunks, and each chunk reads
its title as only a few words among its body's hundreds. Two pieces of article-level
evidence are added to every fused hit (measured on the dev splits, evals/README.md,
fifth round):

- **Title match.** The share of the question's words (the lexical search's stemmed
  tokens, each weighted by its inverse document frequency among the candidate articles'
  titles) that the article's title holds. FAQ titles are questions in the help center's
  own words ("Can my pet get COVID-19?"), so a paraphrase that shares the topic word with
  one title and not with its neighbours' is told apart by it. The IDF is over the
  candidates' titles only, like coverage's (`coverage.py`): no per-KB table, and a word
  every candidate's title holds ("covid") says little.
- **Support.** An article whose next best chunks also match is more likely the answer
  than one with a single matching paragraph: the article scores its best chunk plus a
  small share of its next two chunks' fused scores (a sum of all of them would let a long
  article outvote a short exact one).

Both are added to every chunk of the article, so the article's best chunk still leads
its own chunks and its score is the article's.
"""

import math
from collections import Counter, defaultdict

from warmline.retrieval.lexical import tokens
from warmline.retrieval.search_types import Hit

TITLE_WEIGHT = 0.3
SUPPORT_WEIGHT = 0.1
SUPPORTING_CHUNKS = 2


def title_shares(query: str, titles: dict[str, str]) -> dict[str, float]:
    """article id → IDF-weighted share of the question's words its title holds, in [0, 1]."""
    wanted = set(tokens(query))
    held = {article: set(tokens(title)) & wanted for article, title in titles.items()}
    counts = Counter(word for words in held.values() for word in words)
    n = len(titles)

    def idf(word: str) -> float:
        return math.log(1 + (n - counts[word] + 0.5) / (counts[word] + 0.5))

    total = sum(idf(word) for word in wanted)
    if not total:
        return dict.fromkeys(titles, 0.0)
    return {article: sum(idf(w) for w in words) / total for article, words in held.items()}


def rank_articles(query: str, hits: list[Hit]) -> list[Hit]:
    """The fused hits with their articles' title match and support added, best first."""
    by_article: dict[str, list[float]] = defaultdict(list)
    for hit in hits:
        by_article[hit.chunk.article_id].append(hit.score)
    shares = title_shares(query, {h.chunk.article_id: h.chunk.title for h in hits})
    bonus = {
        article: TITLE_WEIGHT * shares[article]
        + SUPPORT_WEIGHT * sum(sorted(scores, reverse=True)[1 : 1 + SUPPORTING_CHUNKS])
        for article, scores in by_article.items()
    }
    for hit in hits:
        hit.score += bonus[hit.chunk.article_id]
    return sorted(hits, key=lambda h: h.score, reverse=True)
