"""A large read-only string map kept as two strings and two offset arrays, found by bisection.

The gazetteer has ~47,000 names. As a dict of tuples it cost the daemon ~14 MB of Python
objects for the whole of its life; packed, the same table is ~2 MB, and a lookup is a
bisection over the sorted keys (a few microseconds).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable


class _Keys:
    """The sorted keys as a sequence for ``bisect`` (built on demand from the packed string)."""

    __slots__ = ("_text", "_ends")

    def __init__(self, text: str, ends: array) -> None:
        self._text = text
        self._ends = ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        start = self._ends[i - 1] if i else 0
        return self._text[start:self._ends[i]]


class PackedMap:
    """``key -> value`` for string keys and values, read-only, with ``get`` and ``in``."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        pairs = sorted(dict(items).items())  # a later duplicate key wins, as in a dict
        self._keys = _Keys("".join(k for k, _ in pairs), _ends(k for k, _ in pairs))
        self._values = _Keys("".join(v for _, v in pairs), _ends(v for _, v in pairs))

    def __len__(self) -> int:
        return len(self._keys)

    def _index(self, key: str) -> int:
        i = bisect_left(self._keys, key)
        return i if i < len(self._keys) and self._keys[i] == key else -1

    def get(self, key: str, default: str | None = None) -> str | None:
        i = self._index(key)
        return self._values[i] if i >= 0 else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._index(key) >= 0


def _ends(strings: Iterable[str]) -> array:
    ends = array("I")
    total = 0
    for s in strings:
        total += len(s)
        ends.append(total)
    return ends
