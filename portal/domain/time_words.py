"""Moments in the words a busy person scans: "4 min ago", "yesterday", "12 Mar"."""

from __future__ import annotations

from datetime import datetime


def relative(moment: datetime, now: datetime) -> str:
    """How long ago `moment` was, as a queue shows it. Older than a week gives the date;
    a moment a little ahead of `now` (another server's clock) reads as just now."""
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
    if moment.year == now.year:
        return f"{moment.day} {moment:%b}"
    return f"{moment.day} {moment:%b %Y}"
