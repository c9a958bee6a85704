"""Keyset pages: each page asks for one row more than it shows, and the extra row's presence
is the `next` link, which carries the last id shown as its cursor."""

from __future__ import annotations

from flask import url_for


def page(rows: list, limit: int, endpoint: str, **args) -> tuple[list, str | None]:
    more = len(rows) > limit
    rows = rows[:limit]
    if not more:
        return rows, None
    args = {k: v for k, v in args.items() if v is not None}
    return rows, url_for(endpoint, **args, limit=limit, after=rows[-1].id)
