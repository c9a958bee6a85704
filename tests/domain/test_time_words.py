from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.time_words import relative

NOW = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "words"),
    [
        (timedelta(seconds=-30), "just now"),  # another server's clock a little ahead
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=1), "1 h ago"),
        (timedelta(hours=23, minutes=59), "23 h ago"),
        (timedelta(hours=24), "yesterday"),
        (timedelta(days=2), "2 days ago"),
        (timedelta(days=6, hours=23), "6 days ago"),
        (timedelta(days=7), "26 Nov"),
        (timedelta(days=400), "29 Oct 2025"),
    ],
)
def test_a_moment_reads_as_a_queue_shows_it(ago, words):
    assert relative(NOW - ago, NOW) == words
