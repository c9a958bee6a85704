"""Time zones as people pick and read them: the IANA names a picker offers, grouped by
region and labelled with today's offset, and the zone a stored name stands for."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# The regions of the IANA database people live in; the rest (Etc/GMT+3, US/Pacific,
# posixrules…) are aliases or legacy names a picker would only make longer.
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


def zone_names() -> list[str]:
    """Every zone a person may choose, sorted: "UTC" first, then the regions' cities."""
    cities = sorted(name for name in available_timezones() if name.partition("/")[0] in REGIONS)
    return ["UTC", *cities]


def is_zone(name: str | None) -> bool:
    """A zone the picker offers: "UTC", or a city of the regions this machine knows."""
    if name == "UTC":
        return True
    return bool(name) and name.partition("/")[0] in REGIONS and zone_named(name) is not UTC


def zone_named(name: str | None) -> tzinfo:
    """The zone a stored name stands for; UTC for none, or for a name the database of this
    machine no longer knows (a person's page must still show times)."""
    if not name or name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def offset_words(zone: tzinfo, now: datetime) -> str:
    """The offset `zone` has at `now`, as "UTC+01:00" (it changes with daylight saving)."""
    offset = now.astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_choices(now: datetime) -> list[tuple[str, list[tuple[str, str]]]]:
    """A picker's choices, grouped by region: ("Europe", [("Europe/Berlin", "Berlin
    (UTC+01:00)"), …]). Offsets are today's, so a person recognises their own."""
    groups: dict[str, list[tuple[str, str]]] = {"UTC": [("UTC", "UTC (UTC+00:00)")]}
    for name in zone_names()[1:]:
        region, _, city = name.partition("/")
        label = city.replace("_", " ").replace("/", " / ")
        groups.setdefault(region, []).append(
            (name, f"{label} ({offset_words(ZoneInfo(name), now)})")
        )
    return list(groups.items())
