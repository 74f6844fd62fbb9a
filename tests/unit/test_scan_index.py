"""KeyOrder (the SCAN index): full iterations under concurrent inserts and deletes, no socket."""

from __future__ import annotations

import random

from redvector.keyspace.scan_index import KeyOrder, parse_cursor


def full_scan(order: KeyOrder, count: int, between: object = None) -> list[bytes]:
    seen: list[bytes] = []
    cursor = 0
    while True:
        keys, cursor = order.scan(cursor, count)
        seen += keys
        if callable(between):
            between()
        if cursor == 0:
            return seen


def test_add_discard_contains() -> None:
    order = KeyOrder()
    keys = [b"k%d" % i for i in range(5000)]
    for k in keys:
        order.add(k)
    assert len(order) == 5000
    assert all(k in order for k in keys[::97])
    assert b"nope" not in order
    for k in keys[::2]:
        assert order.discard(k)
    assert not order.discard(b"k0")
    assert len(order) == 2500
    assert sorted(full_scan(order, 10)) == sorted(keys[1::2])


def test_scan_batches_are_bounded_by_count() -> None:
    order = KeyOrder()
    for i in range(3000):
        order.add(b"key:%d" % i)
    keys, cursor = order.scan(0, 7)
    assert 7 <= len(keys) <= 8 and cursor != 0
    assert len(full_scan(order, 1)) == 3000


def test_full_iteration_with_concurrent_changes() -> None:
    rng = random.Random(7)
    order = KeyOrder()
    live: set[bytes] = set()
    for i in range(4000):
        k = b"s%d" % i
        order.add(k)
        live.add(k)
    stable = set(rng.sample(sorted(live), 1000))  # never touched during the scan
    churn = sorted(live - stable)
    counter = [10_000]

    def mutate() -> None:
        for _ in range(20):
            if rng.random() < 0.5 and churn:
                k = churn.pop(rng.randrange(len(churn)))
                order.discard(k)
            else:
                counter[0] += 1
                k = b"n%d" % counter[0]
                order.add(k)
                churn.append(k)

    seen = full_scan(order, 13, mutate)
    assert stable <= set(seen)


def test_random_key_and_cursor_parsing() -> None:
    order = KeyOrder()
    assert order.random_key() is None
    order.add(b"only")
    assert order.random_key() == b"only"
    assert parse_cursor(b"0") == 0
    assert parse_cursor(b"18446744073709551615") == 2**64 - 1
    assert parse_cursor(b"-1") == 2**64 - 1
    for bad in (b"x", b"18446744073709551616", b"+1", b" 1", b""):
        assert parse_cursor(bad) is None
