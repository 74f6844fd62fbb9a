"""Numbers for values that come and go (a text index's words, a TAG field's values), so numpy arrays can
index by them: the value -> number dict and the number -> value list, a released number given to the next
new value, so the numbers stay about as many as the values in use."""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K", str, bytes)


class Numbering(Generic[K]):
    __slots__ = ("_blank", "free", "numbers", "values")

    def __init__(self, blank: K) -> None:
        self.numbers: dict[K, int] = {}  # value -> number
        self.values: list[K] = []  # number -> value (``blank`` for a released number)
        self.free: list[int] = []  # released numbers, handed out again
        self._blank: K = blank

    def __len__(self) -> int:
        return len(self.numbers)

    def number(self, value: K) -> int:
        """``value``'s number, a new one (a released one first) when it has none."""
        n = self.numbers.get(value)
        if n is None:
            if self.free:
                n = self.free.pop()
                self.values[n] = value
            else:
                n = len(self.values)
                self.values.append(value)
            self.numbers[value] = n
        return n

    def release(self, value: K) -> None:
        """``value`` is no longer in use: its number goes back."""
        n = self.numbers.pop(value)
        self.values[n] = self._blank
        self.free.append(n)
