"""The old name of a cache region, for the form-drawing code (portal/forms.py's signed
tokens, portal/inbox/drawn_forms.py) until it is replaced: each store is an unstamped region
of portal/caching.py (its keys are the values drawn from), so `caching.clear()` empties it."""

from __future__ import annotations

from .caching import Region


class Store(Region):
    def __init__(self, size: int):
        super().__init__("store", size, ("key",), stamped=False)

    def remembered(self, key: tuple, make):
        return self.get(make, key=key)
