"""How the insights pages print figures and draw charts (issue 16): a unit printed once, time
in plain words, "No ratings yet" instead of empty bars, a gap axis fitted to the data,
labelled sparkline axes and a tooltip on every bar and point."""

import re
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.insights import services
from portal.insights.measures import MEASURES
from portal.insights.reports import current_period
from portal.models import Goal, Rating, SurveyInvitation, utcnow
from tests import factories


def _text(html: str) -> str:
    """What a reader sees: tags gone, white space collapsed."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("key", "value", "cell", "sentence"),
    [
        ("resolved_in_sla", 100.0, "100%", "100%"),
        ("chase_share", 44.4, "44%", "44%"),
        ("median_first_response", 0.0, "under a minute", "under a minute"),
        ("median_first_response", 0.004, "under a minute", "under a minute"),
        ("median_first_response", 0.25, "15\u00a0min", "15\u00a0min"),
        ("median_first_response", 2.5, "2.5\u00a0h", "2.5\u00a0h"),
        ("csat", 4.2, "4.20", "4.20 / 5"),
        ("received", 12.0, "12", "12 requests"),
        ("survey_gap", -0.5, "-0.50", "-0.50 points"),
        ("backlog_age", 3.25, "3.2", "3.2 days"),
        ("csat", None, "–", "–"),
    ],
)
def test_each_value_prints_its_unit_once(key, value, cell, sentence):
    measure = MEASURES[key]
    assert measure.format(value) == cell
    assert measure.quantity(value) == sentence
    # A table header names the unit only when the cells do not.
    assert (measure.header_unit == "") == (measure.unit == "%")


def _goal(world, measure, target, direction="at_least"):
    today = utcnow().date()
    goal = Goal(
        team_id=world.team_x.id,
        measure=measure,
        period_kind="month",
        period_start=today.replace(day=1) - timedelta(days=62),
        period_end=date(today.year + 1, 1, 1),
        target=target,
        direction=direction,
        created_by_id=world.coach_x.id,
    )
    db.session.add(goal)
    return goal


def test_goals_print_a_percentage_once_and_zero_time_in_words(client, world, login_as):
    now = utcnow()
    factories.make_request(
        world.account_a,
        world.contact_a,
        status="resolved",
        created_at=now - timedelta(minutes=30),
        first_response_at=now - timedelta(minutes=20),
        first_response_minutes=0,  # answered before business hours began
        resolved_at=now - timedelta(minutes=5),
        resolution_due_at=now + timedelta(hours=4),
    )
    _goal(world, "resolved_in_sla", 44)
    _goal(world, "median_first_response", 2, "at_most")
    db.session.commit()
    login_as(world.coach_x)
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id))
    seen = _text(page.text)
    assert page.status_code == 200
    assert "100% in" in seen and "target at least 44%" in seen
    assert not re.search(r"%\s*%", seen), "a unit printed twice"
    assert "under a minute in" in seen and "target at most 2.0\u00a0h" in seen
    assert "0.0" not in seen and "business hours in" not in seen
    # The sparkline's axis is labelled, and each point says its period and value.
    period = current_period("month")
    assert f"<title>{period.label}: 100%</title>" in page.text
    assert f"<title>{period.label}: under a minute</title>" in page.text
    chart = page.text.split("chart-trend")[1].split("</svg>")[0]
    axis = re.findall(r'<text class="chart-axis"[^>]*text-anchor="end">([^<]*)</text>', chart)
    assert len(axis) == 2 and all(axis)


def test_no_ratings_says_so_instead_of_empty_bars(client, world, login_as):
    login_as(world.member_x)
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id))
    assert "No ratings yet" in page.text
    assert 'id="csat-chart-title"' not in page.text
    assert "No requests resolved in" in page.text and "No requests received in" in page.text


def test_ratings_draw_bars_each_with_its_period_and_value(client, world, login_as):
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        status="resolved",
        function_id=world.function.id,
        resolved_at=utcnow(),
    )
    db.session.add(Rating(request_id=item.id, contact_id=world.contact_a.id, score=5))
    db.session.commit()
    login_as(world.member_x)
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id))
    period = current_period("month").label
    assert "No ratings yet" not in page.text and 'id="csat-chart-title"' in page.text
    csat = page.text.split('id="csat-chart-title"')[1].split("</svg>")[0]
    titles = re.findall(r"<title>([^<]*)</title>", csat)
    assert len(titles) == 5 and all(f", {period}: " in t for t in titles)
    assert f"5 ★★★★★, {period}: 1 (100%)" in titles
    assert f"Billing, {period}: 1" in page.text


def _answered_survey(world, expectation, perception):
    survey, _ = services.send_survey(world.coach_x, world.team_x, world.account_a)
    invitation = db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.survey_id == survey.id)
    )
    answers = [services.Answer(d.id, expectation, perception) for d in services.dimensions()]
    answers[0] = services.Answer(answers[0].dimension_id, expectation, perception - 1)
    services.answer_survey(invitation, answers, "")
    db.session.commit()


def test_gap_axis_fits_small_gaps_and_is_labelled(client, world, login_as):
    _answered_survey(world, 5, 6)  # +1 everywhere but the first dimension (0)
    login_as(world.member_x)
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id))
    chart = page.text.split('id="gap-chart-title"')[1].split("</svg>")[0]
    axis = re.findall(r'<text class="chart-axis"[^>]*>([^<]*)</text>', chart)
    assert axis == ["−1", "0", "+1", "points: perception − expectation"]
    # A gap of +1 on a ±1 axis fills its half (70 units), not a sixth of it.
    assert 'width="70.0"' in chart
    quarter = current_period("quarter").label
    assert re.search(rf"<title>[^<]+, {quarter}: \+1\.00 points</title>", chart)
    assert re.search(rf"<title>[^<]+, {quarter}: \+0\.00 points</title>", chart)


def test_gap_axis_grows_with_the_data_up_to_six(client, world, login_as):
    _answered_survey(world, 1, 6)  # +5 and +4
    login_as(world.member_x)
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id))
    chart = page.text.split('id="gap-chart-title"')[1].split("</svg>")[0]
    assert ">−5</text>" in chart and ">+5</text>" in chart
