"""The staff account page: the account's requests, CSAT, latest survey gap and reference-group
members, each scoped to that account (Account A and Account A2 share Team X)."""

import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.insights import services as insights
from portal.models import (
    Rating,
    SurveyResponse,
    SurveyScore,
    utcnow,
)
from portal.models.request import CLOSED, OPEN, RESOLVED, WAITING_ON_CUSTOMER
from portal.workspace import account_overview as overview
from tests import factories


def page(client, world, account):
    response = client.get(
        url_for("workspace.account", team_id=world.team_x.id, account_id=account.id)
    )
    assert response.status_code == 200
    return response.text


def linked_requests(html) -> list[int]:
    return [int(i) for i in re.findall(r'href="/teams/\d+/requests/(\d+)"', html)]


def resolved(world, account, contact, score=None, days_ago=1, **fields):
    at = utcnow() - timedelta(days=days_ago)
    item = factories.make_request(
        account, contact, status=RESOLVED, resolved_at=at, last_activity_at=at, **fields
    )
    if score is not None:
        db.session.add(Rating(request_id=item.id, contact_id=contact.id, score=score))
    db.session.flush()
    return item


@pytest.fixture
def member(client, world, login_as):
    login_as(world.member_x)
    return client


def test_requests_are_the_accounts_own_open_first_in_staff_words(member, world):
    now = utcnow()
    done = resolved(world, world.account_a, world.contact_a)
    waiting = factories.make_request(
        world.account_a,
        world.contact_a,
        status=WAITING_ON_CUSTOMER,
        last_activity_at=now - timedelta(days=3),
    )
    working = factories.make_request(
        world.account_a, world.contact_a, status=OPEN, last_activity_at=now - timedelta(days=5)
    )
    other = factories.make_request(world.account_a2, world.contact_a2, status=OPEN)
    db.session.commit()

    html = page(member, world, world.account_a)

    assert linked_requests(html) == [waiting.id, working.id, done.id]  # open ones first
    assert other.id not in linked_requests(html)
    assert "Waiting on customer" in html and "In progress" not in html  # staff words
    inbox = url_for("inbox.index", team_id=world.team_x.id, account=world.account_a.id)
    assert f'href="{inbox.replace("&", "&amp;")}"' in html


def test_requests_list_follows_the_visibility_rule(world, login_as):
    """A request of this account kept by another team (the account moved) shows only to
    people who may see it."""
    kept = factories.make_request(world.account_a, world.contact_a, status=CLOSED)
    kept.team_id = world.team_y.id
    db.session.commit()
    login_as(world.member_x)
    assert kept.id not in [r.id for r in overview.account_requests(world.member_x, world.account_a)]


def test_csat_counts_only_this_accounts_ratings_in_the_last_90_days(member, world):
    resolved(world, world.account_a, world.contact_a, score=5)
    resolved(world, world.account_a, world.contact_a, score=2)
    resolved(world, world.account_a, world.contact_a, score=1, days_ago=120)  # too old
    resolved(world, world.account_a, world.contact_a)  # not rated
    resolved(world, world.account_a2, world.contact_a2, score=1)  # the other account
    db.session.commit()

    csat = overview.account_csat(world.account_a, utcnow())
    assert (csat.average, csat.ratings) == (pytest.approx(3.5), 2)
    html = page(member, world, world.account_a)
    assert "<strong>3.50</strong> / 5" in html and "from 2 ratings" in html

    quiet = page(member, world, factories.make_account(world.team_x, world.tier, "Quiet Co"))
    assert "No ratings yet" in quiet


def _answer(survey, contact, team, pairs, dims):
    response = SurveyResponse(survey_id=survey.id, contact_id=contact.id, team_id=team.id)
    response.scores = [
        SurveyScore(dimension_id=d.id, expectation=e, perception=p)
        for d, (e, p) in zip(dims, pairs, strict=True)
    ]
    db.session.add(response)
    db.session.flush()


def test_gap_is_the_latest_answered_survey_of_this_account(member, world):
    insights.ensure_dimensions()
    dims = insights.dimensions()[:2]
    older, _ = insights.send_survey(
        world.coach_x, world.team_x, world.account_a, now=utcnow() - timedelta(days=200)
    )
    _answer(older, world.contact_a, world.team_x, [(1, 7), (1, 7)], dims)
    latest, _ = insights.send_survey(world.coach_x, world.team_x, world.account_a)
    _answer(latest, world.contact_a, world.team_x, [(6, 4), (5, 6)], dims)
    other, _ = insights.send_survey(world.coach_x, world.team_x, world.account_a2)
    _answer(other, world.contact_a2, world.team_x, [(1, 7), (7, 1)], dims)
    db.session.commit()

    gap = overview.latest_gap(world.account_a, utcnow())
    assert gap.survey.id == latest.id and gap.answers == 1
    assert gap.dimensions == [(dims[0].name, -2.0), (dims[1].name, 1.0)]
    html = page(member, world, world.account_a)
    assert "−2.00 short" in html or "-2.00 short" in html
    assert overview.latest_gap(factories.make_account(world.team_x), utcnow()) is None


def test_reference_group_members_are_marked_for_this_account_only(member, world):
    factories.join_reference_group(world.contact_a2, world.account_a2)
    db.session.commit()
    assert overview.reference_members(world.account_a) == set()
    assert "In the reference group" not in page(member, world, world.account_a)

    factories.join_reference_group(world.contact_a, world.account_a)
    db.session.commit()
    assert overview.reference_members(world.account_a) == {world.contact_a.id}
    html = page(member, world, world.account_a)
    assert html.count("In the reference group") == 1 and "1 in the" in html


def test_another_teams_member_sees_nothing_of_the_account(client, world, login_as):
    resolved(world, world.account_a, world.contact_a, score=4)
    db.session.commit()
    login_as(world.member_y)
    response = client.get(
        url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)
    )
    assert response.status_code == 404


def test_the_page_reads_few_queries(member, world):
    for _ in range(5):
        resolved(world, world.account_a, world.contact_a, score=4)
    db.session.commit()
    from sqlalchemy import event

    page(member, world, world.account_a)  # the reference tables (the tier rule) cached
    engine = db.engine
    counter = {"n": 0}

    def count(*args):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        page(member, world, world.account_a)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # sign-in, account, contacts, group, invitations, requests, 6 for the figures, the tier
    # changes (the tier rule is cached), the follow-ups and the named member (with its
    # person), and on PostgreSQL the insights measures' one "SET LOCAL jit = off"
    assert counter["n"] <= 16
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 5
