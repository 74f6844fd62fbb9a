"""RedisVL and langchain-redis workflows against a real RedVector (documents written with HSET, or with
JSON.SET for their JSON storage)."""

from __future__ import annotations

import numpy as np
import pytest
import redis

from tests.serverutil import ThreadedServer

DIM = 4


@pytest.fixture
def url(server: ThreadedServer) -> str:
    r = redis.Redis(port=server.port)
    r.flushall()
    r.close()
    return f"redis://127.0.0.1:{server.port}"


def test_redisvl_workflow(url: str) -> None:
    pytest.importorskip("redisvl")
    from redisvl.index import SearchIndex
    from redisvl.query import CountQuery, FilterQuery, RangeQuery, VectorQuery
    from redisvl.query.filter import Num, Tag, Text

    schema = {
        "index": {"name": "rvl", "prefix": "doc", "storage_type": "hash"},
        "fields": [
            {"name": "content", "type": "text"},
            {"name": "genre", "type": "tag"},
            {"name": "year", "type": "numeric"},
            {"name": "embedding", "type": "vector",
             "attrs": {"dims": DIM, "algorithm": "hnsw", "distance_metric": "cosine", "datatype": "float32"}},
        ],
    }
    index = SearchIndex.from_dict(schema, redis_url=url)
    index.create(overwrite=True, drop=True)
    assert index.exists()
    rng = np.random.default_rng(5)
    vecs = rng.normal(size=(12, DIM)).astype(np.float32)
    data = [{"id": str(i), "content": f"story number {i} about {'cats' if i % 2 else 'dogs'}",
             "genre": ["drama", "comedy", "horror"][i % 3], "year": 2000 + i,
             "embedding": vecs[i].tobytes()} for i in range(12)]
    keys = index.load(data, id_field="id")
    assert len(keys) == 12
    q = vecs[4] + 0.001
    res = index.query(VectorQuery(vector=q.tolist(), vector_field_name="embedding",
                                  return_fields=["content", "genre", "year"], num_results=3))
    cos = 1 - (vecs @ q) / (np.linalg.norm(vecs, axis=1) * np.linalg.norm(q))
    assert [r["id"] for r in res] == [f"doc:{i}" for i in np.argsort(cos)[:3]]
    assert float(res[0]["vector_distance"]) == pytest.approx(cos[4], abs=1e-5)
    res = index.query(VectorQuery(vector=q.tolist(), vector_field_name="embedding", return_fields=["genre", "year"],
                                  filter_expression=(Tag("genre") == "comedy") & (Num("year") > 2003),
                                  num_results=5))
    assert res and all(r["genre"] == "comedy" and int(r["year"]) > 2003 for r in res)
    res = index.query(RangeQuery(vector=q.tolist(), vector_field_name="embedding", return_fields=["content"],
                                 distance_threshold=float(np.sort(cos)[2]) + 1e-6, num_results=20))
    assert len(res) == 3
    res = index.query(FilterQuery(filter_expression=Text("content") % "cats", return_fields=["content"],
                                  num_results=20))
    assert len(res) == 6
    assert index.query(CountQuery(filter_expression=Tag("genre") == "horror")) == 4
    pages = [len(batch) for batch in index.paginate(FilterQuery(filter_expression=Num("year") >= 2000,
                                                                return_fields=["year"]), page_size=5)]
    assert pages == [5, 5, 2]
    info = index.info()
    assert info["num_docs"] == 12
    rebuilt = SearchIndex.from_existing("rvl", redis_url=url)
    assert rebuilt.schema.fields["embedding"].attrs.dims == DIM
    assert index.clear() == 12
    assert index.query(CountQuery(filter_expression="*")) == 0
    index.delete(drop=True)
    assert not index.exists()


class FakeEmbeddings:
    """Deterministic embeddings: character statistics of the text (no model downloads)."""

    def _embed(self, text: str) -> list[float]:
        t = text.lower()
        v = np.array([t.count("a") + 1, t.count("e") + 1, t.count("o") + 1, len(t) / 10], dtype=np.float64)
        return (v / np.linalg.norm(v)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


@pytest.mark.parametrize("storage", ["hash", "json"])
def test_langchain_vector_store(url: str, storage: str) -> None:
    pytest.importorskip("langchain_redis")
    from langchain_core.embeddings import Embeddings
    from langchain_redis import RedisConfig, RedisVectorStore

    class Emb(FakeEmbeddings, Embeddings):
        pass

    config = RedisConfig(index_name="lcidx", redis_url=url, metadata_schema=[{"name": "color", "type": "tag"}],
                         storage_type=storage)
    texts = ["banana bread", "orange sorbet", "apple pie", "eel soup"]
    metadatas = [{"color": "yellow"}, {"color": "orange"}, {"color": "red"}, {"color": "grey"}]
    store = RedisVectorStore.from_texts(texts, Emb(), metadatas=metadatas, config=config)
    docs = store.similarity_search("banana bread", k=2)
    assert docs[0].page_content == "banana bread"
    from redisvl.query.filter import Tag
    filtered = store.similarity_search("banana bread", k=2, filter=Tag("color") == "red")
    assert [d.page_content for d in filtered] == ["apple pie"]
    scored = store.similarity_search_with_score("orange sorbet", k=1)
    assert scored[0][0].page_content == "orange sorbet" and scored[0][1] == pytest.approx(0, abs=1e-5)
    ids = store.add_texts(["grape juice"], metadatas=[{"color": "purple"}])
    assert store.delete(ids)
    assert all(d.page_content != "grape juice" for d in store.similarity_search("grape juice", k=5))
