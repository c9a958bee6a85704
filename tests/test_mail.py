"""Mail through a real SMTP server (aiosmtpd): delivered once, kept when the server is down."""

from __future__ import annotations

import email
import socket
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from flask import url_for

from portal.auth import services as auth_services
from portal.extensions import db
from portal.invitations import services as invitation_services
from portal.mail import CLAIM_TIMEOUT, MAX_ATTEMPTS, deliver_pending, queue_mail
from portal.models import OutboxMessage, utcnow
from tests.auth.helpers import link_path
from tests.conftest import outbox


class Inbox:
    """An aiosmtpd handler that keeps every message it is handed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free port, and the app configured to send through it."""
    server = SMTPServer(free_port())
    keys = ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME")
    saved = {key: app.config[key] for key in keys}
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_USE_TLS=False,
        MAIL_USERNAME=None,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_reset_mail_arrives_with_a_working_link(app, client, world, smtp):
    auth_services.request_reset(world.contact_a.email)
    db.session.commit()
    assert deliver_pending() == 1

    (message,) = smtp.inbox.messages
    assert message["To"] == world.contact_a.email
    assert message["Subject"] == "Reset your Onestop password"
    assert "onestop@localhost" in message["From"]
    assert smtp.inbox.envelopes[0].rcpt_tos == [world.contact_a.email]
    link = link_path(app, body_of(message), "/reset/")
    assert client.get(link).status_code == 200

    (queued,) = outbox(app)
    assert queued.sent_at is not None and queued.last_error is None and queued.attempts == 1


def test_an_invitation_mail_arrives_with_a_working_link(app, client, world, smtp):
    invitation_services.invite_contact(
        world.member_x, world.account_a, email="guest@example.com", name="Guest Person"
    )
    db.session.commit()
    assert deliver_pending() == 1
    (message,) = smtp.inbox.messages
    assert message["To"] == "guest@example.com"
    body = body_of(message)
    assert "Hello Guest Person" in body and "Account A" in body
    link = link_path(app, body, "/invitations/")
    assert client.get(link).status_code == 200


def test_a_message_is_never_sent_twice(app, world, smtp):
    queue_mail("one@example.com", "One", "first body")
    queue_mail("two@example.com", "Two", "second body")
    db.session.commit()
    assert deliver_pending() == 2
    assert deliver_pending() == 0
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["one@example.com", "two@example.com"]


def test_a_backlog_is_claimed_a_few_at_a_time(app, smtp, monkeypatch):
    """A claim older than CLAIM_TIMEOUT counts as abandoned: a long backlog claimed at once
    would age while it waits its turn, and another worker would send it again."""
    from portal import mail

    claims: list[int] = []
    real = mail._claim_due

    def recording(limit):
        claimed = real(limit)
        claims.append(len(claimed))
        return claimed

    monkeypatch.setattr(mail, "_claim_due", recording)
    for n in range(mail.CLAIM_BATCH * 2 + 3):
        queue_mail(f"p{n}@example.com", f"Backlog {n}", "body")
    db.session.commit()
    assert deliver_pending() == mail.CLAIM_BATCH * 2 + 3
    assert claims == [mail.CLAIM_BATCH, mail.CLAIM_BATCH, 3]
    assert len(smtp.inbox.messages) == mail.CLAIM_BATCH * 2 + 3
    claims.clear()
    assert deliver_pending(limit=5) == 0 and claims == [0]


def test_a_message_another_worker_is_sending_is_left_alone(app, smtp):
    message = queue_mail("busy@example.com", "Busy", "body")
    message.claimed_at = utcnow() - timedelta(seconds=5)
    db.session.commit()
    assert deliver_pending() == 0
    assert smtp.inbox.messages == []
    # A claim older than the timeout is a crashed worker's: the message goes out.
    message = db.session.get(OutboxMessage, message.id)
    message.claimed_at = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending() == 1
    assert [m["To"] for m in smtp.inbox.messages] == ["busy@example.com"]


def test_with_the_server_down_the_message_stays_queued_and_goes_out_later(app, smtp):
    smtp.stop()  # nothing listens on the configured port now
    queue_mail("later@example.com", "Later", "body with https://example.com/link")
    db.session.commit()

    assert deliver_pending() == 0
    (message,) = outbox(app)
    assert message.sent_at is None
    assert message.last_error  # the reason is kept for the operator
    assert message.claimed_at is None  # released for the next run
    assert message.attempts == 1
    assert message.next_attempt_at is not None  # it backs off before trying again

    smtp.start()
    assert deliver_pending() == 0  # still backing off
    message.next_attempt_at = message.next_attempt_at - timedelta(minutes=5)  # time passes
    db.session.commit()
    assert deliver_pending() == 1
    (message,) = outbox(app)
    assert message.sent_at is not None and message.last_error is None
    assert [m["To"] for m in smtp.inbox.messages] == ["later@example.com"]
    assert deliver_pending() == 0
    assert len(smtp.inbox.messages) == 1


def test_delivery_gives_up_after_the_last_attempt(app, smtp):
    message = queue_mail("never@example.com", "Never", "body")
    message.attempts = MAX_ATTEMPTS
    db.session.commit()
    assert deliver_pending() == 0
    assert smtp.inbox.messages == []


def test_mail_queued_by_a_request_is_written_with_it(app, client, world, smtp):
    """The outbox row commits with the reset; sending happens outside the request."""
    from tests.auth.helpers import csrf_token

    token = csrf_token(client, url_for("auth.request_reset"))
    response = client.post(
        url_for("auth.request_reset"), data={"csrf_token": token, "email": world.member_x.email}
    )
    assert response.status_code == 303
    assert [m.recipient for m in outbox(app)] == [world.member_x.email]
    deliver_pending()
    assert [m["To"] for m in smtp.inbox.messages] == [world.member_x.email]


def test_header_injection_through_a_name_stays_in_the_body(app, world, smtp):
    invitation_services.invite_contact(
        world.member_x,
        world.account_a,
        email="inject@example.com",
        name="Eve\r\nBcc: victim@example.com",
    )
    db.session.commit()
    assert deliver_pending() == 1
    (envelope,) = smtp.inbox.envelopes
    assert envelope.rcpt_tos == ["inject@example.com"]
    assert smtp.inbox.messages[0]["Bcc"] is None
