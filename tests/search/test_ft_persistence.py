"""Index definitions survive a restart: FT.CREATE / FT.ALTER / FT.ALIASADD / FT.DROPINDEX are logged to
the AOF (they bump the dirty counter) and replay before or after the documents they cover."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import redis

from tests.search.helpers import ids, search
from tests.serverutil import subprocess_server


def test_indexes_survive_restart_from_aof(tmp_path: Path) -> None:
    args = ["--appendonly", "yes", "--save", "", "--dir", str(tmp_path)]
    with subprocess_server(args) as (_, port):
        r = redis.Redis(port=port)
        r.hset("d:0", mapping={"t": "before create", "v": np.array([0, 1], np.float32).tobytes()})
        r.execute_command("FT.CREATE", "idx", "PREFIX", "1", "d:", "SCHEMA", "t", "TEXT", "v", "VECTOR", "HNSW",
                          "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "L2")
        r.hset("d:1", mapping={"t": "after create", "v": np.array([1, 0], np.float32).tobytes(), "n": "7"})
        r.execute_command("FT.ALTER", "idx", "SCHEMA", "ADD", "n", "NUMERIC")
        r.execute_command("FT.ALIASADD", "al", "idx")
        r.execute_command("FT.CREATE", "gone", "SCHEMA", "t", "TEXT")
        r.execute_command("FT.DROPINDEX", "gone")
        r.close()
    with subprocess_server(args) as (_, port):
        r = redis.Redis(port=port)
        assert sorted(x.decode() for x in r.execute_command("FT._LIST")) == ["idx"]
        assert sorted(ids(r, "idx", "create", "NOCONTENT")) == ["d:0", "d:1"]
        assert ids(r, "al", "@n:[7 7]", "NOCONTENT", "DIALECT", "2") == ["d:1"]
        total, rows = search(r, "idx", "*=>[KNN 1 @v $q AS d]", "PARAMS", "2", "q",
                             np.array([1, 0.1], np.float32).tobytes(), "DIALECT", "2")
        assert total == 1 and rows[0][0] == "d:1"
        r.close()
