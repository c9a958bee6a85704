"""When a customer's word opens a follow-up with them, and when it is due. Pure: the
services that record ratings and survey answers ask these, and tests ask them directly.

A follow-up is the team's promise to go back to the customer: a CSAT rating of 2 or less,
or a relationship-survey answer that scores any service dimension below what the customer
expected (a negative gap: perception minus expectation), opens one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

# A rating this low or lower opens a follow-up (and tells the team's coaches at once).
LOW_RATING = 2
# Business days (Monday to Friday) the named member has to reach the customer.
DUE_BUSINESS_DAYS = 2
OUTCOME_MAX = 2000


def rating_opens_follow_up(score: int) -> bool:
    return 1 <= score <= LOW_RATING


def negative_gaps(scores: Iterable[tuple[str, int, int]]) -> list[tuple[str, int]]:
    """(dimension, gap) for each (dimension, expectation, perception) scored below what was
    expected, the widest shortfall first (then by name, so the order is stable)."""
    gaps = [(name, perception - expectation) for name, expectation, perception in scores]
    return sorted(((n, g) for n, g in gaps if g < 0), key=lambda item: (item[1], item[0]))


def response_opens_follow_up(scores: Iterable[tuple[str, int, int]]) -> bool:
    return bool(negative_gaps(scores))


def due_on(opened: date, business_days: int = DUE_BUSINESS_DAYS) -> date:
    """The day a follow-up opened on `opened` (the team's local day) is due: that many
    weekdays later. Opened on a Saturday or Sunday, the count starts on Monday."""
    day, left = opened, business_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def clean_outcome(text: str | None) -> str | None:
    """The outcome as it will be kept, or None when there is none to keep (a follow-up is
    only closed with what came of it)."""
    text = (text or "").strip()
    return text[:OUTCOME_MAX] if text else None
