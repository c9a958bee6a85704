"""A poll's 304 answered in front of the app (portal/revalidation.py): only where the app
would have answered exactly that, and everything else left to the app."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import event

from portal import revalidation
from portal.access import CONTACT, STAFF
from portal.extensions import db
from portal.models import Request
from tests import factories

from .auth.helpers import COOKIE, replay, session_cookie

HX = {"HX-Request": "true"}


@pytest.fixture
def poll(world):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    return url_for("customer.request_updates", request_id=item.id)


def _gate(app) -> revalidation.Gate:
    return app.extensions["revalidation"]


def _etag(client, poll) -> dict:
    first = client.get(poll, headers=HX)
    assert first.status_code == 200
    return {"If-None-Match": first.headers["ETag"]}


class Answered:
    """Who answered a request: the gate (its statement) or the app (its statements)."""

    def __init__(self, app):
        self.gate = _gate(app)
        self.app_statements = 0

    def __enter__(self):
        self.before = self.gate.statements
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._count)
        self.gate_statements = self.gate.statements - self.before

    def _count(self, *args):
        self.app_statements += 1


def _headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k not in ("Date", "Server")}


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_gate_answers_304_exactly_as_the_app_does(
    app, client, world, login_as, poll, monkeypatch, scheme
):
    login_as(world.contact_a)
    base = f"{scheme}://localhost"
    etag = _etag(client, poll)
    with Answered(app) as answered:
        fast = client.get(poll, base_url=base, headers={**HX, **etag})
    assert fast.status_code == 304 and fast.data == b""
    assert (answered.gate_statements, answered.app_statements) == (1, 0)

    monkeypatch.setattr(revalidation, "_registry", {})  # the gate now passes everything on
    with Answered(app) as answered:
        slow = client.get(poll, base_url=base, headers={**HX, **etag})
    assert slow.status_code == 304 and answered.app_statements > 0
    assert _headers(fast) == _headers(slow)
    assert ("Strict-Transport-Security" in fast.headers) == (scheme == "https")


def test_a_changed_request_is_rendered_by_the_app(app, client, world, login_as, poll):
    login_as(world.contact_a)
    etag = _etag(client, poll)
    item = db.session.scalars(db.select(Request)).one()
    item.version += 1
    db.session.commit()
    with Answered(app) as answered:
        changed = client.get(poll, headers={**HX, **etag})
    assert changed.status_code == 200 and 'id="live-timeline"' in changed.text
    assert answered.app_statements > 0


@pytest.mark.parametrize(
    "headers, holds_etag, status",
    [
        (HX, False, 200),  # nothing held yet: the fragment
        ({}, True, 302),  # a plain GET: off to the page
        ({**HX, "HX-Boosted": "true"}, True, 302),
        ({**HX, "HX-History-Restore-Request": "true"}, True, 302),
    ],
)
def test_what_is_not_a_revalidating_poll_goes_to_the_app(
    app, client, world, login_as, poll, headers, holds_etag, status
):
    login_as(world.contact_a)
    etag = _etag(client, poll)
    headers = {**headers, **(etag if holds_etag else {})}
    with Answered(app) as answered:
        response = client.get(poll, headers=headers)
    assert response.status_code == status
    assert answered.gate_statements == 0 and answered.app_statements > 0


def test_someone_who_may_not_see_the_request_gets_the_apps_answer(
    app, client, world, login_as, poll
):
    login_as(world.contact_a)
    etag = _etag(client, poll)
    held = session_cookie(client)

    # Another account's contact, holding the right ETag: 404, as without the gate.
    login_as(world.contact_b)
    assert client.get(poll, headers={**HX, **etag}).status_code == 404
    # Staff are not contacts: the CONTACT policy refuses them (403), the gate never says 304.
    login_as(world.member_x)
    assert client.get(poll, headers={**HX, **etag}).status_code == 403
    # A cookie we did not sign, or none: sent to sign in.
    for browser in (replay(app, factories.tampered(held)), app.test_client()):
        refused = browser.get(poll, headers={**HX, **etag})
        assert refused.status_code == 204
        assert refused.headers["HX-Redirect"].startswith(url_for("auth.login"))


def test_a_remembered_cookie_still_expires(app, world, login_as, client, poll, monkeypatch):
    """The gate remembers a cookie's checked signature, never how fresh it is."""
    login_as(world.contact_a)
    etag = _etag(client, poll)
    cookie = client.get_cookie(COOKIE).value
    assert client.get(poll, headers={**HX, **etag}).status_code == 304  # remembered now
    gate = _gate(app)
    environ = {"HTTP_COOKIE": f"{COOKIE}={cookie}"}
    assert gate._signed(environ) is not None
    later = revalidation.time.time() + gate.max_age + 1
    monkeypatch.setattr(revalidation.time, "time", lambda: later)
    assert gate._signed(environ) is None


def test_a_failure_in_the_gate_leaves_the_answer_to_the_app(
    app, client, world, login_as, poll, monkeypatch, caplog
):
    login_as(world.contact_a)
    etag = _etag(client, poll)

    def broken(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(_gate(app), "_scalar", broken)
    with Answered(app) as answered:
        response = client.get(poll, headers={**HX, **etag})
    assert response.status_code == 304 and answered.app_statements > 0
    assert "revalidation failed" in caplog.text


def test_an_app_whose_view_changed_policy_does_not_start(app, monkeypatch):
    monkeypatch.setitem(revalidation._registry, "customer.request_updates", (STAFF, None))
    with pytest.raises(RuntimeError, match=r"customer\.request_updates"):
        revalidation.check_registered_policies(app)
    monkeypatch.setitem(revalidation._registry, "customer.request_updates", (CONTACT, None))
    revalidation.check_registered_policies(app)


def test_the_gates_connection_goes_back_to_the_pool_ready_for_a_transaction(
    app, client, world, login_as, poll
):
    """The gate reads outside a transaction; the next request on that pooled connection must
    not inherit that, or its writes would commit one statement at a time."""
    login_as(world.contact_a)
    etag = _etag(client, poll)
    assert client.get(poll, headers={**HX, **etag}).status_code == 304
    connection = db.engine.raw_connection()  # the pool lends the one returned last
    try:
        assert getattr(connection.driver_connection, "autocommit", False) is False
    finally:
        connection.close()
    item = db.session.scalars(db.select(Request)).one()
    before = item.version
    item.version += 1
    db.session.flush()
    db.session.rollback()
    assert db.session.get(Request, item.id).version == before
