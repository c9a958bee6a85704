"""Delivery waits for credit: a handoff that waits for another starts its clock, and its
owner is told it is their turn, only when that one is done (or cancelled); the customer's
progress line shows the order."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Handoff, Notification
from portal.requests import handoffs
from portal.requests.errors import RequestError
from tests import factories
from tests.inbox.test_handoffs import hand_off


@pytest.fixture
def functions(world):
    credit = factories.make_function("Credit", customer_label="credit")
    delivery = factories.make_function("Delivery", customer_label="delivery")
    db.session.commit()
    return credit, delivery


def _pair(world, item, credit, delivery):
    first = handoffs.create(
        world.member_x,
        item,
        function=credit,
        owner=world.member_y,
        what_is_needed="Check the limit",
        due_in_hours=4,
    )
    second = handoffs.create(
        world.member_x,
        item,
        function=delivery,
        owner=world.coach_x,
        what_is_needed="Book a slot",
        due_in_hours=8,
        waits_for=first,
    )
    db.session.commit()
    return first, second


def test_the_waiting_handoff_starts_when_the_first_is_done(world, functions):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    first, second = _pair(world, item, *functions)
    assert first.due_at is not None
    assert second.is_waiting and second.due_at is None and second.started_at is None
    told = db.session.scalar(
        select(Notification.text).where(Notification.user_id == world.coach_x.id)
    )
    assert "once Credit is done" in told

    handoffs.complete(world.member_y, first, "Limit raised")
    db.session.commit()
    db.session.refresh(second)
    assert not second.is_waiting and second.started_at is not None
    assert second.due_at > second.started_at  # 8 business hours from now, not from before
    texts = db.session.scalars(
        select(Notification.text).where(Notification.user_id == world.coach_x.id)
    ).all()
    assert any(t.startswith(f"Your turn on {item.reference} (Delivery)") for t in texts)
    line = handoffs.progress_line(handoffs.for_request(item))
    assert line == "Credit: done → Delivery: in progress"


def test_a_cancelled_first_handoff_lets_the_next_start(world, functions):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    first, second = _pair(world, item, *functions)
    assert handoffs.progress_line(handoffs.for_request(item)) == (
        "Credit: in progress → Delivery: waiting"
    )
    handoffs.cancel(world.member_x, first)
    db.session.commit()
    db.session.refresh(second)
    assert second.started_at is not None and second.due_at is not None
    assert handoffs.progress_line(handoffs.for_request(item)) == "Delivery: in progress"


def test_a_handoff_waits_only_for_one_of_its_own_request(world, functions):
    credit, delivery = functions
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    other = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    first, _ = _pair(world, item, credit, delivery)
    with pytest.raises(RequestError, match="same request"):
        handoffs.create(
            world.member_x,
            other,
            function=delivery,
            owner=world.coach_x,
            what_is_needed="x",
            due_in_hours=8,
            waits_for=first,
        )


def test_the_request_page_form_and_the_customer_line(world, functions, client, login_as, no_csrf):
    credit, delivery = functions
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.member_x)
    hand_off(client, world, item, credit, owner=str(world.member_y.id))
    first = db.session.scalar(select(Handoff))
    form = client.get(url_for("inbox.handoff_form", team_id=world.team_x.id, request_id=item.id))
    assert f'<option value="{first.id}">After Credit (Member Y)</option>' in form.text
    answer = hand_off(
        client, world, item, delivery, owner=str(world.coach_x.id), waits_for=str(first.id)
    )
    assert answer.status_code == 303
    page = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).text
    assert "Waiting for Credit" in page and "its clock starts when that is done" in page

    login_as(world.contact_a)
    mine = client.get(url_for("customer.request", request_id=item.id)).text
    assert "Credit: in progress → Delivery: waiting" in mine
    assert "Check the limit" not in mine  # what is needed stays internal


def test_a_waiting_handoff_cannot_be_done_before_the_one_it_waits_for(world, functions):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    _, second = _pair(world, item, *functions)
    with pytest.raises(RequestError, match="waits for Credit: mark that one done first"):
        handoffs.complete(world.coach_x, second, "Booked anyway")
    assert second.is_open


def test_nothing_starts_on_a_request_already_closed(world, functions):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    first, second = _pair(world, item, *functions)
    item.status = "closed"
    db.session.commit()
    handoffs.complete(world.member_y, first, "Limit raised")
    db.session.commit()
    db.session.refresh(second)
    assert second.is_waiting and second.due_at is None
