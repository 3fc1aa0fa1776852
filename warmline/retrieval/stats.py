"""What is in the knowledge base, for operators."""

from collections import Counter
from typing import Any

from warmline.retrieval.store import KnowledgeStore


def knowledge_stats(store: KnowledgeStore) -> dict[str, Any]:
    chunks = list(store.chunks())
    articles = {c.article_id: c for c in chunks}
    return {
        "collection": store.collection,
        "articles": len(articles),
        "chunks": len(chunks),
        "articles_by_visibility": dict(Counter(c.visibility for c in articles.values())),
        "articles_by_language": dict(Counter(c.language for c in articles.values())),
        "chunks_by_tag": dict(Counter(t for c in chunks for t in c.tags).most_common()),
        "quarantined_chunks": sum(c.quarantined for c in chunks),
        "expiring_articles": sorted(a for a, c in articles.items() if c.expires_day is not None),
    }
