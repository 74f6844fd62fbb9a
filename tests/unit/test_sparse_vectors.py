"""service/sparse.py: validation, the binary encoding, and SparseMatrix scores against qdrant-client local
mode's own sparse dot product on seeded random vectors."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
from qdrant_client.http.models import SparseVector as QSparse
from qdrant_client.local.sparse import sort_sparse_vector
from qdrant_client.local.sparse_distances import sparse_dot_product

from redvector.errors import BadRequest
from redvector.service.sparse import SparseMatrix, decode, encode, parse, schema_args, spec_of


def random_json(rng: random.Random, vocab: int, most: int) -> dict[str, list]:
    indices = rng.sample(range(vocab), rng.randint(0, most))
    return {"indices": indices, "values": [rng.uniform(-2, 2) for _ in indices]}


def test_parse_sorts_and_validates() -> None:
    v = parse({"indices": [7, 2, 4294967295], "values": [1.5, -2, 0.25]}, "p")
    assert v.to_json() == {"indices": [2, 7, 4294967295], "values": [-2.0, 1.5, 0.25]}
    assert decode(encode(v)).to_json() == v.to_json()  # type: ignore[union-attr]
    assert decode(encode(parse({"indices": [], "values": []}, "p"))).to_json() == {"indices": [], "values": []}  # type: ignore[union-attr]
    assert decode(b"abc") is None
    for bad, message in (({"indices": [1, 1], "values": [1, 2]}, "unique"),
                         ({"indices": [1], "values": [1, 2]}, "same length"),
                         ({"indices": [-1], "values": [1]}, "indices[0]"),
                         ({"indices": [2**32], "values": [1]}, "indices[0]"),
                         ({"indices": [True], "values": [1]}, "indices[0]"),
                         ({"indices": [1], "values": [math.inf]}, "values[0]"),
                         ({"indices": [1], "values": [1e39]}, "values[0]"),
                         ({"indices": [1]}, "must be a sparse vector"),
                         ({"indices": "1", "values": [1]}, "must be lists")):
        with pytest.raises(BadRequest, match=re.escape(message)):
            parse(bad, "points[3].vector.text")


def test_schema_spec_round_trip() -> None:
    for idf in (False, True):
        ident, _as, attribute, kind, noindex = schema_args("text", idf)
        spec = spec_of(ident, attribute, kind.decode(), noindex == b"NOINDEX")
        assert spec is not None and (spec.name, spec.field, spec.idf) == ("text", b"sparse:text", idf)
    assert spec_of(b"sparse:text", b"other", "TAG", True) is None
    assert spec_of(b"sparse:text", b"sparse:text", "TAG", False) is None
    assert spec_of(b"sparse:text", b"sparse:text", "TEXT", True) is None


def test_scores_match_local_mode() -> None:
    rng = random.Random(5)
    stored = [parse(random_json(rng, 50, 10), "p") for _ in range(300)]
    matrix = SparseMatrix([encode(v) for v in stored])
    for _ in range(30):
        query = parse(random_json(rng, 60, 15), "q")
        scores, overlaps = matrix.scores(query)
        q = QSparse(indices=query.indices.tolist(), values=query.values.tolist())
        for i, v in enumerate(stored):
            want = sparse_dot_product(q, sort_sparse_vector(QSparse(indices=v.indices.tolist(),
                                                                     values=v.values.tolist())))
            assert overlaps[i] == (want is not None)
            if want is not None:
                assert np.float32(scores[i]) == want


def test_idf_weights() -> None:
    stored = [parse({"indices": [1, 2], "values": [1, 1]}, "p"), parse({"indices": [2], "values": [1]}, "p"),
              parse({"indices": [], "values": []}, "p")]
    weighted = SparseMatrix([encode(v) for v in stored]).idf_weighted(parse({"indices": [1, 2, 3],
                                                                             "values": [1, 1, 1]}, "q"))
    n = 3
    want = [math.log((n - df + 0.5) / (df + 0.5) + 1) for df in (1, 2, 0)]
    assert weighted.values.tolist() == pytest.approx(want, rel=1e-6)
