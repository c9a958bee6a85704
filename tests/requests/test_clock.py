"""Service clocks on real requests: due times from service levels, paused while waiting."""

from datetime import UTC, datetime, time

from flask import url_for
from sqlalchemy import select

from portal.domain.business_hours import Calendar
from portal.extensions import db
from portal.models import ClockPause, Holiday, ServiceLevel, WorkingHours
from portal.requests import clock
from portal.requests import services as requests
from tests import factories


def _level(world, urgency="normal", first=120, resolve=960):
    level = ServiceLevel(
        tier_id=world.tier.id,
        urgency=urgency,
        first_response_minutes=first,
        resolution_minutes=resolve,
    )
    db.session.add(level)
    db.session.flush()
    return level


def _raise(world, **fields):
    return factories.raise_request(world.contact_a, world.account_a, **fields)


def test_due_times_follow_the_tier_and_urgency_in_business_hours(world):
    _level(world, "high", first=60, resolve=480)
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        urgency="high",
        created_at=datetime(2026, 11, 13, 16, 30, tzinfo=UTC),  # Friday 16:30 London
    )
    clock.recompute(item)
    # 30 minutes on Friday and 30 on Monday morning; a business day ends Monday 16:30.
    assert item.first_response_due_at == datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    assert item.resolution_due_at == datetime(2026, 11, 16, 16, 30, tzinfo=UTC)
    assert item.next_due_at == item.first_response_due_at


def test_raising_sets_the_clock_and_no_level_means_no_clock(world):
    with_level = _raise(world)
    assert with_level.next_due_at is None  # no service level for this tier yet
    _level(world)
    item = _raise(world)
    assert item.first_response_due_at is not None
    assert item.next_due_at == item.first_response_due_at


def test_waiting_on_the_customer_stops_the_clock_and_their_reply_restarts_it(world):
    _level(world)
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        created_at=datetime(2026, 11, 10, 9, tzinfo=UTC),
    )
    clock.recompute(item)
    original_due = item.first_response_due_at
    item.status = "waiting_on_customer"
    db.session.add(
        ClockPause(
            request_id=item.id,
            started_at=datetime(2026, 11, 10, 10, tzinfo=UTC),
            ended_at=None,
        )
    )
    db.session.flush()
    clock.recompute(item)
    assert item.next_due_at is None  # nothing to race while we wait on them

    requests.reply_as_contact(world.contact_a, item, "Here you go")
    assert item.status == "open"
    pause = db.session.scalar(select(ClockPause))
    assert pause.ended_at is not None
    assert item.first_response_due_at > original_due
    assert item.next_due_at == item.first_response_due_at


def test_a_team_without_hours_works_office_hours_and_holidays_count(world):
    calendar = clock.team_calendar(world.team_x)
    assert calendar.weekly[0] == ((time(9), time(17)),) and 5 not in calendar.weekly
    db.session.add(Holiday(team_id=world.team_x.id, day=datetime(2026, 12, 25).date()))
    db.session.add_all(
        [
            WorkingHours(team_id=world.team_x.id, weekday=5, opens=time(10), closes=time(14)),
            WorkingHours(team_id=world.team_x.id, weekday=0, opens=time(8), closes=time(12)),
            WorkingHours(team_id=world.team_x.id, weekday=0, opens=time(13), closes=time(18)),
        ]
    )
    db.session.flush()
    calendar = clock.team_calendar(world.team_x)
    assert calendar.weekly == {
        0: ((time(8), time(12)), (time(13), time(18))),
        5: ((time(10), time(14)),),
    }
    assert datetime(2026, 12, 25).date() in calendar.holidays


def test_plain_words_for_business_time_and_weeks():
    assert clock.describe_minutes(30) == "30 business minutes"
    assert clock.describe_minutes(60) == "1 business hour"
    assert clock.describe_minutes(240) == "4 business hours"
    assert clock.describe_minutes(960) == "2 business days"
    assert clock.describe_minutes(90) == "1 h 30 min of business time"
    week = Calendar(
        "UTC",
        {d: ((time(9), time(17)),) for d in range(5)} | {5: ((time(10), time(13)),)},
    )
    assert clock.describe_week(week) == [
        "Monday to Friday, 09:00 to 17:00",
        "Saturday, 10:00 to 13:00",
    ]


def test_customer_team_page_states_the_service_levels_in_plain_words(client, world, login_as):
    _level(world, "critical", first=30, resolve=240)
    _level(world, "normal", first=240, resolve=960)
    login_as(world.contact_a)
    page = client.get(url_for("customer.team")).text
    assert "We are stopped" in page and "30 business minutes" in page
    assert "4 business hours" in page and "2 business days" in page
    assert page.index("We are stopped") < page.index("It slows us down")  # most urgent first
    assert "Monday to Friday, 09:00 to 17:00" in page


def test_tick_records_each_missed_target_once(app, world):
    from datetime import timedelta

    from portal.models import Entry, utcnow

    late = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        next_due_at=utcnow() - timedelta(minutes=5),
    )
    factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        next_due_at=utcnow() + timedelta(hours=1),
    )
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tick"])
    assert first.exit_code == 0 and "breaches recorded: 1" in first.output
    assert "breaches recorded: 0" in runner.invoke(args=["tick"]).output
    breach = db.session.scalar(select(Entry).where(Entry.event == "breach"))
    assert breach.request_id == late.id and breach.public is False
    assert breach.data["target"] == "first response"
