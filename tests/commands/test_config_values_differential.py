"""CONFIG SET of memory values and enums, against Redis Stack 7.4.1: every reply (the error texts
included) and the CONFIG GET that follows it byte for byte. Memory values are read as Redis's memtoull
reads them (digits and an optional unit, no sign or spaces, 2^64-1 past that), within each directive's
bounds (proto-max-bulk-len and client-query-buffer-limit at least 1 MB, repl-backlog-size raised to 16 kB);
maxmemory-policy lists its choices in Redis's order. Skipped when Redis Stack cannot start."""

from __future__ import annotations

import shlex

from tests.serverutil import RawClient, ThreadedServer, assert_same_raw_replies

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


# Every directive RedVector shares with Redis that a test may change (not those that move files, sockets or
# authentication), with the values a client could send: Redis's integer, memory, percent, bool and enum
# rules, each directive's bounds, error texts and what CONFIG GET shows after.
DIRECTIVES = [
    b"acllog-max-len", b"aof-load-truncated", b"aof-use-rdb-preamble", b"appendfsync", b"auto-aof-rewrite-min-size",
    b"auto-aof-rewrite-percentage", b"busy-reply-threshold", b"client-query-buffer-limit", b"hash-max-listpack-entries",
    b"hash-max-listpack-value", b"hll-sparse-max-bytes", b"hz", b"latency-monitor-threshold", b"latency-tracking",
    b"lazyfree-lazy-user-flush", b"lfu-decay-time", b"lfu-log-factor", b"list-compress-depth", b"list-max-listpack-size",
    b"loglevel", b"masteruser", b"maxclients", b"maxmemory-clients", b"maxmemory-samples", b"min-replicas-max-lag",
    b"min-replicas-to-write", b"protected-mode", b"rdbchecksum", b"rdbcompression", b"repl-backlog-ttl",
    b"repl-diskless-sync", b"repl-diskless-sync-delay", b"repl-ping-replica-period", b"repl-timeout",
    b"replica-announce-ip", b"replica-priority", b"replica-read-only", b"replica-serve-stale-data",
    b"set-max-intset-entries", b"set-max-listpack-entries", b"set-max-listpack-value", b"slowlog-log-slower-than",
    b"slowlog-max-len", b"stop-writes-on-bgsave-error", b"stream-node-max-bytes", b"stream-node-max-entries",
    b"tcp-backlog", b"tcp-keepalive", b"timeout", b"tracking-table-max-keys", b"zset-max-listpack-entries",
    b"zset-max-listpack-value", b"slave-priority", b"slave-read-only", b"lua-time-limit", b"list-max-ziplist-size",
    b"hash-max-ziplist-value",
]
NUMBERS = [b"", b"0", b"-1", b"1", b"yes", b"no", b"YES", b"No", b"true", b"abc", b"1.5", b"100", b"10%", b"0%", b"101%",
           b"-5%", b"%", b"2147483647", b"2147483648", b"-2147483648", b"-2147483649", b"4294967295", b"4294967296",
           b"9223372036854775807", b"9223372036854775808", b"-9223372036854775809", b"18446744073709551615", b" 1",
           b"1 ", b"\t1", b"+5", b"-0", b"007", b"0x10", b"1e3", b"1k", b"1mb", b"1GB", b"500", b"501", b"64", b"65",
           b"debug", b"NOTHING", b"always", b"Everysec", b"1.2.3.4"]
# restored after each value: a value both servers take (RedVector's defaults, so the shared server is as it was)
BASE = {b"hash-max-listpack-entries": b"128", b"slave-priority": b"100", b"slave-read-only": b"yes",
        b"lua-time-limit": b"5000", b"list-max-ziplist-size": b"-2", b"hash-max-ziplist-value": b"64"}


def _base(client: RawClient, name: bytes) -> bytes:
    reply = client.call([b"CONFIG", b"GET", name])
    return BASE.get(name) or reply.split(b"\r\n")[-2]  # the value, last line of a one-pair reply


def _each_value(names: list[bytes], values: list[bytes], base: dict[bytes, bytes]) -> list[list[bytes]]:
    commands: list[list[bytes]] = []
    for name in names:
        commands.append([b"CONFIG", b"SET", name, base[name]])
        for value in values:
            if name == b"maxclients" and value.isdigit() and 100000 < int(value) < 2**32:
                continue  # Redis would try to raise the open files limit that far (seconds); RedVector does not
            commands += [[b"CONFIG", b"SET", name, value], [b"CONFIG", b"GET", name],
                         [b"CONFIG", b"SET", name, base[name]]]
    return commands


def test_config_set_numbers_bools_enums_as_redis_stack(server: ThreadedServer, stack_port: int) -> None:
    ours = RawClient(server.port, 2)
    base = {name: _base(ours, name) for name in DIRECTIVES}
    ours.close()
    assert_same_raw_replies(server.port, stack_port, 2, _each_value(DIRECTIVES, NUMBERS, base), setup=[])


