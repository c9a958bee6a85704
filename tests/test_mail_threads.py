"""Outgoing mail that threads, read back from a real SMTP server (aiosmtpd) and parsed with
the standard library: Message-ID, In-Reply-To, References, Reply-To, Auto-Submitted and
the `[R-1042]` subject tag, as a customer's mail client and mail in will see them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import config as config_module
from portal import mail
from portal.extensions import db
from portal.mail import deliver_pending, queue_mail
from portal.mail_in import tokens
from portal.models import OutboxMessage, Request
from portal.requests import merging
from portal.requests import services as request_services
from tests import factories
from tests.conftest import outbox
from tests.test_mail import body_of, smtp  # noqa: F401 (a fixture: a real SMTP server)

NORTH = "north@support.example"
SOUTH = "south@support.example"
DOMAIN = "localhost"  # MAIL_DOMAIN by default: the domain of the default MAIL_SENDER


@pytest.fixture
def secret(app) -> bytes:
    return app.config["SECRET_KEY"].encode()


def give_addresses(world, x=NORTH, y=None):
    world.team_x.mail_address = x
    world.team_y.mail_address = y
    db.session.commit()


def sent(smtp, recipient=None):  # noqa: F811 (the fixture's value)
    return [m for m in smtp.inbox.messages if recipient is None or m["To"] == recipient]


def test_a_receipt_carries_the_headers_that_thread_it(app, world, smtp, secret):  # noqa: F811
    give_addresses(world)
    item = factories.raise_request(world.contact_a, world.account_a, subject="Printer jams")
    db.session.commit()
    assert deliver_pending() == 1

    (receipt,) = sent(smtp)
    assert receipt["Subject"] == f"[{item.reference}] We have your request: Printer jams"
    assert tokens.subject_tag(receipt["Subject"]) == item.id
    assert re.fullmatch(
        rf"<r{item.id}\.e1\.[a-z2-7]{{16}}\.[a-z2-7]{{12}}@{DOMAIN}>", receipt["Message-ID"]
    )
    assert tokens.request_from_references([receipt["Message-ID"]], DOMAIN, secret) == item.id
    assert receipt["Auto-Submitted"] == "auto-generated"
    assert receipt["In-Reply-To"] is None and receipt["References"] is None
    # The token round-trips: only this team's address and this request's id verify it.
    reply_to = receipt["Reply-To"]
    assert reply_to.startswith("north+r") and reply_to.endswith("@support.example")
    assert tokens.request_from_address(reply_to, NORTH, secret) == item.id
    assert tokens.request_from_address(reply_to, SOUTH, secret) is None
    body = body_of(receipt)
    assert "Reply to this email to answer" in body and item.reference in body
    assert "not read" not in body
    # What went out is what the row keeps: a retry sends the same.
    (row,) = outbox(app)
    assert (row.message_id, row.reply_to, row.request_id) == (
        receipt["Message-ID"],
        reply_to,
        item.id,
    )


def test_the_mails_about_one_request_form_one_thread(app, world, smtp):  # noqa: F811
    give_addresses(world)
    item = factories.raise_request(world.contact_a, world.account_a, subject="Pallets")
    request_services.reply_as_staff(world.member_x, item, "Counting them again now.")
    request_services.change_status(world.member_x, item, "resolved")
    db.session.commit()
    assert deliver_pending() == 3

    receipt, reply, resolved = sent(smtp, world.contact_a.email)
    first, second, third = (m["Message-ID"] for m in (receipt, reply, resolved))
    assert len({first, second, third}) == 3
    assert reply["In-Reply-To"] == first and reply["References"] == first
    assert resolved["In-Reply-To"] == second
    assert resolved["References"].split() == [first, second]
    for message in (receipt, reply, resolved):
        assert tokens.subject_tag(message["Subject"]) == item.id
        assert message["Reply-To"] == receipt["Reply-To"]
    # A person's reply may be answered by an auto-responder; the notifications may not.
    assert reply["Auto-Submitted"] is None
    assert receipt["Auto-Submitted"] == resolved["Auto-Submitted"] == "auto-generated"


def test_a_team_without_an_address_sends_no_reply_to_and_points_to_the_page(
    app,
    world,
    smtp,  # noqa: F811
):
    give_addresses(world, x=None, y=SOUTH)
    item = factories.raise_request(world.contact_a, world.account_a)
    request_services.reply_as_staff(world.member_x, item, "On it.")
    db.session.commit()
    assert deliver_pending() == 2
    for message in sent(smtp):
        assert message["Reply-To"] is None
        assert "To answer, add details or follow it, use the request's page:" in body_of(message)
        assert "Reply to this email" not in body_of(message)
        assert message["Message-ID"] and tokens.subject_tag(message["Subject"]) == item.id
    assert sent(smtp)[1]["In-Reply-To"] == sent(smtp)[0]["Message-ID"]


def test_mail_about_another_team_s_request_carries_that_team_s_address(
    app,
    world,
    smtp,  # noqa: F811
    secret,
):
    give_addresses(world, x=NORTH, y=SOUTH)
    north = factories.raise_request(world.contact_a, world.account_a)
    south = factories.raise_request(world.contact_b, world.account_b)
    db.session.commit()
    assert deliver_pending() == 2
    (to_a,) = sent(smtp, world.contact_a.email)
    (to_b,) = sent(smtp, world.contact_b.email)
    assert tokens.request_from_address(to_a["Reply-To"], NORTH, secret) == north.id
    assert tokens.request_from_address(to_b["Reply-To"], SOUTH, secret) == south.id
    assert tokens.request_from_address(to_b["Reply-To"], NORTH, secret) is None
    # Threads never cross requests: each is a first mail.
    assert to_a["In-Reply-To"] is None and to_b["In-Reply-To"] is None


def test_a_merge_mail_threads_with_the_duplicate_and_replies_land_on_the_survivor(
    app,
    world,
    smtp,  # noqa: F811
    secret,
):
    give_addresses(world)
    survivor = factories.raise_request(world.contact_a, world.account_a, subject="Jam")
    duplicate = factories.raise_request(world.contact_a, world.account_a, subject="Jam 2")
    db.session.commit()
    merging.merge(world.member_x, duplicate, survivor)
    db.session.commit()
    assert deliver_pending() == 3

    _, duplicate_receipt, merged = sent(smtp)
    assert tokens.subject_tag(merged["Subject"]) == duplicate.id
    assert merged["In-Reply-To"] == duplicate_receipt["Message-ID"]
    assert tokens.request_from_address(merged["Reply-To"], NORTH, secret) == survivor.id
    assert f"lands on {survivor.reference}" in body_of(merged)


def test_references_keep_the_first_mail_and_the_newest(app, world, smtp):  # noqa: F811
    item = factories.make_request(world.account_a, world.contact_a)
    rows = [queue_mail(world.contact_a.email, f"Update {n}", "body", about=item) for n in range(12)]
    # Another recipient's and another request's mails are other threads.
    queue_mail("colleague@example.com", "Other person", "body", about=item)
    last = queue_mail(world.contact_a.email.upper(), "Last", "body", about=item)
    db.session.commit()

    ids = [row.message_id for row in rows]
    references = last.thread_references.split()
    assert len(references) == mail_threads_kept() == 10
    assert references == [ids[0], *ids[-9:]]
    assert last.in_reply_to == ids[-1]
    assert last.message_id.startswith(f"<r{item.id}.e13.")
    assert deliver_pending() == 14
    assert sent(smtp)[-1]["References"].split() == references


def mail_threads_kept() -> int:
    from portal.mail_threads import REFERENCES_KEPT

    return REFERENCES_KEPT


def test_a_subject_with_a_line_break_cannot_add_a_header(app, world, smtp):  # noqa: F811
    give_addresses(world)
    item = factories.raise_request(
        world.contact_a, world.account_a, subject="Printer\r\nBcc: victim@example.com"
    )
    db.session.commit()
    assert deliver_pending() == 1
    (message,) = sent(smtp)
    assert message["Bcc"] is None
    assert message["Subject"] == (
        f"[{item.reference}] We have your request: Printer Bcc: victim@example.com"
    )
    assert smtp.inbox.envelopes[0].rcpt_tos == [world.contact_a.email]


def test_threading_columns_written_some_other_way_are_cleaned_when_sent(app, smtp):  # noqa: F811
    injected = "\r\nBcc: victim@example.com"
    db.session.add(
        OutboxMessage(
            recipient="row@example.com",
            subject="Row",
            body="body",
            message_id="<r1.e1.x@localhost>" + injected,
            in_reply_to="<a@localhost>" + injected,
            thread_references="<a@localhost>\n<b@localhost>" + injected,
            reply_to="north+r1-abc@support.example" + injected,
            auto_submitted="auto-generated\r\nBcc: v@x.io",  # the column holds 32
        )
    )
    db.session.commit()
    assert deliver_pending() == 1
    (message,) = sent(smtp)
    assert message["Bcc"] is None
    assert smtp.inbox.envelopes[0].rcpt_tos == ["row@example.com"]
    head = smtp.inbox.envelopes[0].content.split(b"\r\n\r\n")[0]
    # Each stayed inside its own header (the Message-ID parser drops it altogether).
    assert not [line for line in head.split(b"\r\n") if line.lower().startswith(b"bcc")]
    assert head.count(b"victim@example.com") == 3 and head.count(b"v@x.io") == 1
    assert message["References"].startswith("<a@localhost> <b@localhost>")


def test_a_row_queued_before_the_threading_columns_still_sends(app, smtp):  # noqa: F811
    db.session.add(OutboxMessage(recipient="old@example.com", subject="Old", body="body"))
    db.session.commit()
    assert deliver_pending() == 1
    (message,) = sent(smtp)
    assert re.fullmatch(
        rf"<m\d{{8}}\.[a-z2-7]{{16}}\.[a-z2-7]{{12}}@{DOMAIN}>", message["Message-ID"]
    )
    for name in ("In-Reply-To", "References", "Reply-To", "Auto-Submitted"):
        assert message[name] is None


def test_mail_about_no_request_has_a_message_id_and_is_automatic(app, world, smtp):  # noqa: F811
    from portal.auth import services as auth_services

    auth_services.request_reset(world.contact_a.email)
    db.session.commit()
    assert deliver_pending() == 1
    (message,) = sent(smtp)
    (row,) = outbox(app)
    assert message["Message-ID"] == row.message_id and row.message_id.startswith("<m")
    assert row.request_id is None and message["Reply-To"] is None
    assert message["Auto-Submitted"] == "auto-generated"


def test_a_retry_goes_out_under_the_same_message_id(app, world, smtp):  # noqa: F811
    item = factories.make_request(world.account_a, world.contact_a)
    row = queue_mail(world.contact_a.email, "Later", "body", about=item)
    db.session.commit()
    smtp.stop()
    assert deliver_pending() == 0
    smtp.start()
    row = db.session.get(OutboxMessage, row.id)
    row.next_attempt_at -= timedelta(minutes=5)
    db.session.commit()
    assert deliver_pending() == 1
    assert sent(smtp)[0]["Message-ID"] == row.message_id


def test_the_subject_tag_is_added_once_and_kept_within_the_column(app, world):
    item = factories.make_request(world.account_a, world.contact_a)
    tagged = queue_mail(
        "x@example.com", f"Re {item.reference} [{item.reference}] ok", "b", about=item
    )
    assert tagged.subject == f"Re {item.reference} [{item.reference}] ok"
    long = queue_mail("x@example.com", "y" * 300, "b", about=item)
    assert len(long.subject) == mail.SUBJECT_LENGTH
    assert long.subject.startswith(f"[{item.reference}] yyy") and long.subject.endswith("…")
    assert db.session.get(Request, item.id) is item


# --- MAIL_DOMAIN ----------------------------------------------------------------------------


def test_the_message_id_domain_follows_the_sender_unless_set(tmp_path, monkeypatch):
    monkeypatch.delenv("MAIL_DOMAIN", raising=False)
    base = {"SECRET_KEY": "k"}
    sender = {**base, "MAIL_SENDER": "Help <help@Support.Example.com>"}
    assert config_module.load(tmp_path, sender)["MAIL_DOMAIN"] == "support.example.com"
    chosen = {**sender, "MAIL_DOMAIN": "mail.example.org"}
    assert config_module.load(tmp_path, chosen)["MAIL_DOMAIN"] == "mail.example.org"
    monkeypatch.setenv("MAIL_DOMAIN", "env.example.net")
    assert config_module.load(tmp_path, base)["MAIL_DOMAIN"] == "env.example.net"
    with pytest.raises(config_module.ConfigError):
        config_module.load(tmp_path, {**base, "MAIL_DOMAIN": "not a host>"})
