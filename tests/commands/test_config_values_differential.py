"""CONFIG SET of memory values and enums, against Redis Stack 7.4.1: every reply (the error texts
included) and the CONFIG GET that follows it byte for byte. Memory values are read as Redis's memtoull
reads them (digits and an optional unit, no sign or spaces, 2^64-1 past that), within each directive's
bounds (proto-max-bulk-len and client-query-buffer-limit at least 1 MB, repl-backlog-size raised to 16 kB);
maxmemory-policy lists its choices in Redis's order. Skipped when Redis Stack cannot start."""

from __future__ import annotations

from tests.serverutil import ThreadedServer, assert_same_raw_replies

PARAMETERS = [b"maxmemory", b"maxmemory-policy", b"proto-max-bulk-len", b"client-query-buffer-limit", b"repl-backlog-size"]
VALUES = [b"", b"0", b"-1", b"1", b"1gb", b"1GB", b"10k", b"1.5", b"abc", b"1b", b"1B", b"allkeys-lru", b"noeviction",
          b"ALLKEYS-LFU", b"100000000000000000000", b"18446744073709551615", b"18446744073709551616", b"20000000000gb", b"-5",
          b"0x10", b"1e3", b" 1", b"1 ", b"512mb", b"1mb", b"1kb", b"2g"]
RESTORE = {b"maxmemory": b"0", b"maxmemory-policy": b"noeviction", b"proto-max-bulk-len": b"512mb",
           b"client-query-buffer-limit": b"1gb", b"repl-backlog-size": b"1mb"}


def test_config_set_memory_values_and_enums_as_redis_stack(server: ThreadedServer, stack_port: int) -> None:
    commands: list[list[bytes]] = []
    for name in PARAMETERS:
        for value in VALUES:
            commands += [[b"CONFIG", b"SET", name, value], [b"CONFIG", b"GET", name]]
        commands.append([b"CONFIG", b"SET", name, RESTORE[name]])
    assert_same_raw_replies(server.port, stack_port, 2, commands, setup=[])
