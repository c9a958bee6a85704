"""Times on the reader's clock: the words, the zone named, daylight saving, the picker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.domain import time_words
from portal.domain.time_zones import is_zone, offset_words, zone_choices, zone_named

BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("moment", "zone", "words"),
    [
        (datetime(2026, 12, 3, 15, 0, tzinfo=UTC), BERLIN, "3 Dec 2026, 16:00 CET"),
        (datetime(2026, 7, 3, 15, 0, tzinfo=UTC), BERLIN, "3 Jul 2026, 17:00 CEST"),
        (datetime(2026, 12, 3, 15, 0, tzinfo=UTC), LONDON, "3 Dec 2026, 15:00 GMT"),
        (datetime(2026, 7, 3, 15, 0, tzinfo=UTC), LONDON, "3 Jul 2026, 16:00 BST"),
        (datetime(2026, 12, 3, 15, 0, tzinfo=UTC), UTC, "3 Dec 2026, 15:00 UTC"),
    ],
)
def test_an_exact_time_is_on_the_reader_s_clock_with_the_zone_named(moment, zone, words):
    assert time_words.exact(moment, zone) == words


def test_the_day_is_the_reader_s_calendar_day():
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already New Year in Berlin
    assert time_words.day(late, UTC) == "31 Dec 2026"
    assert time_words.day(late, BERLIN) == "1 Jan 2027"


def test_a_promised_time_names_the_weekday_and_zone():
    due = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert time_words.deadline(due, BERLIN) == "Thu 3 Dec, 16:00 CET"


def test_the_clock_change_night_is_told_apart():
    # 29 Mar 2026, Berlin skips 02:00-03:00: an hour apart in UTC, two hours apart on the wall.
    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert time_words.exact(before, BERLIN) == "29 Mar 2026, 01:30 CET"
    assert time_words.exact(before + timedelta(hours=1), BERLIN) == "29 Mar 2026, 03:30 CEST"


def test_an_older_moment_gives_the_reader_s_date():
    now = datetime(2027, 1, 20, 12, tzinfo=UTC)
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert time_words.relative(moment, now, UTC) == "31 Dec 2026"
    assert time_words.relative(moment, now, BERLIN) == "1 Jan"


def test_only_real_zones_of_the_picker_are_zones():
    assert is_zone("Europe/Berlin") and is_zone("UTC") and is_zone("America/Argentina/Salta")
    for name in ("", None, "Mars/Olympus", "Europe/../../etc/passwd", "CET", "US/Pacific"):
        assert not is_zone(name)


def test_a_zone_this_machine_does_not_know_shows_utc_rather_than_failing():
    assert zone_named(None) is UTC
    assert zone_named("Mars/Olympus") is UTC
    assert zone_named("Europe/Berlin") == BERLIN


def test_the_picker_groups_cities_by_region_with_today_s_offset():
    groups = dict(zone_choices(datetime(2026, 12, 3, tzinfo=UTC)))
    assert next(iter(groups)) == "UTC"
    assert ("Europe/Berlin", "Berlin (UTC+01:00)") in groups["Europe"]
    assert ("America/New_York", "New York (UTC−05:00)") in groups["America"]
    assert ("Asia/Kolkata", "Kolkata (UTC+05:30)") in groups["Asia"]
    assert "Etc" not in groups and "US" not in groups
    summer = dict(zone_choices(datetime(2026, 7, 3, tzinfo=UTC)))
    assert ("Europe/Berlin", "Berlin (UTC+02:00)") in summer["Europe"]


def test_offsets_read_as_people_write_them():
    now = datetime(2026, 12, 3, tzinfo=UTC)
    assert offset_words(UTC, now) == "UTC+00:00"
    assert offset_words(ZoneInfo("America/St_Johns"), now) == "UTC−03:30"
