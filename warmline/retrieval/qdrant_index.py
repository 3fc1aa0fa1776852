"""The knowledge base in a Qdrant server or cluster (`qdrant_url`), the path past one machine.

Filters are applied inside Qdrant (payload indexes on a server), so a chunk that is
internal, expired or quarantined cannot be returned however relevant it is.
Long chunks' sentence passages (`passages.py`) are kept by the embedded index only; here
hybrid search fuses each chunk's own cosine, as it did before them.
"""

from collections.abc import Iterable
from datetime import date

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field
from qdrant_client import QdrantClient, models

from warmline.retrieval.chunking import Chunk
from warmline.retrieval.lexical import document_vector, query_vector
from warmline.retrieval.search_types import Scored, SearchFilters


class ClusterLayout(BaseModel):
    """How a new collection is spread over a Qdrant cluster; a single server ignores it."""

    shards: int = Field(1, ge=1)
    replication_factor: int = Field(1, ge=1)
    write_consistency_factor: int = Field(1, ge=1)


class QdrantIndex:
    def __init__(self, client: QdrantClient, collection: str, layout: ClusterLayout | None) -> None:
        """`layout` None is Qdrant's own in-process mode (":memory:"), which has no
        cluster and scans payloads, so it gets neither a layout nor payload indexes."""
        self._client = client
        self._collection = collection
        self._layout = layout

    def close(self) -> None:
        self._client.close()

    def _ensure_collection(self, dimension: int) -> None:
        if self._client.collection_exists(self._collection):
            return
        self._client.create_collection(
            self._collection,
            vectors_config={
                "dense": models.VectorParams(size=dimension, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={
                "lexical": models.SparseVectorParams(modifier=models.Modifier.IDF)
            },
            shard_number=self._layout.shards if self._layout else None,
            replication_factor=self._layout.replication_factor if self._layout else None,
            write_consistency_factor=(
                self._layout.write_consistency_factor if self._layout else None
            ),
        )
        if self._layout is None:
            return
        for field, schema in (
            ("article_id", models.PayloadSchemaType.KEYWORD),
            ("visibility", models.PayloadSchemaType.KEYWORD),
            ("language", models.PayloadSchemaType.KEYWORD),
            ("tags", models.PayloadSchemaType.KEYWORD),
            ("expires_day", models.PayloadSchemaType.INTEGER),
        ):
            self._client.create_payload_index(self._collection, field, schema)

    def count(self) -> int:
        if not self._client.collection_exists(self._collection):
            return 0
        return self._client.count(self._collection).count

    def indexed_articles(self) -> dict[str, str]:
        if not self._client.collection_exists(self._collection):
            return {}
        found: dict[str, str] = {}
        offset = None
        while True:
            points, offset = self._client.scroll(
                self._collection,
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
        while self._client.collection_exists(self._collection):
            points, offset = self._client.scroll(self._collection, limit=512, offset=offset)
            yield from (Chunk.model_validate(p.payload) for p in points)
            if offset is None:
                return

    def delete_articles(self, ids: list[str]) -> None:
        if ids and self._client.collection_exists(self._collection):
            self._client.delete(
                self._collection,
                points_selector=models.FilterSelector(
                    filter=models.Filter(
                        must=[
                            models.FieldCondition(key="article_id", match=models.MatchAny(any=ids))
                        ]
                    )
                ),
            )

    def add(self, chunks: list[Chunk], vectors: npt.NDArray[np.float32]) -> None:
        self._ensure_collection(vectors.shape[1])
        self._client.upsert(
            self._collection,
            points=[
                models.PointStruct(
                    id=c.id,
                    vector={"dense": v.tolist(), "lexical": document_vector(c.lexical_text)},
                    payload=c.model_dump(mode="json"),
                )
                for c, v in zip(chunks, vectors, strict=True)
            ],
        )

    def commit(self) -> None:
        """Qdrant applies each upsert as it arrives; nothing is held back."""

    def dense(
        self, vector: npt.NDArray[np.float32], filters: SearchFilters, today: date, limit: int
    ) -> list[Scored]:
        return self._query(vector.tolist(), "dense", filters, today, limit)

    def lexical(self, text: str, filters: SearchFilters, today: date, limit: int) -> list[Scored]:
        return self._query(query_vector(text), "lexical", filters, today, limit)

    def _query(
        self,
        query: list[float] | models.SparseVector,
        using: str,
        filters: SearchFilters,
        today: date,
        limit: int,
    ) -> list[Scored]:
        if not self._client.collection_exists(self._collection):
            return []
        points = self._client.query_points(
            self._collection, query=query, using=using, query_filter=_filter(filters, today),
            limit=limit, with_payload=True,
        ).points  # fmt: skip
        return [Scored(chunk=Chunk.model_validate(p.payload), score=p.score) for p in points]


def _filter(filters: SearchFilters, today: date) -> models.Filter:
    must: list[models.Condition] = []
    if not filters.include_internal:
        must.append(
            models.FieldCondition(key="visibility", match=models.MatchValue(value="public"))
        )
    if filters.language:
        must.append(
            models.FieldCondition(key="language", match=models.MatchValue(value=filters.language))
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
