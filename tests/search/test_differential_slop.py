"""SLOP and INORDER over intersections with clauses that have no positions, against Redis Stack 7.4.1.

RediSearch checks an intersection's positions over the children that can have them. A single tag (or a
single numeric range leaf) takes no part: a word with it alone never passes SLOP (one list: min == max)
and always passes INORDER. A union without positions (several tag values, a tag pattern standing for
several tags, an OR of tag clauses) is an aggregate result whose offsets read EOF at once: it lets every
document pass SLOP and none pass INORDER. INKEYS joins an intersection's clauses, and otherwise intersects
the query with the keys' id list under the query's SLOP / INORDER, so a lone word or union there never
passes SLOP. The same documents and queries on both servers, the matching ids compared; skipped when Redis
Stack cannot start."""

from __future__ import annotations

import random
from typing import Any

import redis

from tests.search.test_differential import _call
from tests.serverutil import ThreadedServer

WORDS = ["kiwi", "lemon", "mango", "fig", "grape", "honey", "jam", "ice"]
TAGS = ["red", "green", "blue", "dark red", "x"]
QUERIES = ["kiwi @g:{blue}", "kiwi @g:{blue|green}", "@g:{blue|green} kiwi", "kiwi lemon @g:{blue|green}",
           "kiwi @g:{bl*}", "kiwi @g:{*e*}", "kiwi (@g:{blue} | @g:{green})", "kiwi lemon @g:{blue}",
           "@g:{blue|green} @g:{red|x}", "kiwi @g:{blue|green} @g:{red|x}", "kiwi lemon", "kiwi -@g:{blue|red}"]
OPTIONS = [("SLOP", "0"), ("SLOP", "2"), ("INORDER",), ("SLOP", "2", "INORDER")]


def _ids(reply: Any) -> Any:
    return reply if isinstance(reply, str) else [reply[0], *sorted(reply[1:])]


INKEYS_QUERIES = ["kiwi", "kiwi | lemon", "@g:{blue}", "@g:{blue|green}", "kiwi lemon", "kiwi @g:{blue}", "*",
                  "-kiwi", "kiwi -lemon", "\"kiwi lemon\"", "(kiwi lemon)=>{$slop: 0}", "ki*"]


def _load(clients: tuple[redis.Redis, ...]) -> None:
    rng = random.Random(17)
    docs = [{"t": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 7))),
             "g": ",".join(rng.sample(TAGS, rng.randint(1, 3)))} for _ in range(300)]
    for c in clients:
        c.flushall()
        c.execute_command("FT.CREATE", "sl", "ON", "HASH", "PREFIX", "1", "sl:", "SCHEMA", "t", "TEXT", "NOSTEM",
                          "g", "TAG")
        pipe = c.pipeline(transaction=False)
        for i, doc in enumerate(docs):
            pipe.hset(f"sl:{i}", mapping=doc)
        pipe.execute()


def test_slop_and_inorder_with_inkeys_match_redis_stack(stack_port: int, server: ThreadedServer) -> None:
    ref, ours = redis.Redis(port=stack_port, protocol=2), redis.Redis(port=server.port, protocol=2)
    keys = [f"sl:{i}" for i in range(0, 300, 3)]
    try:
        _load((ref, ours))
        for query in INKEYS_QUERIES:
            for options in [(), *OPTIONS]:
                args = ("FT.SEARCH", "sl", query, "NOCONTENT", "INKEYS", str(len(keys)), *keys, *options, "LIMIT", "0",
                        "300", "DIALECT", "2")
                assert _ids(_call(ours, args)) == _ids(_call(ref, args)), (query, options)
    finally:
        ref.close()
        ours.close()


def test_slop_and_inorder_with_tag_clauses_match_redis_stack(stack_port: int, server: ThreadedServer) -> None:
    ref, ours = redis.Redis(port=stack_port, protocol=2), redis.Redis(port=server.port, protocol=2)
    try:
        _load((ref, ours))
        for query in QUERIES:
            for options in [(), *OPTIONS]:
                args = ("FT.SEARCH", "sl", query, "NOCONTENT", *options, "LIMIT", "0", "300", "DIALECT", "2")
                assert _ids(_call(ours, args)) == _ids(_call(ref, args)), (query, options)
    finally:
        ref.close()
        ours.close()
