"""The keyspace: databases of typed values with expiry. No RESP, no asyncio, no clients, no wall clock."""
