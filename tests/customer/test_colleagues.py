"""Colleagues with account-wide visibility read and reply on each other's requests; only the
requester resolves, reopens and rates (issue #13, item 4).

A colleague who sees the request but may not act gets 403; someone who does not see it, 404.
"""

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal import acting
from portal.extensions import db
from portal.models import Entry, Rating, utcnow
from tests import factories

HX = {"HX-Request": "true"}
REQUESTER_ONLY = ("customer.resolve", "customer.reopen", "customer.rate")


@pytest.fixture
def colleague(world):
    """A second contact of Account A, opted in, while Account A shares visibility."""
    world.account_a.shares_visibility = True
    person = factories.make_contact(world.account_a, sees_account_requests=True, name="Colleague")
    db.session.commit()
    return person


def _open(world):
    return factories.make_request(world.account_a, world.contact_a, status="open")


def _resolved(world):
    return factories.make_request(
        world.account_a, world.contact_a, status="resolved", resolved_at=utcnow()
    )


def _entries():
    return db.session.scalar(select(func.count()).select_from(Entry))


def test_the_rule_lives_in_access(world, colleague):
    item = _open(world)
    assert acting.can_act_as_requester(world.contact_a, item)
    assert not acting.can_act_as_requester(colleague, item)
    assert not acting.can_act_as_requester(world.member_x, item)


@pytest.mark.parametrize("endpoint", REQUESTER_ONLY)
def test_a_colleague_who_sees_the_request_gets_403_and_nothing_changes(
    client, world, colleague, login_as, no_csrf, endpoint
):
    item = _resolved(world) if endpoint != "customer.resolve" else _open(world)
    db.session.commit()
    status, version = item.status, item.version
    login_as(colleague)
    assert client.get(url_for("customer.request", request_id=item.id)).status_code == 200
    for headers in ({}, HX):
        response = client.post(
            url_for(endpoint, request_id=item.id), data={"score": "1"}, headers=headers
        )
        assert response.status_code == 403
    db.session.refresh(item)
    assert (item.status, item.version) == (status, version)
    assert _entries() == 0
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


@pytest.mark.parametrize("endpoint", REQUESTER_ONLY)
def test_those_who_cannot_see_the_request_get_404(
    client, world, colleague, login_as, no_csrf, endpoint
):
    item = _resolved(world) if endpoint != "customer.resolve" else _open(world)
    # Account A2 shares Team X with Account A; a contact of A who did not opt in sees only
    # their own requests.
    not_opted_in = factories.make_contact(world.account_a, name="Not opted in")
    for person in (world.contact_a2, world.contact_b, not_opted_in):
        login_as(person)
        response = client.post(url_for(endpoint, request_id=item.id), data={"score": "1"})
        assert response.status_code == 404
    # Revoking the account's visibility turns the colleague's 403 into 404.
    world.account_a.shares_visibility = False
    login_as(colleague)
    assert client.post(url_for(endpoint, request_id=item.id)).status_code == 404
    assert _entries() == 0


def test_a_colleague_still_reads_replies_and_chases(client, world, colleague, login_as, no_csrf):
    item = _open(world)
    login_as(colleague)
    reply = client.post(url_for("customer.reply", request_id=item.id), data={"body": "Any news?"})
    assert reply.status_code == 303
    assert client.post(url_for("customer.chase", request_id=item.id)).status_code == 303
    db.session.refresh(item)
    assert item.status == "open"
    assert _entries() == 2  # the reply and the chase


def test_the_requester_still_resolves_reopens_and_rates(
    client, world, colleague, login_as, no_csrf
):
    item = _open(world)
    login_as(world.contact_a)
    assert client.post(url_for("customer.resolve", request_id=item.id)).status_code == 303
    assert client.post(url_for("customer.reopen", request_id=item.id)).status_code == 303
    assert client.post(url_for("customer.resolve", request_id=item.id)).status_code == 303
    rated = client.post(url_for("customer.rate", request_id=item.id), data={"score": "5"})
    assert rated.status_code == 303
    assert db.session.scalar(select(Rating.score)) == 5


def _buttons(page: str) -> dict[str, bool]:
    return {
        "resolve": "mark resolved" in page,
        "reopen": "reopen</button>" in page,
        "rate": 'id="rating"' in page,
        "reply": "Send reply" in page,
        "chase": "Ask for an update" in page,
    }


def test_the_page_hides_the_requesters_buttons_from_a_colleague(client, world, colleague, login_as):
    open_item, done_item = _open(world), _resolved(world)
    login_as(colleague)
    page = client.get(url_for("customer.request", request_id=open_item.id)).text
    assert _buttons(page) == {
        "resolve": False,
        "reopen": False,
        "rate": False,
        "reply": True,
        "chase": True,
    }
    assert "Raised by" in page and world.contact_a.name in page
    page = client.get(url_for("customer.request", request_id=done_item.id)).text
    assert not any(_buttons(page).values())

    login_as(world.contact_a)
    page = client.get(url_for("customer.request", request_id=open_item.id)).text
    assert _buttons(page)["resolve"] and _buttons(page)["reply"]
    page = client.get(url_for("customer.request", request_id=done_item.id)).text
    assert _buttons(page)["reopen"] and _buttons(page)["rate"]
