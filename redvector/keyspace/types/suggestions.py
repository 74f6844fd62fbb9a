"""SuggestionTrie: the value of an FT.SUGADD key (RediSearch's module type ``trietype0``).

A radix tree of entries (text, score, payload) kept the way RediSearch's trie keeps them, because the
order in which FT.SUGGET meets entries decides the order of equal scores: a new child goes after its
siblings, except that splitting a node leaves its two children in byte order. Scores are float32
(RediSearch stores ``float``); an entry with score 0, empty text or over 255 characters is never added; deleting the last entry
leaves an empty trie in place (the key stays, as in Redis Stack).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

_F32 = struct.Struct("<f")
MAX_TEXT_LEN = 255  # longer entries are not added (RediSearch's trie limit, in characters)


def f32(value: float) -> float:
    """``value`` rounded to a C float (infinities kept)."""
    try:
        return float(_F32.unpack(_F32.pack(value))[0])
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


class SugNode:
    __slots__ = ("children", "label", "payload", "score", "terminal")

    def __init__(self, label: str, terminal: bool = False, score: float = 0.0, payload: bytes | None = None) -> None:
        self.label = label
        self.children: list[SugNode] = []
        self.terminal = terminal
        self.score = score
        self.payload = payload


def _common(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class SuggestionTrie:
    """Entries of one suggestion dictionary. ``size`` is FT.SUGLEN."""

    __slots__ = ("root", "size")

    def __init__(self) -> None:
        self.root = SugNode("")
        self.size = 0

    def add(self, text: str, score: float, incr: bool = False, payload: bytes | None = None) -> int:
        """Insert or update; 1 if a new entry was created. Payload replaced only when given (non-empty)."""
        if score == 0 or not text or len(text) > MAX_TEXT_LEN:
            return 0
        score = f32(score)
        payload = payload or None
        node, rest = self.root, text
        while True:
            index, child = next(((i, c) for i, c in enumerate(node.children) if c.label[0] == rest[0]), (-1, None))
            if child is None:
                node.children.append(SugNode(rest, True, score, payload))
                self.size += 1
                return 1
            common = _common(child.label, rest)
            if common < len(child.label):
                mid = SugNode(child.label[:common])
                child.label = child.label[common:]
                if common == len(rest):
                    mid.terminal, mid.score, mid.payload = True, score, payload
                    mid.children = [child]
                else:
                    leaf = SugNode(rest[common:], True, score, payload)
                    mid.children = sorted([child, leaf], key=lambda n: n.label.encode())
                node.children[index] = mid
                self.size += 1
                return 1
            rest = rest[common:]
            if not rest:
                created = not child.terminal
                child.score = f32(child.score + score) if incr and child.terminal else score
                if payload is not None:
                    child.payload = payload
                child.terminal = True
                self.size += created
                return int(created)
            node = child

    def _path(self, text: str) -> list[SugNode] | None:
        """The nodes from the root to the one spelling ``text`` exactly (None: no such node)."""
        path = [self.root]
        node, rest = self.root, text
        while rest:
            child = next((c for c in node.children if c.label[0] == rest[0]), None)
            if child is None or not rest.startswith(child.label):
                return None
            rest = rest[len(child.label):]
            node = child
            path.append(node)
        return path

    def delete(self, text: str) -> bool:
        path = self._path(text)
        if path is None or len(path) == 1 or not path[-1].terminal:  # absent, or the root
            return False
        node = path[-1]
        node.terminal, node.score, node.payload = False, 0.0, None
        self.size -= 1
        for parent in reversed(path[:-1]):  # drop empty leaves, merge single-child links
            kept: list[SugNode] = []
            for c in parent.children:
                if not c.terminal and not c.children:
                    continue
                if not c.terminal and len(c.children) == 1:
                    only = c.children[0]
                    only.label = c.label + only.label
                    c = only
                kept.append(c)
            parent.children = kept
        return True

    def get(self, text: str) -> SugNode | None:
        path = self._path(text)
        return path[-1] if path is not None and path[-1].terminal else None

    def entries(self) -> Iterator[tuple[str, float, bytes | None]]:
        """Every entry in the trie's iteration order (depth first, a node before its children)."""
        stack: list[tuple[SugNode, str]] = [(self.root, "")]
        while stack:
            node, prefix = stack.pop()
            text = prefix + node.label
            if node.terminal:
                yield text, node.score, node.payload
            stack.extend((c, text) for c in reversed(node.children))
