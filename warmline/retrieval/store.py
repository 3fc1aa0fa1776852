"""The Qdrant collection that holds the knowledge base.

Local mode (a folder on disk) is the default; the customer path always searches
with a `visibility = public` filter applied inside Qdrant, so an internal article
cannot be returned however relevant it is; chunks quarantined at ingestion as
prompt injections are excluded the same way.
"""

from pathlib import Path

from pydantic import BaseModel
from qdrant_client import QdrantClient, models

from warmline.retrieval.chunking import Chunk
from warmline.retrieval.embedder import Embedder


class Hit(BaseModel):
    chunk: Chunk
    score: float


class KnowledgeStore:
    def __init__(self, path: Path, collection: str, embedder: Embedder) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._client = QdrantClient(path=str(path))
        self._collection = collection
        self._embedder = embedder

    def close(self) -> None:
        self._client.close()

    def count(self) -> int:
        if not self._client.collection_exists(self._collection):
            return 0
        return self._client.count(self._collection).count

    def replace_all(self, chunks: list[Chunk]) -> int:
        """Rebuild the collection from `chunks`; returns how many were embedded."""
        if self._client.collection_exists(self._collection):
            self._client.delete_collection(self._collection)
        self._client.create_collection(
            self._collection,
            vectors_config=models.VectorParams(
                size=self._embedder.dimension, distance=models.Distance.COSINE
            ),
        )
        vectors = self._embedder.embed([c.embedding_text for c in chunks])
        self._client.upsert(
            self._collection,
            points=[
                models.PointStruct(id=c.id, vector=v.tolist(), payload=c.model_dump())
                for c, v in zip(chunks, vectors, strict=True)
            ],
        )
        return len(chunks)

    def search_public(self, query: str, limit: int) -> list[Hit]:
        vector = self._embedder.embed([query])[0]
        response = self._client.query_points(
            self._collection,
            query=vector.tolist(),
            query_filter=models.Filter(
                must=[
                    models.FieldCondition(key="visibility", match=models.MatchValue(value="public"))
                ],
                must_not=[
                    models.FieldCondition(key="quarantined", match=models.MatchValue(value=True))
                ],
            ),
            limit=limit,
            with_payload=True,
        )
        return [
            Hit(chunk=Chunk.model_validate(point.payload), score=float(point.score))
            for point in response.points
        ]
