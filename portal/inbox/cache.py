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

from datetime import datetime

from ..store import Store

SIZE = 256  # a few MB of rows at ~60 KB each; plenty for a team's members and their views


_store = Store(SIZE)
remembered = _store.remembered
clear = _store.clear


def team_key(team, now: datetime) -> tuple:
    """What every cached piece of a team's inbox depends on besides its own arguments. The
    team's creation time tells a rebuilt database's team 1 from the old one."""
    return (team.id, team.created_at, team.activity, int(now.timestamp() // 60))
