"""Closing a review round early takes two steps (issue 16): the round page leads to a
confirmation that says how early it closes and how many stances are in, and only a post
that confirms closes it. Without JavaScript, as plain pages and forms."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for

from portal.domain.review import early_by
from portal.extensions import db
from portal.procedures import stances
from tests import factories
from tests.cluster.web import forms_of

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (timedelta(days=1138), "more than 3 years"),
        (timedelta(days=400), "about 13 months"),
        (timedelta(days=61), "about 2 months"),
        (timedelta(days=36), "about 5 weeks"),
        (timedelta(days=13, hours=2), "13 days and 2 hours"),
        (timedelta(days=3, hours=4, minutes=10), "3 days and 4 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=5, minutes=1), "5 hours and 1 minute"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=12), "12 minutes"),
        (timedelta(seconds=20), "less than a minute"),
        (timedelta(0), ""),
        (timedelta(minutes=-5), ""),
    ],
)
def test_how_early_in_words(left, words):
    assert early_by(NOW + left, NOW) == words


def _open_round(world):
    factories.join_reference_group(world.contact_a, world.account_a)
    factories.join_reference_group(world.contact_a2, world.account_a2)
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x, days=3)
    stances.take_stance(world.contact_a, round_, "concern", "Two days is slow")
    db.session.commit()
    return procedure, round_


def _urls(world, procedure, round_):
    ids = {"team_id": world.team_x.id, "procedure_id": procedure.id, "round_id": round_.id}
    return (
        url_for("procedures.round", **ids),
        url_for("procedures.confirm_close_round", **ids),
        url_for("procedures.close_round", **ids),
    )


def _reload(round_):
    db.session.expire_all()
    return db.session.get(type(round_), round_.id)


def test_the_round_page_leads_to_a_confirmation_that_states_the_cost(client, world, login_as):
    procedure, round_ = _open_round(world)
    round_url, confirm_url, close_url = _urls(world, procedure, round_)
    login_as(world.coach_x)
    page = client.get(round_url).text
    assert f'href="{confirm_url}"' in page and "Close the round now" in page
    assert f'action="{close_url}"' not in page  # no one-click close on the round page
    confirm = client.get(confirm_url)
    assert confirm.status_code == 200
    assert "Closing now ends the round 2 days and 23 hours early" in confirm.text
    assert "1 stance is in" in confirm.text and "2 members of the reference group" in confirm.text
    assert "1 concern" in confirm.text
    assert _reload(round_).status == "open"  # looking changes nothing


def test_confirming_closes_the_round_early(client, world, login_as):
    procedure, round_ = _open_round(world)
    round_url, confirm_url, close_url = _urls(world, procedure, round_)
    login_as(world.coach_x)
    (form,) = [f for f in forms_of(client.get(confirm_url).text) if f.action == close_url]
    assert form.get("confirm") == "yes" and form.get("csrf_token")
    response = client.post(close_url, data=dict(form.fields))
    assert response.status_code == 303 and response.location.endswith(round_url)
    closed = _reload(round_)
    assert (closed.status, closed.closed_early) == ("closed", True)
    assert "The round is closed" in client.get(round_url).text
    # Once closed, the confirmation only sends the coach back to the round.
    again = client.get(confirm_url)
    assert again.status_code == 303 and again.location.endswith(round_url)


@pytest.mark.parametrize("fields", [{}, {"confirm": ""}, {"confirm": "no"}])
def test_a_post_without_confirmation_closes_nothing(client, world, login_as, no_csrf, fields):
    procedure, round_ = _open_round(world)
    _, confirm_url, close_url = _urls(world, procedure, round_)
    login_as(world.coach_x)
    response = client.post(close_url, data=fields)
    assert response.status_code == 303 and response.location.endswith(confirm_url)
    assert _reload(round_).status == "open"


def test_a_forged_confirmation_is_refused(client, world, login_as):
    procedure, round_ = _open_round(world)
    _, _, close_url = _urls(world, procedure, round_)
    login_as(world.coach_x)
    assert client.post(close_url, data={"confirm": "yes"}).status_code == 400  # no CSRF token
    assert _reload(round_).status == "open"


def test_members_may_not_close_a_round(client, world, login_as, no_csrf):
    procedure, round_ = _open_round(world)
    _, confirm_url, close_url = _urls(world, procedure, round_)
    login_as(world.member_x)
    assert client.get(confirm_url).status_code == 403
    assert client.post(close_url, data={"confirm": "yes"}).status_code == 403
    assert _reload(round_).status == "open"
