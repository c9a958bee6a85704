"""Mail through a real SMTP server (aiosmtpd): delivered once, kept when the server is down,
and one message that cannot be sent never holds up the others."""

from __future__ import annotations

import email
import socket
import sys
from collections import Counter
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from flask import url_for

from portal import mail
from portal.auth import services as auth_services
from portal.extensions import db
from portal.invitations import services as invitation_services
from portal.mail import CLAIM_TIMEOUT, MAX_ATTEMPTS, deliver_pending, header_text, queue_mail
from portal.models import OutboxMessage, utcnow
from tests import factories
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


class PickyInbox(Inbox):
    """Refuses some recipients at RCPT: `gone…` for good (550), `busy…` for now (451)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class SMTPServer:
    def __init__(self, port: int, inbox: Inbox | None = None):
        self.port = port
        self.inbox = inbox or Inbox()
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
    yield from _serve(app, SMTPServer(free_port()))


@pytest.fixture
def picky_smtp(app):
    """A real SMTP server that refuses some recipients (see PickyInbox)."""
    yield from _serve(app, SMTPServer(free_port(), PickyInbox()))


def _serve(app, server):
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
    """A message whose last attempt was claimed but never recorded (its worker stopped
    mid-send) may have gone out: it is not sent again but marked failed, for an admin."""
    message = queue_mail("never@example.com", "Never", "body")
    message.attempts = MAX_ATTEMPTS
    message.claimed_at = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending() == 0
    assert smtp.inbox.messages == []
    (message,) = outbox(app)
    assert message.failed_at is not None and message.sent_at is None
    assert message.attempts == MAX_ATTEMPTS and message.claimed_at is None
    assert "Interrupted" in message.last_error
    assert deliver_pending() == 0 and smtp.inbox.messages == []


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


# --- one message that cannot be sent never holds up the others ------------------------------


def _sent_once(smtp, recipients) -> None:
    """Each of `recipients` got exactly one message, and nobody else got any."""
    assert Counter(m["To"] for m in smtp.inbox.messages) == Counter(recipients)
    assert all(count == 1 for count in Counter(recipients).values())


def test_a_poison_message_fails_alone_and_every_other_is_delivered_once(app, smtp):
    """A message EmailMessage refuses to build (here a recipient with a line break in it)
    used to escape the delivery loop: the batch stayed claimed, poison first, and was
    claimed again on every run until each message in it ran out of attempts unsent."""
    good = [f"good{n}@example.com" for n in range(6)]
    for address in good[:3]:
        queue_mail(address, f"Hello {address}", "body")
    poison = queue_mail("poison@example.com\r\nBcc: victim@example.com", "Poison", "body")
    for address in good[3:]:
        queue_mail(address, f"Hello {address}", "body")
    db.session.commit()

    assert deliver_pending() == len(good)
    _sent_once(smtp, good)
    assert all(env.rcpt_tos != ["victim@example.com"] for env in smtp.inbox.envelopes)

    poison = db.session.get(OutboxMessage, poison.id)
    assert poison.sent_at is None
    assert poison.failed_at is not None  # failed at once: building it fails every time
    assert poison.attempts == 1 and poison.claimed_at is None
    assert poison.last_error.startswith("ValueError: ")
    assert "linefeed" in poison.last_error
    assert [m.sent_at is not None for m in outbox(app)].count(True) == len(good)

    assert deliver_pending() == 0  # nothing goes out again, the poison included
    _sent_once(smtp, good)
    assert db.session.get(OutboxMessage, poison.id).attempts == 1


def test_a_subject_with_a_line_break_written_straight_to_the_outbox_is_sent_cleaned(app, smtp):
    """The subject of the original report, in a row that did not come through `queue_mail`
    (written before the fix, or by other code): delivery cleans it again before sending."""
    queue_mail("first@example.com", "First", "body")
    db.session.add(
        OutboxMessage(
            recipient="broken@example.com",
            subject="Printer jammed\u2028Bcc: victim@example.com",
            body="body",
        )
    )
    queue_mail("last@example.com", "Last", "body")
    db.session.commit()

    assert deliver_pending() == 3
    _sent_once(smtp, ["first@example.com", "broken@example.com", "last@example.com"])
    (broken,) = [m for m in smtp.inbox.messages if m["To"] == "broken@example.com"]
    assert broken["Subject"] == "Printer jammed Bcc: victim@example.com"
    assert broken["Bcc"] is None
    assert deliver_pending() == 0


def test_a_permanent_refusal_fails_at_once_and_a_temporary_one_is_retried(app, picky_smtp):
    queue_mail("before@example.com", "Before", "body")
    gone = queue_mail("gone@example.com", "Gone", "body")
    busy = queue_mail("busy@example.com", "Busy", "body")
    queue_mail("after@example.com", "After", "body")
    db.session.commit()

    assert deliver_pending() == 2
    _sent_once(picky_smtp, ["before@example.com", "after@example.com"])

    gone = db.session.get(OutboxMessage, gone.id)
    assert gone.failed_at is not None and gone.attempts == 1
    assert gone.last_error.startswith("SMTPRecipientsRefused: ") and "550" in gone.last_error

    busy = db.session.get(OutboxMessage, busy.id)
    assert busy.failed_at is None and busy.attempts == 1  # 4xx: it may pass later
    assert "451" in busy.last_error and busy.next_attempt_at > utcnow()

    # Its last attempt refused for now as well: out of attempts, failed.
    busy.attempts = MAX_ATTEMPTS - 1
    busy.next_attempt_at = None
    db.session.commit()
    assert deliver_pending() == 0
    busy = db.session.get(OutboxMessage, busy.id)
    assert busy.failed_at is not None and busy.attempts == MAX_ATTEMPTS
    assert deliver_pending() == 0
    assert len(picky_smtp.inbox.messages) == 2


def test_any_error_while_sending_one_message_costs_only_that_message_an_attempt(
    app, smtp, monkeypatch
):
    real = mail._transmit

    def flaky(email, config):
        if email["To"] == "flaky@example.com":
            raise RuntimeError("connection pool exhausted " + "x" * 1000)
        return real(email, config)

    monkeypatch.setattr(mail, "_transmit", flaky)
    queue_mail("one@example.com", "One", "body")
    flaky_message = queue_mail("flaky@example.com", "Flaky", "body")
    queue_mail("two@example.com", "Two", "body")
    db.session.commit()

    assert deliver_pending() == 2
    _sent_once(smtp, ["one@example.com", "two@example.com"])
    message = db.session.get(OutboxMessage, flaky_message.id)
    assert message.failed_at is None and message.sent_at is None and message.claimed_at is None
    assert message.attempts == 1 and message.next_attempt_at is not None
    assert message.last_error.startswith("RuntimeError: connection pool exhausted")
    assert len(message.last_error) == 500  # truncated to the column


# --- header text: cleaned where it is queued, and again where it is sent ---------------------

# Every character str.splitlines breaks a line at, found by asking Python itself.
LINE_BREAKS = [chr(c) for c in range(sys.maxunicode + 1) if len(f"a{chr(c)}b".splitlines()) > 1]


def test_the_line_breaks_are_the_ones_python_knows():
    assert sorted(LINE_BREAKS) == sorted(
        ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
    )


@pytest.mark.parametrize(
    "separator",
    [*LINE_BREAKS, "\r\n", "\t", "\x00", "\x7f", "\x9b"],
    ids=lambda s: repr(s).strip("'"),
)
def test_a_subject_is_cleaned_of_each_separator_when_queued(app, separator):
    message = queue_mail("x@example.com", f" Hello{separator}Bcc: victim@example.com ", "body")
    db.session.commit()
    assert db.session.get(OutboxMessage, message.id).subject == "Hello Bcc: victim@example.com"

    built = mail._build(message, app.config)  # what delivery makes of it: accepted
    assert built["Subject"] == "Hello Bcc: victim@example.com"
    assert built["Bcc"] is None
    assert built.as_bytes().count(b"Bcc") == 1


def test_header_text_collapses_trims_and_caps():
    assert header_text("  a \r\n\r\n b\u2029\u2029c\t ") == "a b c"
    assert header_text("ok\udcffok") == "ok\ufffdok"  # a lone surrogate cannot be encoded
    long = header_text("word " * 100)
    assert len(long) == mail.SUBJECT_LENGTH == 200 and long.endswith("word…")
    assert header_text("x" * 30, limit=10) == "x" * 9 + "…"
    assert header_text("é" * 200) == "é" * 200


def test_a_long_request_subject_gives_a_receipt_subject_that_fits(app, world, smtp):
    """The receipt's subject adds "[reference] We have your request: " to the request's own
    (up to 200 characters): longer than the outbox column, which PostgreSQL refuses."""
    subject = "Printer\u2028" + "y" * 192
    item = factories.raise_request(world.contact_a, world.account_a, subject=subject)
    db.session.commit()
    (receipt,) = outbox(app)
    assert len(receipt.subject) == 200 and receipt.subject.endswith("…")
    assert receipt.subject.startswith(f"[{item.reference}] We have your request: Printer y")
    assert deliver_pending() == 1
    assert smtp.inbox.messages[0]["Subject"] == receipt.subject
