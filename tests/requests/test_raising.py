"""Raising requests under load: one transaction per post, every accepted post stored once."""

from __future__ import annotations

import threading
import uuid

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Entry, OutboxMessage, Request
from tests import factories


def _form(world, key=None):
    return {
        "account": str(world.account_a.id),
        "about": str(world.function.id),
        "subject": "Pallet count is short",
        "description": "Counted 38 pallets, the note says 40.",
        "urgency": "normal",
        "idempotency_key": key or uuid.uuid4().hex,
    }


def _counts():
    return (
        db.session.scalar(select(func.count()).select_from(Request)),
        db.session.scalar(select(func.count()).select_from(Entry)),
        db.session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def test_a_post_that_fails_half_way_leaves_nothing(client, world, login_as, no_csrf, monkeypatch):
    """The request, its events and its receipt commit together or not at all."""
    from portal.requests import raising

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is unavailable")

    factories.make_skill(world.member_x, world.function, 2)
    login_as(world.contact_a)
    monkeypatch.setattr(raising, "queue_mail", broken)
    with pytest.raises(RuntimeError):
        client.post(url_for("customer.new_request"), data=_form(world))
    assert _counts() == (0, 0, 0)


def test_concurrent_posts_are_each_stored_exactly_once(app, world, login_as, no_csrf):
    """Eight clients post at once: distinct forms, and the same form from two clients at
    the same moment (a double click reaching two workers). Every post is answered 303,
    each form is stored once, with its two events and one receipt."""
    factories.make_skill(world.member_x, world.function, 2)
    db.session.commit()
    clients, each = 8, 6
    # Clients 2n and 2n+1 send the same forms: pairs race for the same key.
    keys = {n: [f"{n // 2:02x}{i:030x}" for i in range(each)] for n in range(clients)}
    forms_of = {n: [_form(world, key) for key in keys[n]] for n in range(clients)}
    browsers = [login_as(world.contact_a, on=app.test_client()) for _ in range(clients)]
    url = url_for("customer.new_request")
    answers: dict[int, list] = {}
    start = threading.Barrier(clients)

    def post_all(n):
        start.wait()
        answers[n] = [browsers[n].post(url, data=form) for form in forms_of[n]]

    threads = [threading.Thread(target=post_all, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(answers) == list(range(clients))  # no client died on an error
    statuses = [r.status_code for n in range(clients) for r in answers[n]]
    assert statuses == [303] * clients * each
    for n in range(0, clients, 2):  # both of a pair were sent to the one request
        assert [r.headers["Location"] for r in answers[n]] == [
            r.headers["Location"] for r in answers[n + 1]
        ]
    forms = clients // 2 * each
    stored = db.session.execute(
        select(Request.idempotency_key, func.count()).group_by(Request.idempotency_key)
    ).all()
    assert len(stored) == forms and {count for _, count in stored} == {1}
    raised = select(func.count()).select_from(Entry).where(Entry.event == "raised")
    assigned = select(func.count()).select_from(Entry).where(Entry.event == "assigned")
    assert db.session.scalar(raised) == db.session.scalar(assigned) == forms
    assert _counts() == (forms, 2 * forms, forms)
