"""The scale generator: deterministic, consistent service clocks, every status present."""

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.domain.business_hours import Calendar, add_business_time, office_hours
from portal.extensions import db
from portal.models import ClockPause, Entry, Request, User
from portal.requests import clock
from portal.scale import BENCH_PEOPLE, LONG_REQUEST_ENTRIES, FastClock, seed_scale

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)

CALENDARS = [
    office_hours("Europe/London", holidays={date(2026, 12, 25)}),
    Calendar(
        "Europe/Berlin",
        {d: ((time(8), time(12)), (time(13), time(18))) for d in range(4)}
        | {4: ((time(8), time(15)),)},
        frozenset({date(2026, 3, 30)}),
    ),
    Calendar("America/New_York", {d: ((time(0), time(0)),) for d in range(7)}),
]


@pytest.mark.parametrize("calendar", CALENDARS, ids=lambda c: c.timezone)
def test_fast_clock_equals_add_business_time(calendar):
    fast = FastClock(calendar, date(2025, 12, 1), date(2027, 3, 1))
    rng = random.Random(7)
    for _ in range(400):
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 500_000))
        duration = timedelta(minutes=rng.choice((30, 60, 120, 240, 480, 960, 2400, 9600)))
        pause = None
        if rng.random() < 0.4:
            begin = start + timedelta(minutes=rng.randrange(0, 20_000))
            pause = (begin, begin + timedelta(minutes=rng.randrange(1, 30_000)))
        expected = add_business_time(calendar, start, duration, [pause] if pause else [])
        assert fast.add(start, duration, pause) == expected


def test_fast_clock_outside_its_range_falls_back():
    calendar = CALENDARS[0]
    fast = FastClock(calendar, date(2026, 6, 1), date(2026, 6, 30))
    start = datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert fast.add(start, timedelta(hours=3)) == add_business_time(
        calendar, start, timedelta(hours=3)
    )


def _fingerprint():
    requests = db.session.execute(
        select(
            func.count(Request.id),
            func.sum(Request.account_id * 7 + Request.requester_id),
            func.count(Request.next_due_at),
            func.max(Request.idempotency_key),
        )
    ).one()
    entries = db.session.execute(
        select(func.count(Entry.id), func.sum(Entry.request_id + func.length(Entry.body)))
    ).one()
    return tuple(requests), tuple(entries)


def test_seed_is_deterministic_and_consistent_with_the_clock(app):
    scale = seed_scale(600, seed=3, now=NOW, log=lambda _: None)
    statuses = set(db.session.scalars(select(Request.status).distinct()))
    assert statuses == {"new", "open", "waiting_on_customer", "resolved", "closed"}
    assert scale.counts["request"] == 600
    assert 4 * 600 <= scale.counts["entry"] <= 7 * 600
    for address in BENCH_PEOPLE.values():
        assert db.session.scalar(select(User.id).where(User.email == address))
    long = db.session.get(Request, scale.long_request)
    entries = db.session.scalar(select(func.count()).where(Entry.request_id == long.id))
    assert entries == LONG_REQUEST_ENTRIES
    # Every open request's clock is what clock.recompute gives it.
    sample = db.session.scalars(
        select(Request).where(Request.status != "closed").order_by(Request.id)
    ).all()[::7]
    assert any(r.status == "waiting_on_customer" for r in sample)
    for item in sample:
        stored = (
            item.first_response_due_at,
            item.resolution_due_at,
            item.next_due_at,
            item.next_at_risk_at,
        )
        clock.recompute(item, NOW)
        assert stored == (
            item.first_response_due_at,
            item.resolution_due_at,
            item.next_due_at,
            item.next_at_risk_at,
        ), item
    db.session.rollback()
    paused = db.session.scalar(select(func.count(ClockPause.id)))
    waiting = db.session.scalar(
        select(func.count(Request.id)).where(Request.status == "waiting_on_customer")
    )
    assert paused == waiting
    first = _fingerprint()
    with pytest.raises(RuntimeError, match="empty"):
        seed_scale(600, seed=3, now=NOW, log=lambda _: None)
    # Same seed, same rows: wipe and run again.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    seed_scale(600, seed=3, now=NOW, log=lambda _: None)
    assert _fingerprint() == first
    # Ids were given explicitly; new rows still get fresh ones (PostgreSQL's sequences).
    added = Entry(request_id=long.id, kind="reply", body="after the seed")
    db.session.add(added)
    db.session.flush()
    assert added.id > scale.counts["entry"]
