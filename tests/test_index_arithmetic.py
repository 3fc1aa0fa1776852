"""The embedded index's two hot loops give what the plain formulas give: the lexical score
of every chunk is scipy's sparse product over the query's columns, and the scan's distance
is the count of differing sign bits. (The sample-set parity with Qdrant is in
test_retrieval_index.py; the sample is too small to reach the scan.)"""

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from warmline.retrieval.local_index import _column_sum, _hamming, _signs


def test_lexical_scores_equal_the_sparse_product_over_the_query_columns() -> None:
    rng = np.random.default_rng(3)
    matrix = sp.random_array((500, 80), density=0.1, format="csc", dtype=np.float32, rng=rng)
    weights = rng.random(80)
    columns = np.array([2, 17, 40, 79])
    expected = np.asarray(matrix[:, columns] @ weights[columns], dtype=np.float64)
    assert np.array_equal(_column_sum(matrix, columns, weights), expected)


def test_scan_distance_counts_the_differing_sign_bits() -> None:
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((300, 384)).astype(np.float32)
    query = rng.standard_normal(384).astype(np.float32)
    words = np.ascontiguousarray(_signs(vectors).T)
    expected = ((vectors > 0) != (query > 0)).sum(axis=1)
    assert np.array_equal(_hamming(words, _signs(query)), expected)
