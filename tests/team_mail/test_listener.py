"""The LMTP listener, spoken to with smtplib over a real loopback socket, as Postfix would:
the 250 comes only once the message is stored, recipients that are not ours are refused,
an oversized message is refused whole, and a redelivery is stored once."""

from __future__ import annotations

import smtplib
import time

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import InboundMail, Request
from portal.team_mail import intake, listener
from tests.team_mail.test_intake import NORTH, mail, mailboxes  # noqa: F401 (a fixture)
from tests.test_mail import free_port, smtp  # noqa: F401 (a fixture: a real SMTP server)


@pytest.fixture
def lmtp(app, mailboxes):  # noqa: F811
    server = listener.controller(app, "127.0.0.1", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def deliver(server, raw: bytes, recipients, sender="bounce@acme.example"):
    with smtplib.LMTP("127.0.0.1", server.port) as client:
        return client.sendmail(sender, recipients, raw)


def count(model) -> int:
    db.session.rollback()  # see what the listener's thread committed
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_a_mail_delivered_by_lmtp_is_stored_before_the_server_is_told(lmtp, mailboxes):  # noqa: F811
    refused = deliver(lmtp, mail(mailboxes.contact_a.email), [NORTH])

    assert refused == {}
    # sendmail returned: the 250 came, so the request must already be committed.
    assert count(Request) == 1
    (stored,) = db.session.scalars(sa.select(InboundMail)).all()
    assert (stored.source, stored.outcome, stored.envelope_recipients) == ("lmtp", "raised", NORTH)


def test_recipients_that_are_not_ours_are_refused_at_rcpt(lmtp, mailboxes):  # noqa: F811
    raw = mail(mailboxes.contact_a.email)

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        deliver(lmtp, raw, ["stranger@support.example"])
    assert refused.value.recipients["stranger@support.example"][0] == 550
    # One of ours and one not: the message is stored for ours, the other bounces.
    assert deliver(lmtp, raw, [NORTH, "stranger@support.example"]) == {
        "stranger@support.example": (550, b"5.1.1 No such mailbox here")
    }
    assert count(InboundMail) == 1


def test_a_redelivered_message_is_acknowledged_and_stored_once(lmtp, mailboxes):  # noqa: F811
    raw = mail(mailboxes.contact_a.email)
    assert deliver(lmtp, raw, [NORTH]) == {}
    assert deliver(lmtp, raw, [NORTH]) == {}

    assert count(InboundMail) == 1 and count(Request) == 1


def test_a_message_over_the_limit_is_refused_and_not_stored(app, mailboxes, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 2000)
    server = listener.controller(app, "127.0.0.1", free_port())
    server.start()
    try:
        # smtplib declares the size (ESMTP SIZE), so the refusal comes at MAIL FROM, before
        # a byte of the message is sent.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            deliver(server, mail(mailboxes.contact_a.email, body="x" * 5000), [NORTH])
    finally:
        server.stop()
    assert refused.value.smtp_code == 552
    assert count(InboundMail) == 0


def test_when_storing_fails_the_server_is_told_to_try_again(lmtp, mailboxes, monkeypatch):  # noqa: F811
    def down(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is away"))

    monkeypatch.setattr(intake, "receive", down)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        deliver(lmtp, mail(mailboxes.contact_a.email), [NORTH])

    assert refused.value.smtp_code == 451
    assert count(InboundMail) == 0


def test_mail_try_delivers_through_the_running_listener(app, lmtp, mailboxes, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "MAIL_LISTEN_PORT", lmtp.port)

    result = app.test_cli_runner().invoke(
        args=["mail-try", "--sender", mailboxes.contact_a.email, "--subject", "Pallet damaged"]
    )

    assert result.exit_code == 0, result.output
    assert f"Delivered to {NORTH}" in result.output
    db.session.rollback()
    assert db.session.scalar(sa.select(Request.subject)) == "Pallet damaged"


def test_the_receipt_goes_out_once_the_mail_server_has_its_answer(
    app,
    mailboxes,  # noqa: F811
    smtp,  # noqa: F811
    monkeypatch,
):
    """No tick needed: the listener sends what the stored message queued, after its 250, as
    the web sends after its response. Sent once: tick then finds nothing left."""
    from portal.mail import deliver_pending

    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_RECEIPT", True)
    server = listener.controller(app, "127.0.0.1", free_port())
    server.start()
    try:
        assert deliver(server, mail(mailboxes.contact_a.email), [NORTH]) == {}
        deadline = time.monotonic() + 10
        while not smtp.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.stop()
    (receipt,) = smtp.inbox.messages
    assert receipt["To"] == mailboxes.contact_a.email
    assert receipt["Auto-Submitted"] == "auto-replied"
    db.session.rollback()
    assert deliver_pending() == 0
