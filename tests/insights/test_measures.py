"""Each measure's SQL against figures worked out by hand, and against the pure rules."""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.domain import insights as rules
from portal.domain.insights import period_containing
from portal.extensions import db
from portal.insights import reports
from portal.insights.aggregation import Scope
from portal.insights.measures import MEASURES, breakdown, csat_distribution, series
from portal.models import InternalCheck, Rating, Request, SurveyResponse, SurveyScore
from tests import factories

MARCH = period_containing("month", date(2026, 3, 1))
FEBRUARY = MARCH.previous()
NOW = datetime(2026, 3, 28, 12, tzinfo=UTC)


def at(day, hour=10):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def scope(world, **extra):
    return Scope((world.team_x.id,), now=NOW, **extra)


def value(world, key, period=MARCH, **extra):
    return series(MEASURES[key], scope(world, **extra), [period]).get(world.team_x.id, [None])[0]


@pytest.fixture
def march(world):
    """Five requests raised in March for Team X (one in February, one in Team Y)."""
    w = world
    rows = [
        # created, chases, first response minutes, resolved, due, expected_by, csat
        dict(
            day=2, chase_count=0, minutes=30, resolved=at(3), due=at(4), by=date(2026, 3, 3), csat=5
        ),
        dict(
            day=3, chase_count=2, minutes=90, resolved=at(9), due=at(5), by=date(2026, 3, 8), csat=4
        ),
        dict(day=4, chase_count=0, minutes=60, resolved=at(6), due=at(7), by=None, csat=2),
        dict(day=5, chase_count=1, minutes=240, resolved=None, due=at(20), by=None, csat=None),
        dict(day=6, chase_count=0, minutes=None, resolved=at(7), due=None, by=None, csat=None),
    ]
    made = []
    for row in rows:
        created = at(row["day"])
        item = factories.make_request(
            w.account_a,
            w.contact_a,
            created_at=created,
            chase_count=row["chase_count"],
            status="resolved" if row["resolved"] else "open",
            assignee_id=w.member_x.id,
            function_id=w.function.id,
            first_response_at=created + timedelta(hours=1) if row["minutes"] else None,
            first_response_due_at=created + timedelta(hours=2),
            first_response_minutes=row["minutes"],
            resolved_at=row["resolved"],
            resolution_due_at=row["due"],
            expected_by=row["by"],
        )
        if row["csat"]:
            db.session.add(
                Rating(
                    request_id=item.id,
                    contact_id=w.contact_a.id,
                    score=row["csat"],
                    created_at=row["resolved"],
                    updated_at=row["resolved"],
                )
            )
        made.append(item)
    factories.make_request(w.account_a, w.contact_a, created_at=datetime(2026, 2, 10, tzinfo=UTC))
    factories.make_request(w.account_b, w.contact_b, created_at=at(4), chase_count=3)
    db.session.flush()
    return made


def test_inputs(world, march):
    assert value(world, "received") == 5
    assert value(world, "received", FEBRUARY) == 1
    assert value(world, "chase_share") == pytest.approx(40.0)  # 2 of 5


def test_median_first_response_in_business_hours(world, march):
    # minutes 30, 90, 60, 240 -> sorted 30 60 90 240 -> median 75 min = 1.25 h
    assert value(world, "median_first_response") == pytest.approx(1.25)
    assert value(world, "median_first_response") == pytest.approx(
        rules.median([30, 90, 60, 240]) / 60
    )
    # by member: all of them are Member X's
    member = series(MEASURES["median_first_response"], scope(world, by_member=True), [MARCH])
    assert member == {world.member_x.id: [pytest.approx(1.25)]}


def test_outputs(world, march):
    assert value(world, "resolved") == 4
    # resolved with a due time: #1 on time, #2 late, #3 on time -> 2 of 3
    assert value(world, "resolved_in_sla") == pytest.approx(200 / 3)
    # first replies all an hour after raising, due after two: 4 of 4
    assert value(world, "first_response_in_sla") == 100.0


def test_expectations_met_matches_the_rule(world, march):
    expected = [
        rules.expectation_met(item.expected_by, item.resolved_at and item.resolved_at.date(), csat)
        for item, csat in zip(march, [5, 4, 2, None, None], strict=True)
    ]
    # #1 met, #2 late -> missed, #3 rated 2 -> missed, #4 open, #5 nothing to compare
    assert expected == [True, False, False, None, None]
    assert value(world, "expectations_met") == pytest.approx(100 / 3)


def test_csat_average_and_distribution(world, march):
    assert value(world, "csat") == pytest.approx((5 + 4 + 2) / 3)
    assert csat_distribution(scope(world), MARCH) == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}


