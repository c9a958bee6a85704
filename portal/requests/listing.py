"""Which requests the team's lists show at all: the open ones, and the resolved ones for
`RECENTLY` after. The inbox's views and the activity count (an edit nobody can see moves
nothing) both ask here, so the window is written once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..models.request import OPEN_STATUSES

RECENTLY = timedelta(days=14)


def shown(status: str, resolved_at: datetime | None, now: datetime) -> bool:
    """Whether a request in this state is in some view (Handoffs for me aside): open, or
    resolved within the Recently resolved window."""
    if status in OPEN_STATUSES:
        return True
    return resolved_at is not None and resolved_at >= now - RECENTLY
