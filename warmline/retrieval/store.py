"""The Qdrant collection that holds the knowledge base: dense and lexical vectors per chunk.

Local mode (a folder on disk) is the default and a Qdrant server the same code
(`qdrant_url`). Customer searches always carry filters applied inside Qdrant:
public articles only, not expired, not quarantined as prompt injections, so such
a chunk cannot be returned however relevant it is.

Dense and lexical results are fused on the client, dense first: a chunk scores its
cosine plus its lexical score as a share of the best lexical score for this query,
weighted more when lexical search is decisive (its best hit well ahead of its
second), which is when a rare term, a product name or an error code carries the
question. Reciprocal rank fusion, the earlier choice, let a weak lexical ranking
outvote a clear dense one on paraphrased questions (worse than dense alone on a
public FAQ set); a share of the best score needs no per-KB scale. Each hit keeps
both raw scores for the answerable-confidence model.
"""

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from qdrant_client import QdrantClient, models

from warmline.retrieval.chunking import Chunk
from warmline.retrieval.embedder import Embedder
from warmline.retrieval.lexical import document_vector, query_vector

Mode = Literal["hybrid", "dense", "lexical"]
# Chosen on the dev splits of the sample and public sets (evals/README.md): the weight
# of lexical evidence, and how much more it gets when lexical search is decisive.
LEXICAL_WEIGHT = 0.2
DECISIVE_LEXICAL_WEIGHT = 0.3
CANDIDATES = 30
BATCH = 256


class SearchFilters(BaseModel):
    include_internal: bool = False
    language: str | None = None
    tags: list[str] = []


class Hit(BaseModel):
    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0


class ClusterLayout(BaseModel):
    """How a new collection is spread over a Qdrant cluster; a single server ignores it."""

    shards: int = Field(1, ge=1)
    replication_factor: int = Field(1, ge=1)
    write_consistency_factor: int = Field(1, ge=1)


