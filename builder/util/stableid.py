"""Stable ids derived from source keys, never from counters or clocks.

Moodle backups need numeric ids that are unique within one kind (course
module, section, context, file, question, …) and agree across the files of
one backup. We take them from a hash of the item's stable key, so that
reordering units or adding a page does not change the ids (or the bytes) of
anything else. Collisions are detected and resolved deterministically.
"""

from __future__ import annotations

import hashlib

ID_LOW = 100_000
ID_HIGH = 2**31 - 1  # fits any integer column on any database Moodle supports


class IdAllocator:
    def __init__(self, namespace: str, low: int = ID_LOW, high: int = ID_HIGH):
        self.namespace = namespace
        self.low = low
        self.span = high - low
        self._by_key: dict[tuple[str, str], int] = {}
        self._used: dict[str, set[int]] = {}

    def __call__(self, kind: str, key: str) -> int:
        return self.get(kind, key)

    def get(self, kind: str, key: str) -> int:
        k = (kind, key)
        found = self._by_key.get(k)
        if found is not None:
            return found
        used = self._used.setdefault(kind, set())
        salt = 0
        while True:
            text = f"{self.namespace}\x00{kind}\x00{key}" + (f"\x00{salt}" if salt else "")
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            value = self.low + int.from_bytes(digest[:8], "big") % self.span
            if value not in used:
                break
            salt += 1
        used.add(value)
        self._by_key[k] = value
        return value


def stable_hex(*parts: str, length: int = 32) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:length]
