"""Webhook deliveries received by a real HTTP server on loopback: signed so the Standard
Webhooks reference library accepts them, retried after a failure, never sent twice after a
2xx, and an endpoint that keeps failing is switched off with its coaches told."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal.extensions import db
from portal.models import Notification, WebhookDelivery, WebhookEndpoint, utcnow
from portal.webhooks import delivery
from tests import factories


def _deliveries():
    return db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def _make_due():
    """As if the back-off had passed."""
    db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_a_raised_request_reaches_the_receiver_signed(world, receiver, endpoint_of):
    _, secret = endpoint_of(receiver.url)
    request = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()

    assert delivery.deliver_due() == 1

    [got] = receiver.received
    assert got.path == "/hooks/onestop"
    assert got.headers["Content-Type"] == "application/json"
    # The reference library verifies what we signed: id, timestamp and body together.
    event = Webhook(secret).verify(got.body, got.headers)
    assert event["type"] == "request.created"
    assert event["id"] == got.headers["webhook-id"]
    assert event["team_id"] == world.team_x.id
    assert event["data"]["request"]["reference"] == request.reference
    assert event["data"]["request"]["account_id"] == world.account_a.id
    # A body changed on the way is refused by the same check.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body.replace(b"request", b"reQuest"), got.headers)
    [row] = _deliveries()
    assert row.state == "delivered" and row.last_status == 204 and row.attempts == 1


def test_a_failed_delivery_is_retried_and_then_never_sent_again(world, receiver, endpoint_of):
    endpoint, secret = endpoint_of(receiver.url)
    receiver.answers = [500]
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()

    assert delivery.deliver_due() == 0
    [row] = _deliveries()
    assert row.state == "retrying" and row.last_status == 500
    assert "receiver says no" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=50)  # backed off a minute
    assert delivery.deliver_due() == 0  # not due yet: nothing sent
    assert len(receiver.received) == 1

    _make_due()
    assert delivery.deliver_due() == 1
    first, second = receiver.received
    # The same event, under the same id: the receiver can tell it is a retry.
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    Webhook(secret).verify(second.body, second.headers)

    _make_due()  # even were it due again, a delivered row is never claimed
    assert delivery.deliver_due() == 0
    assert len(receiver.received) == 2
    db.session.refresh(row)
    assert row.state == "delivered" and row.attempts == 2
    db.session.refresh(endpoint)
    assert endpoint.failures == 0 and endpoint.last_success_at is not None


def test_two_workers_at_once_send_each_delivery_once(app, world, receiver, endpoint_of):
    endpoint_of(receiver.url)
    for _ in range(25):
        factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    counts = []

    def work():
        with app.app_context():
            counts.append(delivery.deliver_due())
            db.session.remove()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 25 and len(set(ids)) == 25
    assert sum(counts) == 25


def test_tick_sends_webhooks(app, world, receiver, endpoint_of):
    endpoint_of(receiver.url)
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "webhooks delivered: 1" in result.output
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed(world, receiver, endpoint_of):
    endpoint_of(receiver.url)
    receiver.answers = [(307, {"Location": "http://169.254.169.254/latest/meta-data/"})]
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    assert delivery.deliver_due() == 0
    [row] = _deliveries()
    assert row.last_status == 307 and row.state == "retrying"
    assert len(receiver.received) == 1


def test_loopback_is_refused_where_it_is_not_allowed(app, world, receiver, endpoint_of):
    endpoint_of(receiver.url)
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = False
    try:
        assert delivery.deliver_due() == 0
    finally:
        app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    assert receiver.received == []
    [row] = _deliveries()
    assert row.last_status is None and "loopback" in row.last_error


def test_an_unreachable_receiver_costs_an_attempt_not_the_batch(world, receiver, endpoint_of):
    endpoint_of("http://127.0.0.1:9/nothing-listens")  # the discard port: refused
    endpoint_of(receiver.url)
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    assert delivery.deliver_due() == 1
    dead, alive = _deliveries()
    assert dead.state == "retrying" and dead.last_status is None
    assert "Connection" in dead.last_error or "connect" in dead.last_error
    assert alive.state == "delivered"
    assert dead.event_id == alive.event_id  # one event, told to both endpoints


def test_the_last_attempt_fails_for_good_and_can_be_sent_again(world, receiver, endpoint_of):
    endpoint_of(receiver.url)
    receiver.answers = [503] * delivery.MAX_ATTEMPTS
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    for _ in range(delivery.MAX_ATTEMPTS):
        _make_due()
        delivery.deliver_due()
    [row] = _deliveries()
    assert row.state == "failed" and row.attempts == delivery.MAX_ATTEMPTS
    _make_due()
    assert delivery.deliver_due() == 0  # failed rows stay failed
    assert len(receiver.received) == delivery.MAX_ATTEMPTS


def test_an_endpoint_failing_long_enough_is_switched_off_and_coaches_told(
    app, world, receiver, endpoint_of
):
    endpoint, _ = endpoint_of(receiver.url)
    receiver.answers = [500] * 20
    for _ in range(delivery.DISABLE_MIN_FAILURES):
        factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    delivery.deliver_due()
    db.session.refresh(endpoint)
    # Failing, but not for long yet: still on.
    assert endpoint.active and endpoint.failures == delivery.DISABLE_MIN_FAILURES

    db.session.execute(update(WebhookEndpoint).values(failing_since=utcnow() - timedelta(hours=25)))
    _make_due()
    delivery.deliver_due()
    db.session.refresh(endpoint)
    assert not endpoint.active and "24 hours" in endpoint.disabled_reason
    told = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in told] == [(world.coach_x.id, "webhook_disabled")]

    # Switched off: new events are not queued for it, and nothing queued is sent.
    before = len(_deliveries())
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    assert len(_deliveries()) == before
    sent = len(receiver.received)
    _make_due()
    assert delivery.deliver_due() == 0 and len(receiver.received) == sent


def test_a_request_sends_what_it_queued_as_its_response_closes(
    app, world, receiver, endpoint_of, login_as, client
):
    endpoint_of(receiver.url, events=("reply.created",))
    request = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    login_as(world.member_x)
    app.config.update(WTF_CSRF_ENABLED=False, WEBHOOKS_AFTER_RESPONSE=True)
    try:
        response = client.post(
            url_for("inbox.reply", team_id=world.team_x.id, request_id=request.id),
            data={"body": "We are on it.", "version": request.version},
        )
        assert response.status_code == 303
        response.close()  # what the server does once the answer is sent
    finally:
        app.config["WEBHOOKS_AFTER_RESPONSE"] = False
    [got] = receiver.received
    event = json.loads(got.body)
    assert event["type"] == "reply.created"
    assert event["data"]["entry"]["body"] == "We are on it."
    assert event["data"]["entry"]["public"] is True


def test_a_worker_that_lost_its_claim_does_not_overwrite_the_outcome(world, receiver, endpoint_of):
    """Worker A claims and stalls past the claim's time; worker B takes it over and delivers.
    A's late outcome is not recorded over B's, and nothing sends it again."""
    endpoint_of(receiver.url)
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    claimed_by_a = delivery._claim_one(healthy_only=False)
    db.session.execute(
        update(WebhookDelivery).values(claimed_at=utcnow() - delivery.CLAIM_TIMEOUT * 2)
    )
    db.session.commit()
    assert delivery.deliver_due() == 1  # worker B
    endpoint = db.session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.team_id, WebhookEndpoint.url)
    ).first()
    delivery._record(claimed_by_a, endpoint, None, "A timed out", 10)
    db.session.commit()
    [row] = _deliveries()
    assert row.state == "delivered" and row.last_error is None
    assert delivery.deliver_due() == 0 and len(receiver.received) == 1


def test_an_endpoint_removed_behind_the_cache_s_back_fails_no_post(world, endpoint_of):
    """The subscriptions are cached under the site stamp; a row deleted without moving it
    (as by another server a moment ago) must not turn a customer's post into an error."""
    from sqlalchemy import delete

    endpoint_of("https://crm.example.com/hooks")
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    db.session.execute(delete(WebhookDelivery))
    db.session.execute(delete(WebhookEndpoint))  # Core: the stamp does not move
    db.session.commit()
    item = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    assert item.id and _deliveries() == []


def test_an_ipv6_literal_target_is_reached(app, world, endpoint_of):
    """http://[::1]:port/ — the port is the URL's, not the last group of the address."""
    import socket
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append((self.headers["Host"], self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6

    server = Server(("::1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        endpoint_of(f"http://[::1]:{port}/hook")
        factories.raise_request(world.contact_a, world.account_a)
        db.session.commit()
        assert delivery.deliver_due() == 1
    finally:
        server.shutdown()
        server.server_close()
    assert got[0][0] == f"[::1]:{port}"
