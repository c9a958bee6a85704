"""Insights pages issue a constant number of SQL statements, whatever the number of rows."""

from datetime import date, timedelta

import pytest
from flask import url_for

from portal.extensions import db
from portal.models import Goal, InternalCheck, Rating, utcnow
from tests import factories
from tests.test_query_counts import queries_for

# Budgets: one query per measure (14) plus breakdowns, goals, quiet accounts and the page.
BUDGETS = {
    "insights.dashboard": 28,
    "insights.review": 16,
    "insights.members": 10,
    "insights.member": 12,
    "insights.checks": 8,  # and the worst-rated dimensions (their gaps, their names)
    "insights.surveys": 6,
    "insights.overview": 15,  # every team: see tests/insights/test_comparison.py
}


def _add_rows(world, n):
    now = utcnow()
    for i in range(n):
        item = factories.make_request(
            world.account_a,
            world.contact_a,
            status="resolved",
            assignee_id=world.member_x.id,
            function_id=world.function.id,
            created_at=now - timedelta(days=i % 40, hours=3),
            first_response_at=now - timedelta(days=i % 40, hours=2),
            first_response_minutes=30 + i,
            resolved_at=now - timedelta(days=i % 40, hours=1),
            resolution_due_at=now - timedelta(days=i % 40),
        )
        db.session.add(Rating(request_id=item.id, contact_id=world.contact_a.id, score=1 + i % 5))
        if i % 3 == 0:
            db.session.add(
                InternalCheck(
                    request_id=item.id,
                    team_id=world.team_x.id,
                    member_id=world.member_x.id,
                    reviewer_id=world.coach_x.id,
                    answered_question=True,
                    correct=True,
                    kept_informed=True,
                    tone=i % 2 == 0,
                    passed=i % 2 == 0,
                )
            )
    db.session.commit()


@pytest.mark.parametrize("endpoint", sorted(BUDGETS))
def test_insights_pages_do_not_grow_with_rows(client, world, login_as, endpoint):
    login_as(world.admin if endpoint == "insights.overview" else world.coach_x)
    args = {} if endpoint == "insights.overview" else {"team_id": world.team_x.id}
    if endpoint == "insights.member":
        args["user_id"] = world.member_x.id
    url = url_for(endpoint, **args)
    for measure in ("csat", "median_first_response", "survey_gap"):
        goal = Goal(
            team_id=world.team_x.id,
            measure=measure,
            period_kind="month",
            period_start=date(2026, 1, 1),
            period_end=date(2027, 1, 1),
            target=1,
            direction="at_least",
        )
        db.session.add(goal)
    _add_rows(world, 3)
    few = queries_for(client, url)
    _add_rows(world, 60)
    many = queries_for(client, url)
    assert many == few
    assert many <= BUDGETS[endpoint]
