"""Redis's RDB format: a writer (version 10, loadable by Redis 7.0+) and a reader for Redis 7.x dumps."""

from __future__ import annotations

from redvector.persistence.rdb.reader import RdbError, RdbReader, load_rdb
from redvector.persistence.rdb.writer import RdbWriter, dump_keyspace

__all__ = ["RdbError", "RdbReader", "RdbWriter", "dump_keyspace", "load_rdb"]