MULTIWORD = {
    b"notify-keyspace-events": [b"", b"KEA", b"AKE", b"Ex", b"g$lshzxetd", b"Kx", b"A", b"KEA$", b"Kn", b"AKEn", b"nA",
                                b"KEmn", b"Ktm", b"$Kn", b"xyz", b"a", b"K E", b"1"],
    b"latency-tracking-info-percentiles": [b"", b"50 99", b"0 100", b"100.1", b"-1", b"50  99", b"1e2", b"99.9999", b"abc 1",
                                           b" 1", b"1 ", b"0x10", b"inf", b"nan", b"1e-400", b"1e400", b".5", b"5.", b"+5"],
    b"client-output-buffer-limit": [b"", b"0", b"normal 1 2 3", b"pubsub 32mb 8mb 60", b"master 1 1 1", b"normal 1mb 2kb 3",
                                    b"normal 1 2", b"bogus 1 2 3", b"normal -1 1 1", b"normal 1 1 -1", b"NORMAL 1 1 1",
                                    b"Replica 1 2 3", b"normal 1 1 ", b"normal 1 1 +5", b"normal 1 1  5", b"normal  1 2 3",
                                    b"normal 1 1 4294967296", b"normal 1 1 2147483648", b"normal 1 1 0x5",
                                    b"normal 1 2 3 pubsub 4 5 6 bogus 1 1 1", b"normal 1 2 3 normal 4 5 6"],
}


def test_config_set_multiword_values_as_redis_stack(server: ThreadedServer, stack_port: int) -> None:
    ours = RawClient(server.port, 2)
    base = {name: _base(ours, name) for name in MULTIWORD}
    ours.close()
    commands: list[list[bytes]] = []
    for name, values in MULTIWORD.items():
        commands += _each_value([name], values, base)
    assert_same_raw_replies(server.port, stack_port, 2, commands, setup=[])


def test_config_set_pairs_and_names_as_redis_stack(server: ThreadedServer, stack_port: int) -> None:
    """Several pairs: all or nothing; names checked first (unknown, immutable, repeated: the first one is the
    error, named as written), then values. Names in any case; Redis's old names under their own name."""
    script = """
        CONFIG SET hz 20 timeout 5 | CONFIG GET hz | CONFIG GET timeout
        CONFIG SET hz 30 timeout -1 | CONFIG GET hz | CONFIG GET timeout
        CONFIG SET timeout 7 hz abc | CONFIG GET timeout
        CONFIG SET hz 10 hz 11 | CONFIG SET Hz 10 hZ 11 | CONFIG GET hz
        CONFIG SET replica-priority 10 slave-priority 11 | CONFIG GET replica-priority | CONFIG GET slave-priority
        CONFIG SET nosuch 1 | CONFIG SET NoSuch 1 | CONFIG SET hz 12 nosuch 1 | CONFIG SET nosuch 1 hz 13
        CONFIG SET hz 14 hz 15 nosuch 1 | CONFIG SET hz 1 nosuch 2 tcp-backlog 3
        CONFIG SET tcp-backlog 1 hz 16 | CONFIG SET TCP-BACKLOG 1 | CONFIG SET hz abc tcp-backlog 1
        CONFIG SET databases 16 | CONFIG SET daemonize no | CONFIG SET rdbchecksum yes | CONFIG SET logfile ''
        CONFIG GET hz | CONFIG SET hz 1 timeout | CONFIG SET hz
        CONFIG SET MAXMEMORY-SAMPLES 6 | CONFIG GET MAXMEMORY-SAMPLES | CONFIG GET maxmemory-samples MAXMEMORY-SAMPLES
        CONFIG GET MAXMEMORY-SAMPLES maxmemory-samples | CONFIG GET maxmemory-sample? | CONFIG GET MaxMemory-Sample*
        CONFIG SET MAXMEMORY-SAMPLES abc | CONFIG SET slave-priority abc | CONFIG SET SLAVE-READ-ONLY 1
        CONFIG GET slave-read-only | CONFIG GET SLAVE-READ-ONLY | CONFIG GET slave-read-* | CONFIG GET nosuch
        CONFIG SET maxmemory-clients 10% maxmemory-clients 5 | CONFIG SET maxmemory-clients 10% | CONFIG GET maxmemory-clients
        CONFIG SET client-output-buffer-limit 'normal 1 2 3' maxmemory-samples 0 | CONFIG GET client-output-buffer-limit
        CONFIG SET hz 10 timeout 0 replica-priority 100 maxmemory-samples 5 maxmemory-clients 0
    """
    commands = [[word.encode() for word in shlex.split(command)] for command in script.replace("\n", "|").split("|")
                if command.strip()]
    assert_same_raw_replies(server.port, stack_port, 2, commands, setup=[])
