"""Every customer write, and the password change at /me, is rate-limited (issue #13, item 7).

Each case posts up to its limit, then once more with a post that would write: that one gets
the friendly 429 page and the database is exactly as it was. The suite's app runs without
limits (see tests/auth/test_rate_limits.py); these use the throwaway app built there.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.insights import services as insights
from portal.models import SurveyInvitation, utcnow
from portal.procedures import group_membership
from tests import factories
from tests.auth.test_rate_limits import assert_too_many, from_ip, quick_check
from tests.conftest import IsolatedClient, outbox

__all__ = ["quick_check"]  # a fixture, used by name

PER_CONTACT = 2  # SUBMISSION_RATE_LIMIT for these tests


@pytest.fixture
def limited(limited_app):
    limited_app.config["SUBMISSION_RATE_LIMIT"] = f"{PER_CONTACT} per hour"
    limited_app.test_client_class = IsolatedClient
    return limited_app


def snapshot():
    """Every row of every table: a refused post must leave all of them as they were."""
    db.session.commit()
    return {
        table.name: db.session.execute(table.select().order_by(*table.primary_key.columns)).all()
        for table in db.metadata.sorted_tables
    }


# Each case returns `next_post()`: it readies the database so that the post it describes
# would write, and returns (endpoint, url values, form data).


def _open_request(world):
    return factories.make_request(world.account_a, world.contact_a, status="open")


def chase(world):
    item = _open_request(world)

    def next_post():
        factories.age_chases(item)  # the last chase long ago: this one would be recorded
        return "customer.chase", {"request_id": item.id}, {}

    return next_post


def resolve(world):
    item = _open_request(world)

    def next_post():
        item.status, item.resolved_at = "open", None
        return "customer.resolve", {"request_id": item.id}, {}

    return next_post


def reopen(world):
    item = _open_request(world)

    def next_post():
        item.status, item.resolved_at = "resolved", utcnow()
        return "customer.reopen", {"request_id": item.id}, {}

    return next_post


def rate(world):
    item = factories.make_request(
        world.account_a, world.contact_a, status="resolved", resolved_at=utcnow()
    )
    scores = iter("12345")

    def next_post():
        return "customer.rate", {"request_id": item.id}, {"score": next(scores)}

    return next_post


def feedback(world):
    def next_post():
        data = {"account": world.account_a.id, "kind": "idea", "body": "Open on Saturdays"}
        return "customer.feedback", {}, data

    return next_post


def join(world):
    def next_post():
        group_membership.leave(world.contact_a, world.team_x.id)
        return "reference.join", {}, {"account": world.account_a.id}

    return next_post


def leave(world):
    def next_post():
        factories.join_reference_group(world.contact_a, world.account_a)
        return "reference.leave", {}, {"team": world.team_x.id}

    return next_post


def stance(world):
    factories.join_reference_group(world.contact_a, world.account_a)
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    kinds = iter(["support", "concern", "support", "concern"])

    def next_post():
        data = {"kind": next(kinds), "reason": "Works for us"}
        return "reference.stance", {"round_id": round_.id}, data

    return next_post


def survey_in_the_app(world):
    def next_post():
        survey, _ = insights.send_survey(world.coach_x, world.team_x, world.account_a)
        answers = _answers()
        (invitation_id,) = [i.id for i in _invitations(survey)]
        return "insights.my_survey", {"invitation_id": invitation_id}, answers

    return next_post


def _answers():
    dims = insights.dimensions()
    return {f"expect-{d.id}": "6" for d in dims} | {f"experience-{d.id}": "4" for d in dims}


def _invitations(survey):
    return db.session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.survey_id == survey.id)
    )


@pytest.mark.parametrize(
    "case",
    [chase, resolve, reopen, rate, feedback, join, leave, stance, survey_in_the_app],
)
def test_the_post_after_a_contacts_budget_gets_429_and_writes_nothing(
    limited, world, login_as, case
):
    next_post = case(world)
    client = limited.test_client()
    login_as(world.contact_a, on=client)
    for _ in range(PER_CONTACT):
        url, data = _post(limited, next_post)
        assert client.post(url, data=data).status_code < 400
    url, data = _post(limited, next_post)
    before = snapshot()
    assert_too_many(client.post(url, data=data))
    assert snapshot() == before


def _post(app, next_post):
    endpoint, values, data = next_post()
    with app.test_request_context():
        return url_for(endpoint, **values), data


def test_the_budget_is_the_persons_not_the_sessions(limited, world, login_as):
    next_post = chase(world)
    first = limited.test_client()
    login_as(world.contact_a, on=first)
    for _ in range(PER_CONTACT):
        url, data = _post(limited, next_post)
        assert first.post(url, data=data).status_code == 303
    # Signing out everywhere and in again (a new session version) starts no fresh budget.
    world.contact_a.session_version += 1
    db.session.commit()
    second = limited.test_client()
    login_as(world.contact_a, on=second)
    url, data = _post(limited, next_post)
    assert_too_many(second.post(url, data=data))
    # Another contact has a budget of their own.
    other = factories.make_contact(world.account_a)
    item = factories.make_request(world.account_a, other, status="open")
    login_as(other, on=second)
    with limited.test_request_context():
        url = url_for("customer.chase", request_id=item.id)
    assert second.post(url).status_code == 303


def test_password_changes_at_me_are_limited_per_person(limited, world, login_as, quick_check):
    client = limited.test_client()
    login_as(world.contact_a, on=client)
    with limited.test_request_context():
        url = url_for("auth.profile")
    new = {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    for _ in range(10):
        response = client.post(url, data={"current_password": "a guess", **new})
        assert response.status_code == 422
    before = snapshot()
    assert_too_many(client.post(url, data={"current_password": factories.PASSWORD, **new}))
    assert snapshot() == before
    assert client.get(url).status_code == 200  # reading the page is not limited


def test_survey_link_posts_are_limited_per_address(limited, world):
    insights.send_survey(world.coach_x, world.team_x, world.account_a)
    db.session.commit()
    token = re.search(r"/surveys/(\S+)", outbox(None)[-1].body).group(1)
    with limited.test_request_context():
        url = url_for("insights.survey", token=token)
    client = from_ip(limited, "10.0.7.1")
    for _ in range(30):
        assert client.post(url, data={}).status_code == 422  # no scores: nothing saved
    answers = _answers()
    before = snapshot()
    assert_too_many(client.post(url, data=answers))
    assert snapshot() == before
    assert from_ip(limited, "10.0.7.2").post(url, data=answers).status_code == 200
