"""Moments in the words a busy person scans: "4 min ago", "yesterday", "12 Mar"."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def exact(moment: datetime, zone: tzinfo = UTC) -> str:
    """The moment on the reader's clock, the zone named: "3 Dec 2026, 17:00 CET"."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y, %H:%M} {local:%Z}"


def deadline(moment: datetime, zone: tzinfo = UTC) -> str:
    """A promised time, which is days away at most: "Thu 3 Dec, 17:00 CET"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b, %H:%M} {local:%Z}"


def day(moment: datetime, zone: tzinfo = UTC) -> str:
    """The reader's calendar day of `moment`, as "3 Dec 2026"."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y}"


def relative(moment: datetime, now: datetime, zone: tzinfo = UTC) -> str:
    """How long ago `moment` was, as a queue shows it. Older than a week gives the date
    (the reader's, in `zone`); a moment a little ahead of `now` (another server's clock)
    reads as just now."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    local = moment.astimezone(zone)
    if local.year == now.astimezone(zone).year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b %Y}"
