"""The goal form as first shown saves a goal, and internal checks keep one sample a week
(issue 16)."""

import re
from datetime import UTC, datetime, timedelta

from flask import url_for
from sqlalchemy import func, select

from portal.domain.insights import add_months
from portal.extensions import db
from portal.insights import internal_checks
from portal.models import Goal, utcnow
from tests import factories
from tests.cluster.web import forms_of


def _goal_form(page_html, team):
    action = url_for("insights.add_goal", team_id=team.id)
    return next(f for f in forms_of(page_html) if f.action == action)


def test_the_goal_form_as_shown_plus_a_target_sets_the_goal(client, world, login_as):
    login_as(world.coach_x)
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id))
    form = _goal_form(page.text, world.team_x)
    this_month = utcnow().date().replace(day=1)
    assert form.get("first") == this_month.strftime("%Y-%m")
    assert form.get("last") == add_months(this_month, 11).strftime("%Y-%m")
    assert form.get("period_kind") == "month"
    # The person only types a target; everything else is what the page offered (CSRF too).
    form.set("target", "80")
    response = client.post(form.action, data=dict(form.fields))
    assert response.status_code == 303
    goal = db.session.scalar(select(Goal))
    assert goal.period_start == this_month
    assert goal.period_end == add_months(this_month, 12)
    assert goal.target == 80


def test_the_goal_form_as_shown_without_a_target_says_so(client, world, login_as):
    login_as(world.coach_x)
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id))
    form = _goal_form(page.text, world.team_x)
    response = client.post(form.action, data=dict(form.fields))
    assert response.status_code == 422
    assert "Give the goal a target." in response.text
    assert "Give the first month" not in response.text
    assert db.session.scalar(select(func.count(Goal.id))) == 0


def _resolved(world, count, when):
    return [
        factories.make_request(
            world.account_a,
            world.contact_a,
            status="resolved",
            subject=f"Resolved {when:%d %b} #{i}",
            resolved_at=when,
            assignee_id=world.member_x.id,
        )
        for i in range(count)
    ]


def _ids(sample):
    return [item.id for item in sample]


def test_the_sample_is_the_same_all_week_and_drawn_anew_the_next(world):
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    _resolved(world, 12, monday - timedelta(days=3))
    db.session.commit()
    first = internal_checks.check_sample(world.team_x, now=monday)
    assert len(first) == 5
    # Later that week, after more requests were resolved, the same five.
    _resolved(world, 6, monday + timedelta(days=1))
    db.session.commit()
    later_that_week = internal_checks.check_sample(world.team_x, now=monday + timedelta(days=4))
    assert _ids(later_that_week) == _ids(first)
    # The next weeks are drawn again (from their own 30 days, with their own seed).
    later = [
        _ids(internal_checks.check_sample(world.team_x, now=monday + timedelta(days=7 * n)))
        for n in range(1, 4)
    ]
    assert any(ids != _ids(first) for ids in later)


def test_checking_one_leaves_the_rest_of_the_sample_in_place(world):
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    _resolved(world, 10, monday - timedelta(days=10))
    db.session.commit()
    first = internal_checks.check_sample(world.team_x, now=monday)
    internal_checks.record_check(world.coach_x, world.team_x, first[0], {}, "")
    db.session.commit()
    assert _ids(internal_checks.check_sample(world.team_x, now=monday)) == _ids(first)[1:]


def test_reloading_the_checks_page_shows_the_same_requests(client, world, login_as):
    _resolved(world, 12, utcnow() - timedelta(days=8))
    # Resolved this week: not in this week's sample, which was drawn on Monday.
    (fresh,) = _resolved(world, 1, utcnow())
    db.session.commit()
    login_as(world.coach_x)
    url = url_for("insights.checks", team_id=world.team_x.id)
    pages = [client.get(url).text for _ in range(3)]
    sampled = re.compile(r'class="check-form" aria-labelledby="check-(\d+)-title"')
    shown = [sampled.findall(page) for page in pages]
    assert len(shown[0]) == 5
    assert shown[0] == shown[1] == shown[2]
    assert str(fresh.id) not in shown[0]
    assert "Draw another sample" not in pages[0]
    monday = internal_checks.sample_week().next_start
    assert f"a new one is drawn on Monday {monday.day} {monday:%B}" in pages[0]
