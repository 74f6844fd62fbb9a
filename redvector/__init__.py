"""RedVector: an in-memory vector database speaking Redis, RediSearch, REST/Qdrant and gRPC."""

__version__ = "0.1.0"
# The Redis version we present to clients (INFO redis_version, HELLO): Redis 7.x semantics.
REDIS_COMPAT_VERSION = "7.4.1"
