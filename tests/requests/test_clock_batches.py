"""Recomputing many clocks at once (after a service level or calendar change) and the tick's
breach check cost a constant number of queries, and agree with the one-request path."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ClockPause, Entry, Request, ServiceLevel, utcnow
from portal.requests import clock
from tests import factories
from tests.test_query_counts import counting


def _open_requests(world, n, start):
    items = []
    for i in range(n):
        item = factories.make_request(
            world.account_a,
            world.contact_a,
            status="open" if i % 3 else "waiting_on_customer",
            urgency="high" if i % 2 else "normal",
            created_at=start + timedelta(hours=i),
        )
        items.append(item)
    db.session.flush()
    for item in items:
        if item.status == "waiting_on_customer":
            db.session.add(ClockPause(request_id=item.id, started_at=item.created_at))
    db.session.flush()
    return items


def _levels(world):
    for urgency, first in (("normal", 240), ("high", 60)):
        db.session.add(
            ServiceLevel(
                tier_id=world.tier.id,
                urgency=urgency,
                first_response_minutes=first,
                resolution_minutes=first * 8,
            )
        )
    db.session.flush()


def test_recompute_open_matches_one_by_one_and_does_not_grow_with_requests(world):
    _levels(world)
    start = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    few = _open_requests(world, 3, start)
    team_id = world.team_x.id
    now = utcnow()
    with counting() as statements:
        assert clock.recompute_open(Request.team_id == team_id, now=now) == 3
    few_queries = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    many = _open_requests(world, 27, start + timedelta(days=3))
    with counting() as statements:
        assert clock.recompute_open(Request.team_id == team_id, now=now) == 30
    many_queries = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    assert many_queries == few_queries

    batch = {
        item.id: (item.first_response_due_at, item.next_due_at, item.next_at_risk_at)
        for item in few + many
    }
    for item in few + many:
        clock.recompute(item, now)
    single = {
        item.id: (item.first_response_due_at, item.next_due_at, item.next_at_risk_at)
        for item in few + many
    }
    assert batch == single
    waiting = [i for i in few + many if i.status == "waiting_on_customer"]
    assert waiting and all(i.next_due_at is None for i in waiting)
    assert all(i.next_due_at is not None for i in few + many if i.status == "open")


def test_breach_check_is_one_query_however_many_are_late(world):
    late = utcnow() - timedelta(minutes=5)
    for _ in range(25):
        factories.make_request(world.account_a, world.contact_a, status="open", next_due_at=late)
    db.session.commit()
    with counting() as statements:
        assert clock.record_breaches() == 25
    # One query finds them all; on PostgreSQL the tick's turn (an advisory lock) is asked first.
    selects = [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT") and "pg_try_advisory_xact_lock" not in s
    ]
    assert len(selects) == 1
    db.session.commit()
    assert clock.record_breaches() == 0
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.event == "breach")) == 25
