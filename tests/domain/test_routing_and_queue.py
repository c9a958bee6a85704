"""Routing by skill and load; the fair queue that chasing never reorders."""

from datetime import UTC, datetime, timedelta

from portal.domain.routing import Candidate, choose_assignee
from portal.domain.service_clock import (
    AT_RISK,
    BREACHED,
    MET,
    ON_TRACK,
    PAUSED,
    describe_remaining,
    fair_queue_key,
    read_clock,
)

H = timedelta(hours=1)


def test_prefers_the_higher_skill_level():
    choice = choose_assignee([Candidate(1, "Ana", 2, 0), Candidate(2, "Ben", 3, 4)], "Billing")
    assert choice.user_id == 2
    assert choice.reason == "Billing level 3, 4 open"


def test_among_equals_prefers_the_lighter_load():
    choice = choose_assignee([Candidate(1, "Ana", 3, 5), Candidate(2, "Ben", 3, 2)], "Credit")
    assert (choice.user_id, choice.reason) == (2, "Credit level 3, 2 open")


def test_skips_people_who_are_away_or_lack_the_skill():
    candidates = [
        Candidate(1, "Ana", 3, 0, away=True),
        Candidate(2, "Ben", 0, 0),
        Candidate(3, "Cai", 1, 9),
    ]
    assert choose_assignee(candidates, "Delivery").user_id == 3


def test_nobody_able_leaves_the_request_unassigned():
    assert choose_assignee([Candidate(1, "Ana", 0, 0)], "Sales") is None
    assert choose_assignee([], "Sales") is None


def test_ties_are_settled_the_same_way_every_time():
    a, b = Candidate(7, "Ana", 2, 1), Candidate(3, "Ana", 2, 1)
    assert choose_assignee([a, b], "Sales") == choose_assignee([b, a], "Sales")


def test_clock_states():
    assert read_clock(target=4 * H, elapsed=1 * H).state == ON_TRACK
    assert read_clock(target=4 * H, elapsed=3.5 * H).state == AT_RISK  # under 25 % left
    assert read_clock(target=4 * H, elapsed=3 * H).state == ON_TRACK  # exactly 25 % left
    assert read_clock(target=4 * H, elapsed=5 * H).state == BREACHED
    assert read_clock(target=4 * H, elapsed=3.5 * H, paused=True).state == PAUSED
    assert read_clock(target=4 * H, elapsed=2 * H, done=True).state == MET
    assert read_clock(target=4 * H, elapsed=5 * H, done=True).state == BREACHED


def test_remaining_in_words():
    assert describe_remaining(timedelta(hours=3, minutes=20)) == "3 h 20 min left"
    assert describe_remaining(timedelta(minutes=-45)) == "45 min over"
    assert describe_remaining(timedelta(hours=32)) == "32 h left"


def test_a_standard_account_chasing_ten_times_stays_behind_a_quiet_key_account():
    now = datetime(2026, 11, 10, 12, tzinfo=UTC)
    # The Standard request is older and was chased ten times; the quiet Key request's service
    # level gives it the earlier due time. Chases are not an input of the key at all.
    standard = {"id": 1, "created": now - 6 * H, "due": now + 20 * H, "chases": 10}
    key = {"id": 2, "created": now - 1 * H, "due": now + 3 * H, "chases": 0}
    order = sorted([standard, key], key=lambda r: fair_queue_key(r["due"], r["created"], r["id"]))
    assert [r["id"] for r in order] == [2, 1]


def test_requests_without_a_running_clock_come_last_then_by_age():
    now = datetime(2026, 11, 10, 12, tzinfo=UTC)
    rows = [
        (None, now - 9 * H, 1),
        (now + 5 * H, now - 1 * H, 2),
        (None, now - 10 * H, 3),
        (now + 5 * H, now - 2 * H, 4),
    ]
    assert [r[2] for r in sorted(rows, key=lambda r: fair_queue_key(*r))] == [4, 2, 3, 1]
