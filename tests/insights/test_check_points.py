"""Internal checks ask about what customers rate worst: the team's two most negative survey
gaps this quarter become checklist points, and each recorded check keeps what it asked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.insights import internal_checks, services
from portal.models import InternalCheck, InternalCheckPoint, utcnow
from tests import factories

FIXED = ("answered_question", "correct", "kept_informed", "tone")


@pytest.fixture
def rated(world):
    """Team X's customers rate the 1st dimension worst (-2), then the 3rd (-1); Team Y's
    rate the 2nd worst, which must not reach Team X's checklist."""
    factories.make_survey_answer(world.team_x, world.account_a, world.contact_a, [-2, -1, -1, 1, 0])
    factories.make_survey_answer(
        world.team_x, world.account_a2, world.contact_a2, [-2, 0, -1, 1, 0]
    )
    factories.make_survey_answer(world.team_y, world.account_b, world.contact_b, [2, -3, 2, 2, 2])
    db.session.commit()
    return services.dimensions()


def _resolved(world):
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        status="resolved",
        resolved_at=utcnow() - timedelta(days=9),
        assignee_id=world.member_x.id,
    )
    db.session.commit()
    return item


def test_the_two_worst_rated_dimensions_of_the_team_become_points(world, rated):
    points = internal_checks.worst_rated_points(world.team_x)
    assert [p.dimension_id for p in points] == [rated[0].id, rated[2].id]
    assert points[0].label == (
        f"{rated[0].name}: customers rate it worst this quarter (gap \u22122.0)"
    )
    assert points[1].gap == pytest.approx(-1.0)


def test_no_survey_answers_no_extra_points(world):
    assert internal_checks.worst_rated_points(world.team_x) == []


def _post(client, world, item, points, ticked, asked=None):
    data = {f"c{item.id}-{key}": "y" for key in ticked}
    data[f"c{item.id}-asked"] = (
        asked if asked is not None else ",".join(str(p.dimension_id) for p in points)
    )
    data[f"c{item.id}-note"] = "Good reply."
    return client.post(
        url_for("insights.record_check", team_id=world.team_x.id, request_id=item.id), data=data
    )


def test_a_check_asks_and_keeps_the_worst_rated_points(client, world, rated, login_as, no_csrf):
    item = _resolved(world)
    login_as(world.coach_x)
    page = client.get(url_for("insights.checks", team_id=world.team_x.id))
    points = internal_checks.worst_rated_points(world.team_x)
    for point in points:
        assert point.label in page.text and f'name="c{item.id}-{point.field}"' in page.text
    assert rated[1].name + ": customers" not in page.text  # Team Y's worst, not Team X's
    answer = _post(client, world, item, points, [*FIXED, points[0].field])
    assert answer.status_code == 303
    check = db.session.scalar(select(InternalCheck).where(InternalCheck.request_id == item.id))
    assert check.passed is False  # the second dimension's point failed
    kept = [(p.dimension_id, p.label, p.passed) for p in check.points]
    assert kept == [
        (points[0].dimension_id, points[0].label, True),
        (points[1].dimension_id, points[1].label, False),
    ]
    listed = client.get(url_for("insights.checks", team_id=world.team_x.id)).text
    assert f"{points[1].label}: fail" in listed and f"{points[0].label}: pass" in listed


def test_every_point_passed_is_a_passed_check(client, world, rated, login_as, no_csrf):
    item = _resolved(world)
    login_as(world.coach_x)
    points = internal_checks.worst_rated_points(world.team_x)
    assert (
        _post(client, world, item, points, [*FIXED, *(p.field for p in points)]).status_code == 303
    )
    check = db.session.scalar(select(InternalCheck).where(InternalCheck.request_id == item.id))
    assert check.passed is True and len(check.points) == 2


def test_a_checklist_that_changed_since_the_page_is_told_not_recorded(
    client, world, rated, login_as, no_csrf
):
    item = _resolved(world)
    login_as(world.coach_x)
    stale = str(rated[3].id)  # asked about a dimension no longer among the worst
    answer = _post(client, world, item, [], FIXED, asked=stale)
    assert answer.status_code == 422
    assert "The checklist changed since you opened it" in answer.text
    assert db.session.scalar(select(func.count(InternalCheck.id))) == 0
    # The form drawn again asks today's points: posting it now is recorded.
    points = internal_checks.worst_rated_points(world.team_x)
    assert f'value="{",".join(str(p.dimension_id) for p in points)}"' in answer.text
    assert _post(client, world, item, points, FIXED).status_code == 303


def test_checks_recorded_before_points_existed_still_show(client, world, login_as):
    item = _resolved(world)
    internal_checks.record_check(world.coach_x, world.team_x, item, dict.fromkeys(FIXED, True), "")
    db.session.commit()
    assert db.session.scalar(select(func.count(InternalCheckPoint.id))) == 0
    login_as(world.coach_x)
    page = client.get(url_for("insights.checks", team_id=world.team_x.id))
    assert page.status_code == 200 and "Tone: pass" in page.text
    assert "customers rate it worst" not in page.text