class KnowledgeStore:
    def __init__(
        self,
        path: Path,
        collection: str,
        embedder: Embedder,
        url: str | None = None,
        layout: ClusterLayout | None = None,
    ) -> None:
        self._server = bool(url)
        self._layout = layout or ClusterLayout()
        if url:
            self._client = QdrantClient(url=url)
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._client = QdrantClient(path=str(path))
        self.collection = collection
        self._embedder = embedder
        self.embedded = 0

    def close(self) -> None:
        self._client.close()

    def _ensure_collection(self) -> None:
        if self._client.collection_exists(self.collection):
            return
        layout = self._layout if self._server else None  # local mode has no cluster
        self._client.create_collection(
            self.collection,
            vectors_config={
                "dense": models.VectorParams(
                    size=self._embedder.dimension, distance=models.Distance.COSINE
                )
            },
            sparse_vectors_config={
                "lexical": models.SparseVectorParams(modifier=models.Modifier.IDF)
            },
            shard_number=layout.shards if layout else None,
            replication_factor=layout.replication_factor if layout else None,
            write_consistency_factor=layout.write_consistency_factor if layout else None,
        )
        if not self._server:
            return  # local mode scans payloads; indexes only matter on a server
        for field, schema in (
            ("article_id", models.PayloadSchemaType.KEYWORD),
            ("visibility", models.PayloadSchemaType.KEYWORD),
            ("language", models.PayloadSchemaType.KEYWORD),
            ("tags", models.PayloadSchemaType.KEYWORD),
            ("expires_day", models.PayloadSchemaType.INTEGER),
        ):
            self._client.create_payload_index(self.collection, field, schema)

    def count(self) -> int:
        if not self._client.collection_exists(self.collection):
            return 0
        return self._client.count(self.collection).count

    def indexed_articles(self) -> dict[str, str]:
        """article id → content hash of what is indexed now."""
        if not self._client.collection_exists(self.collection):
            return {}
        found: dict[str, str] = {}
        offset = None
        while True:
            points, offset = self._client.scroll(
                self.collection,
                limit=512,
                offset=offset,
                with_payload=["article_id", "content_hash"],
            )
            for point in points:
                payload = point.payload or {}
                found[str(payload["article_id"])] = str(payload["content_hash"])
            if offset is None:
                return found

    def chunks(self) -> Iterable[Chunk]:
        offset = None
        while self._client.collection_exists(self.collection):
            points, offset = self._client.scroll(self.collection, limit=512, offset=offset)
            yield from (Chunk.model_validate(p.payload) for p in points)
            if offset is None:
                return

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        if ids and self._client.collection_exists(self.collection):
            self._client.delete(
                self.collection,
                points_selector=models.FilterSelector(
                    filter=models.Filter(
                        must=[
                            models.FieldCondition(key="article_id", match=models.MatchAny(any=ids))
                        ]
                    )
                ),
            )

    def upsert(self, chunks: list[Chunk], progress: Callable[[int], None] | None = None) -> None:
        self._ensure_collection()
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start : start + BATCH]
            vectors = self._embedder.embed([c.embedding_text for c in batch])
            self.embedded += len(batch)
            self._client.upsert(
                self.collection,
                points=[
                    models.PointStruct(
                        id=c.id,
                        vector={"dense": v.tolist(), "lexical": document_vector(c.lexical_text)},
                        payload=c.model_dump(mode="json"),
                    )
                    for c, v in zip(batch, vectors, strict=True)
                ],
            )
            if progress is not None:
                progress(len(batch))

    def _filter(self, filters: SearchFilters, today: date) -> models.Filter:
        must: list[models.Condition] = []
        if not filters.include_internal:
            must.append(
                models.FieldCondition(key="visibility", match=models.MatchValue(value="public"))
            )
        if filters.language:
            must.append(
                models.FieldCondition(
                    key="language", match=models.MatchValue(value=filters.language)
                )
            )
        if filters.tags:
            must.append(models.FieldCondition(key="tags", match=models.MatchAny(any=filters.tags)))
        return models.Filter(
            must=must,
            must_not=[
                models.FieldCondition(key="quarantined", match=models.MatchValue(value=True)),
                models.FieldCondition(key="expires_day", range=models.Range(lte=today.toordinal())),
            ],
        )

    def search(
        self,
        query: str,
        limit: int,
        mode: Mode = "hybrid",
        filters: SearchFilters | None = None,
        today: date | None = None,
    ) -> list[Hit]:
        if not self._client.collection_exists(self.collection):
            return []
        query_filter = self._filter(filters or SearchFilters(), today or date.today())
        dense: list[models.ScoredPoint] = []
        lexical: list[models.ScoredPoint] = []
        if mode != "lexical":
            dense = self._client.query_points(
                self.collection, query=self._embedder.embed_query(query).tolist(), using="dense",
                query_filter=query_filter, limit=CANDIDATES, with_payload=True,
            ).points  # fmt: skip
        if mode != "dense":
            lexical = self._client.query_points(
                self.collection, query=query_vector(query), using="lexical",
                query_filter=query_filter, limit=CANDIDATES, with_payload=True,
            ).points  # fmt: skip
        return _fuse(dense, lexical)[:limit]


def _fuse(dense: list[models.ScoredPoint], lexical: list[models.ScoredPoint]) -> list[Hit]:
    """Cosine + lexical share of the best lexical score; each hit keeps both raw scores.

    A chunk that only lexical search found gets the lowest dense candidate's cosine,
    which is an upper bound on its own (it was not among the dense candidates).
    """
    hits: dict[str, Hit] = {}
    for points, field in ((dense, "dense"), (lexical, "lexical")):
        for point in points:
            key = str(point.id)
            if key not in hits:
                hits[key] = Hit(chunk=Chunk.model_validate(point.payload), score=0.0)
            setattr(hits[key], field, float(point.score))
    by_article = list(
        {str((p.payload or {})["article_id"]): p.score for p in lexical[::-1]}.values()
    )
    best, second = ([*sorted(by_article, reverse=True), 0.0, 0.0])[:2]
    decisive = (best - second) / best if best > 0 else 0.0
    weight = LEXICAL_WEIGHT + DECISIVE_LEXICAL_WEIGHT * decisive if dense else 1.0
    floor = dense[-1].score if dense else 0.0
    for hit in hits.values():
        share = hit.lexical / best if best > 0 else 0.0
        hit.score = (hit.dense or floor) + weight * share
    return sorted(hits.values(), key=lambda h: h.score, reverse=True)
