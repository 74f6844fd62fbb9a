"""Differential through the libraries' higher-level helpers, against Redis Stack 7.4 with RedisJSON:
RedisVL's SemanticCache (filters, update, drop, TTL, clear), EmbeddingsCache, MessageHistory,
SemanticMessageHistory and SemanticRouter, and langchain-redis's RedisVectorStore (similarity, filters,
MMR, delete, retriever), RedisCache, RedisSemanticCache and RedisChatMessageHistory. Each scenario runs on
both servers with a deterministic hashing embedder (no model download) and what the user gets back must be
the same. Skipped without the libraries or Redis Stack."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import redis

from tests.serverutil import ThreadedServer

DIM = 16


def embed(text: str, **_: Any) -> list[float]:
    """Words hashed into a unit vector: texts sharing words are near, others far."""
    v = np.zeros(DIM, dtype=np.float32)
    for w in text.lower().split():
        h = int(hashlib.md5(w.encode()).hexdigest(), 16)
        v[h % DIM] += 1.0
        v[(h >> 8) % DIM] += 0.5
    return (v / (np.linalg.norm(v) or 1.0)).tolist()


class Steps:
    """Each step's result, or its exception's type and text (a failure must fail alike on both)."""

    def __init__(self) -> None:
        self.out: dict[str, Any] = {}

    def __call__(self, name: str, fn: Callable[[], Any]) -> None:
        try:
            self.out[name] = fn()
        except Exception as exc:
            self.out[name] = f"{type(exc).__name__}: {exc}"


def redisvl_scenario(url: str) -> dict[str, Any]:
    pytest.importorskip("redisvl")
    from redisvl.extensions.cache.embeddings import EmbeddingsCache
    from redisvl.extensions.cache.llm import SemanticCache
    from redisvl.extensions.message_history import MessageHistory, SemanticMessageHistory
    from redisvl.extensions.router import Route, SemanticRouter
    from redisvl.query.filter import Num, Tag
    from redisvl.utils.vectorize import CustomTextVectorizer

    redis.Redis.from_url(url).flushall()
    vec = CustomTextVectorizer(embed=embed, embed_many=lambda texts, **_: [embed(t) for t in texts])
    step = Steps()
    cache = SemanticCache(name="llmcache", distance_threshold=0.3, vectorizer=vec, redis_url=url, overwrite=True,
                          filterable_fields=[{"name": "user", "type": "tag"}, {"name": "n", "type": "numeric"}])
    prompts = ["what is the capital of france", "how tall is everest", "who wrote hamlet", "capital city of france please"]
    for i, p in enumerate(prompts):
        cache.store(prompt=p, response=p.upper(), metadata={"k": i}, filters={"user": f"u{i % 2}", "n": i})
    step("check", lambda: [(x["prompt"], x["response"], round(float(x["vector_distance"]), 4), x.get("metadata"),
                            x.get("user")) for x in cache.check(prompt=prompts[0], num_results=3)])
    step("tag filter", lambda: [x["prompt"] for x in cache.check(prompt="capital of france", num_results=3,
                                                                  filter_expression=Tag("user") == "u1",
                                                                  distance_threshold=0.9)])
    step("numeric filter", lambda: [x["prompt"] for x in cache.check(prompt="capital of france", num_results=3,
                                                                      filter_expression=Num("n") > 1,
                                                                      distance_threshold=0.9)])
    step("fields", lambda: cache.check(prompt="who wrote hamlet", return_fields=["prompt", "response"]))
    key = cache.check(prompt="who wrote hamlet")[0]["key"]
    cache.update(key, metadata={"x": 1})
    step("update", lambda: [(x["response"], x.get("metadata")) for x in cache.check(prompt="who wrote hamlet")])
    cache.drop(ids=[cache.check(prompt="how tall is everest")[0]["entry_id"]])
    step("drop", lambda: [x["prompt"] for x in cache.check(prompt="how tall is everest", distance_threshold=0.99,
                                                           num_results=5)])
    short = SemanticCache(name="ttlcache", distance_threshold=0.3, vectorizer=vec, redis_url=url, ttl=1, overwrite=True)
    short.store("hello world", "hi")
    step("ttl before", lambda: len(short.check("hello world")))
    time.sleep(1.6)
    step("ttl after", lambda: len(short.check("hello world")))
    cache.clear()
    step("clear", lambda: cache.check(prompt="who wrote hamlet"))

    ec = EmbeddingsCache(name="embedcache", redis_url=url, ttl=100)
    ec.set(content="hello", model_name="m", embedding=[0.1, 0.2], metadata={"a": 1})
    step("embeddings", lambda: ({k: v for k, v in (ec.get(content="hello", model_name="m") or {}).items()
                                 if k != "inserted_at"}, ec.exists(content="hello", model_name="m"),
                                [m is not None for m in ec.mget(contents=["hello", "nope"], model_name="m")]))
    ec.drop(content="hello", model_name="m")
    step("embeddings dropped", lambda: ec.exists(content="hello", model_name="m"))

    history = MessageHistory(name="mh", redis_url=url)
    history.add_messages([{"role": "user", "content": "hi there"}, {"role": "llm", "content": "hello!"},
                          {"role": "user", "content": "tell me a joke"}])
    history.store("what is 2+2", "4")
    step("recent", lambda: history.get_recent(top_k=3))
    step("raw", lambda: [(m["role"], m["content"]) for m in history.get_recent(top_k=10, raw=True)])
    history.drop()
    step("after drop", lambda: (history.get_recent(top_k=10), history.messages))
    semantic = SemanticMessageHistory(name="smh", redis_url=url, vectorizer=vec, distance_threshold=0.9, overwrite=True)
    semantic.add_messages([{"role": "user", "content": "what is the capital of france"},
                           {"role": "llm", "content": "paris is the capital"},
                           {"role": "user", "content": "how tall is everest"}, {"role": "llm", "content": "8849 meters"}])
    step("relevant", lambda: (semantic.get_relevant("capital of france", top_k=2), semantic.get_recent(top_k=2)))

    router = SemanticRouter(name="router", vectorizer=vec, redis_url=url, overwrite=True, routes=[
        Route(name="greeting", references=["hello", "hi there", "good morning"], distance_threshold=0.8),
        Route(name="farewell", references=["bye", "goodbye", "see you later"], distance_threshold=0.8)])
    step("route", lambda: [router("hello there").name, router("goodbye friend").name, router("quantum physics").name,
                           [m.name for m in router.route_many("good bye", max_k=2)]])
    step("references", lambda: sorted(r["reference"] for r in router.get_route_references(route_name="greeting")))
    return step.out


def langchain_scenario(url: str) -> dict[str, Any]:
    pytest.importorskip("langchain_redis")
    from langchain_core.embeddings import Embeddings
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_core.outputs import Generation
    from langchain_redis import (
        RedisCache,
        RedisChatMessageHistory,
        RedisConfig,
        RedisSemanticCache,
        RedisVectorStore,
    )
    from redisvl.query.filter import Num, Tag

    class Hashing(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [embed(t) for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return embed(text)

    redis.Redis.from_url(url).flushall()
    step = Steps()
    config = RedisConfig(index_name="lc", redis_url=url,
                         metadata_schema=[{"name": "genre", "type": "tag"}, {"name": "year", "type": "numeric"}])
    store = RedisVectorStore(Hashing(), config=config)
    texts = ["the quick brown fox", "a lazy dog sleeps", "foxes are quick animals", "dogs bark loudly",
             "brown bears eat fish"]
    store.add_texts(texts, [{"genre": "a" if i % 2 else "b", "year": 2000 + i} for i in range(5)],
                    keys=[f"k{i}" for i in range(5)])
    step("similar", lambda: [(d.page_content, d.metadata.get("genre")) for d in store.similarity_search("quick fox", k=3)])
    step("scores", lambda: [(d.page_content, round(s, 4)) for d, s in store.similarity_search_with_score("quick fox", k=3)])
    step("tag filter", lambda: [d.page_content for d in store.similarity_search("quick fox", k=3,
                                                                                 filter=Tag("genre") == "a")])
    step("numeric filter", lambda: [d.page_content for d in store.similarity_search("quick fox", k=5,
                                                                                     filter=Num("year") >= 2003)])
    step("mmr", lambda: [d.page_content for d in store.max_marginal_relevance_search("quick fox", k=2, fetch_k=4)])
    store.delete(["k1"])
    step("deleted", lambda: [d.page_content for d in store.similarity_search("lazy dog", k=5)])
    step("retriever", lambda: [d.page_content for d in store.as_retriever(search_kwargs={"k": 2}).invoke("brown")])
    cache = RedisCache(redis_url=url, ttl=100)
    cache.update("p", "llm", [Generation(text="hi")])
    step("cache", lambda: [g.text for g in cache.lookup("p", "llm") or []])
    cache.clear()
    step("cache cleared", lambda: cache.lookup("p", "llm"))
    semantic = RedisSemanticCache(embeddings=Hashing(), redis_url=url, distance_threshold=0.2)
    semantic.update("what is fox", "llm", [Generation(text="animal")])
    step("semantic cache", lambda: ([g.text for g in semantic.lookup("what is fox", "llm") or []],
                                    semantic.lookup("zebra stripes", "llm")))
    history = RedisChatMessageHistory(session_id="s1", redis_url=url)
    history.add_messages([HumanMessage(content="hi"), AIMessage(content="hello")])
    step("history", lambda: [(m.type, m.content) for m in history.messages])
    step("search history", lambda: history.search_messages("hi"))
    history.clear()
    step("history cleared", lambda: history.messages)
    return step.out


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("scenario", [redisvl_scenario, langchain_scenario], ids=["redisvl", "langchain"])
def test_same_results(stack_port: int, server: ThreadedServer, scenario: Callable[[str], dict[str, Any]]) -> None:
    expected = scenario(f"redis://127.0.0.1:{stack_port}")
    got = scenario(f"redis://127.0.0.1:{server.port}")
    assert not any(isinstance(v, str) and "Error" in v for v in expected.values()), expected
    for name, value in expected.items():
        assert got[name] == value, name
