"""A member logs a request for a customer who called or came by: it is the customer's own
request from the start (My requests, the receipt), with the channel and who logged it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import url_for

from portal.extensions import db
from portal.models import Entry, Request
from tests.conftest import outbox


def _post(client, w, contact, **fields):
    data = {
        "contact": contact.id,
        "channel": "phone",
        "function": "",
        "urgency": "high",
        "subject": "Forklift battery",
        "description": "Called: the forklift battery will not charge.",
        "idempotency_key": uuid.uuid4().hex,
        **fields,
    }
    return client.post(url_for("inbox.log_request", team_id=w.team_x.id), data=data)


def test_a_logged_request_is_the_customers_with_its_channel_and_receipt(
    client, login_as, no_csrf, world
):
    login_as(world.member_x)
    response = _post(client, world, world.contact_a)

    assert response.status_code == 303
    item = db.session.scalar(sa.select(Request))
    assert response.headers["Location"].endswith(
        url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
    )
    assert (item.requester_id, item.account_id, item.channel, item.urgency) == (
        world.contact_a.id,
        world.account_a.id,
        "phone",
        "high",
    )
    logged = db.session.scalar(sa.select(Entry).where(Entry.event == "logged"))
    assert (logged.author_id, logged.public, logged.data) == (
        world.member_x.id,
        True,
        {"channel": "phone"},
    )
    assert [m.recipient for m in outbox(None)] == [world.contact_a.email]

    login_as(world.contact_a)
    assert "Forklift battery" in client.get(url_for("customer.home")).text
    page = client.get(url_for("customer.request", request_id=item.id)).text
    assert "Member X wrote this request down for you during your call." in page


def test_the_same_form_sent_twice_logs_one_request(client, login_as, no_csrf, world):
    login_as(world.member_x)
    key = uuid.uuid4().hex
    assert _post(client, world, world.contact_a, idempotency_key=key).status_code == 303
    assert _post(client, world, world.contact_a, idempotency_key=key).status_code == 303

    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 1


def test_a_customer_of_another_team_or_an_empty_subject_is_refused(
    client, login_as, no_csrf, world
):
    login_as(world.member_x)

    other_team = _post(client, world, world.contact_b)
    empty = _post(client, world, world.contact_a, subject="")

    assert other_team.status_code == empty.status_code == 422
    assert "Not a valid choice" in other_team.text
    assert "Give the request a short title." in empty.text
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 0
