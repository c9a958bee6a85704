"""The per-process store behind the app's caches (the inbox's rows, drawn timelines and
forms, signed CSRF tokens). Nothing in it is shared between workers, so nothing needs
invalidating across them: keys carry everything a value depends on."""

from __future__ import annotations

import threading
from collections import OrderedDict


class Store:
    """A bounded LRU, safe across threads: what a worker keeps of what it rendered."""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, object] = OrderedDict()

    def remembered(self, key: tuple, make):
        with self._lock:
            try:  # one lookup when it is there (hashing a long key is not free)
                self._items.move_to_end(key)
                return self._items[key]
            except KeyError:
                pass
        value = make()  # outside the lock: two misses at once both render, neither waits
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