def test_handoffs_and_resolved_without_handoff(world, march):
    first, second = march[0], march[1]
    factories.make_handoff(
        first,
        world.function,
        world.member_y,
        world.member_x,
        status="done",
        due_at=at(3, 12),
        completed_at=at(3, 11),
    )
    factories.make_handoff(
        second,
        world.function,
        world.member_y,
        world.member_x,
        status="done",
        due_at=at(4, 12),
        completed_at=at(5, 11),
    )
    db.session.flush()
    assert value(world, "handoffs_on_time") == 50.0
    # 4 resolved, 2 handed off
    assert value(world, "resolved_without_handoff") == 50.0
    by_owner = series(MEASURES["handoffs_on_time"], scope(world, by_member=True), [MARCH])
    assert by_owner == {world.member_y.id: [50.0]}


def test_backlog_age(world, march):
    # Open at the end of March (clamped to NOW = 28 Mar 12:00): #4, raised 5 Mar 10:00,
    # and February's request, raised 10 Feb 00:00.
    ages = [
        (NOW - at(5)).total_seconds(),
        (NOW - datetime(2026, 2, 10, tzinfo=UTC)).total_seconds(),
    ]
    assert value(world, "backlog_age") == pytest.approx(sum(ages) / 2 / 86400)
    # At the end of February only February's request was open: 19 days old.
    assert value(world, "backlog_age", FEBRUARY) == pytest.approx(19.0)


def test_survey_gap_overall_and_by_dimension(world):
    from portal.insights import services

    services.ensure_dimensions()
    dims = services.dimensions()
    survey, _ = services.send_survey(world.coach_x, world.team_x, world.account_a, now=at(1))
    second = factories.make_contact(world.account_a)
    for contact, pairs in ((world.contact_a, [(6, 4), (5, 5)]), (second, [(4, 7), (7, 5)])):
        response = SurveyResponse(
            survey_id=survey.id, contact_id=contact.id, team_id=world.team_x.id, created_at=at(10)
        )
        response.scores = [
            SurveyScore(dimension_id=d.id, expectation=e, perception=p)
            for d, (e, p) in zip(dims[:2], pairs, strict=True)
        ]
        db.session.add(response)
    db.session.flush()
    # gaps: -2, 0, +3, -2 -> mean -0.25
    assert value(world, "survey_gap") == pytest.approx(-0.25)
    assert value(world, "survey_gap", dimension_id=dims[0].id) == pytest.approx(0.5)
    by_dimension = dict(
        breakdown(MEASURES["survey_gap"], scope(world), MARCH, SurveyScore.dimension_id)
    )
    assert by_dimension == {dims[0].id: pytest.approx(0.5), dims[1].id: pytest.approx(-1.0)}


def test_internal_checks_pass_rate(world, march):
    for item, passed in ((march[0], True), (march[1], False)):
        db.session.add(
            InternalCheck(
                request_id=item.id,
                team_id=world.team_x.id,
                member_id=world.member_x.id,
                reviewer_id=world.coach_x.id,
                answered_question=True,
                correct=passed,
                kept_informed=True,
                tone=True,
                passed=passed,
                created_at=at(20),
            )
        )
    db.session.flush()
    assert value(world, "checks_passed") == 50.0


def test_breakdowns_use_the_same_rows(world, march):
    by_function = dict(breakdown(MEASURES["received"], scope(world), MARCH, Request.function_id))
    assert by_function == {world.function.id: 5.0}
    sla = reports.sla_by_tier(scope(world), MARCH)
    assert sla == [("Key", pytest.approx(200 / 3))]


def test_another_teams_rows_never_count(world, march):
    other = Scope((world.team_y.id,), now=NOW)
    assert series(MEASURES["received"], other, [MARCH]) == {world.team_y.id: [1.0]}
    assert series(MEASURES["csat"], other, [MARCH]) == {}


def test_one_query_for_many_periods(world, march):
    from tests.test_query_counts import counting

    periods = rules.periods_ending(MARCH, 6)
    team_scope = scope(world)
    with counting() as statements:
        values = series(MEASURES["received"], team_scope, periods)
    assert [s for s in statements if not s.startswith("SET")] == statements[-1:]
    assert values[world.team_x.id] == [0, 0, 0, 0, 1, 5]


def test_measures_computed_together_equal_each_computed_alone(world, march):
    from portal.insights.measures import prefetch

    periods = rules.periods_ending(MARCH, 3)
    together = scope(world)
    prefetch(list(MEASURES), together, periods)
    for key, measure in MEASURES.items():
        if measure.custom:
            continue
        alone = series(measure, scope(world), periods)
        assert series(measure, together, periods) == alone, key


def test_fewer_queries_when_measures_share_their_rows(world, march):
    from portal.insights.measures import prefetch
    from tests.test_query_counts import counting

    team_scope = scope(world)
    simple = [key for key, m in MEASURES.items() if not m.custom]
    with counting() as statements:
        prefetch(simple, team_scope, [MARCH])
    # received, resolved, first responses, handoffs, checks, survey scores
    assert len([s for s in statements if not s.startswith("SET")]) == 6
