"""RedisJSON (JSON.*) tests."""
