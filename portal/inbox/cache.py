"""What the inbox rendered, kept per worker for as long as nothing in the team changes.

A team's members keep the inbox open and reload or filter it all day; between two changes
to the team's requests, every such load rebuilt the same rows and counts. Keys carry the
team's `activity` number (portal/requests/activity.py), which moves in the same
transaction as any change, so a stale entry is never looked up again. They also carry the
minute, because the service clocks and "3 min ago" texts move with time. Rows are the same
for every reader of a team's inbox (each sees all of the team's requests) except in the
views that are a person's own (Mine, Handoffs for me), whose keys carry the reader's id, as
the view counts' do.

The store is a small LRU in each process: nothing is shared, so nothing can leak between
workers or need invalidating, and a restart simply starts cold.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

SIZE = 256  # a few MB of rows at ~60 KB each; plenty for a team's members and their views


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


_store = Store(SIZE)
remembered = _store.remembered
clear = _store.clear


def team_key(team, now: datetime) -> tuple:
    """What every cached piece of a team's inbox depends on besides its own arguments. The
    team's creation time tells a rebuilt database's team 1 from the old one."""
    return (team.id, team.created_at, team.activity, int(now.timestamp() // 60))
