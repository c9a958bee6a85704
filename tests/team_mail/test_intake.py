"""Mail in, end to end below the transport: a raw message goes in, and the request, the
timeline, the outbox and the kept original show what became of it."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Attachment, Entry, InboundMail, OutboxMessage, Request, utcnow
from portal.models.request import CLOSED, OPEN, RESOLVED
from portal.requests import services as request_services
from portal.team_mail import intake, landing
from tests import factories
from tests.conftest import outbox

NORTH = "north@support.example"
SOUTH = "south@support.example"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def mailboxes(world):
    world.team_x.mail_address = NORTH
    world.team_y.mail_address = SOUTH
    db.session.commit()
    return world


def mail(
    sender: str,
    *,
    to: str = NORTH,
    subject: str = "Printer jams",
    body: str = "The printer jams on every page.",
    files=(),
    **headers,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Someone <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="acme.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    for name, kind, data, inline in files:
        maintype, subtype = kind.split("/")
        message.add_attachment(
            data,
            maintype=maintype,
            subtype=subtype,
            filename=name,
            disposition="inline" if inline else "attachment",
        )
    return message.as_bytes()


def receive(raw: bytes, **kwargs) -> InboundMail:
    received = intake.receive(raw, source="lmtp", **kwargs)
    return db.session.get(InboundMail, received.mail_id)


def receipt_of(item: Request) -> OutboxMessage:
    return next(m for m in outbox(None) if m.request_id == item.id)


def test_a_contact_writing_to_the_team_raises_a_request_with_a_receipt_that_threads(mailboxes):
    w = mailboxes
    stored = receive(mail(w.contact_a.email, subject="Re: Printer jams"))

    assert stored.outcome == "raised"
    item = stored.request
    assert (item.requester_id, item.account_id, item.team_id) == (
        w.contact_a.id,
        w.account_a.id,
        w.team_x.id,
    )
    assert item.channel == "email"
    assert item.subject == "Printer jams"  # without the Re:
    assert item.description == "The printer jams on every page."
    receipt = receipt_of(item)
    assert receipt.recipient == w.contact_a.email
    assert receipt.reply_to.startswith("north+r")
    assert stored.raw.startswith(b"From: Someone")  # the original is kept


def test_the_same_message_delivered_twice_is_stored_once(mailboxes):
    raw = mail(mailboxes.contact_a.email)
    first = intake.receive(raw, source="lmtp")
    second = intake.receive(raw, source="imap")

    assert second.duplicate and second.mail_id == first.mail_id
    assert db.session.scalar(sa.select(sa.func.count(InboundMail.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 1


def test_a_reply_to_the_receipt_lands_on_the_request_with_its_quote_cut(mailboxes):
    w = mailboxes
    item = receive(mail(w.contact_a.email)).request
    receipt = receipt_of(item)
    answer = mail(
        w.contact_a.email,
        to=receipt.reply_to,
        subject=f"Re: {receipt.subject}",
        body="It is tray 2.\n\nOn Tue, 3 Mar 2026 at 10:00, Onestop wrote:\n> We have it.\n",
        In_Reply_To=receipt.message_id,
    )

    stored = receive(answer)

    assert stored.outcome == "replied" and stored.request_id == item.id
    entry = db.session.get(Entry, stored.entry_id)
    assert (entry.author_id, entry.kind, entry.public) == (w.contact_a.id, "reply", True)
    assert entry.body == "It is tray 2."
    assert entry.data == {"channel": "email", "mail": stored.id}


def test_a_reply_without_the_token_threads_by_our_message_id(mailboxes):
    w = mailboxes
    item = receive(mail(w.contact_a.email)).request
    receipt = receipt_of(item)

    stored = receive(
        mail(w.contact_a.email, subject="Another thing", References=receipt.message_id)
    )

    assert stored.outcome == "replied" and stored.request_id == item.id


def test_the_subject_tag_alone_counts_only_for_someone_who_may_see_the_request(mailboxes):
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a, subject="Printer jams")
    db.session.commit()

    own = receive(mail(w.contact_a.email, subject=f"Re: [{item.reference}] more"))
    # Contact A2 is in the same team, but another account: the tag names nothing for them,
    # so their mail raises a request of their own rather than landing on A's.
    other = receive(mail(w.contact_a2.email, subject=f"[{item.reference}] let me in"))

    assert own.outcome == "replied" and own.request_id == item.id
    assert other.outcome == "raised" and other.request.requester_id == w.contact_a2.id
    replies = db.session.scalars(sa.select(Entry).where(Entry.request_id == item.id)).all()
    assert {e.author_id for e in replies if e.kind == "reply"} == {w.contact_a.id}


def test_a_token_used_by_someone_who_may_not_see_the_request_waits_for_a_member(mailboxes):
    w = mailboxes
    item = receive(mail(w.contact_a.email)).request
    receipt = receipt_of(item)

    stored = receive(mail(w.contact_a2.email, to=receipt.reply_to, subject="Re: hi"))

    assert stored.outcome == "unrecognised"
    assert (
        stored.reason
        == f"It answers {item.reference}, but {w.contact_a2.email} may not see that request."
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Entry.id)).where(
                Entry.request_id == item.id, Entry.kind == "reply"
            )
        )
        == 0
    )


def test_a_forged_token_and_an_unknown_sender_wait_for_a_member(mailboxes):
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()

    forged = receive(mail(w.contact_a.email, to=f"north+r{item.id}-aaaaaaaaaaaa@support.example"))
    stranger = receive(mail("stranger@elsewhere.example"))

    assert forged.outcome == stranger.outcome == "unrecognised"
    assert "token that does not match" in forged.reason
    assert (
        stranger.reason
        == "stranger@elsewhere.example is not a contact of any of this team's accounts."
    )
    assert stranger.team_id == w.team_x.id
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 1


def test_a_contact_of_another_teams_account_and_a_member_of_staff_raise_nothing(mailboxes):
    w = mailboxes
    other_team = receive(mail(w.contact_b.email))
    staff = receive(mail(w.member_x.email, subject="Fwd: customer called"))

    assert other_team.outcome == staff.outcome == "unrecognised"
    assert "member of staff" in staff.reason
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 0


def test_auto_replies_and_our_own_mail_raise_nothing(mailboxes):
    w = mailboxes
    auto = receive(mail(w.contact_a.email, Auto_Submitted="auto-replied"))
    ours = receive(mail(SOUTH, subject="loop"))

    assert auto.outcome == ours.outcome == "automatic"
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 0
    assert outbox(None) == []  # and no receipt to answer the auto-reply


def test_mail_to_no_team_address_is_kept_without_a_team(mailboxes):
    stored = receive(mail(mailboxes.contact_a.email, to="someone@else.example"))

    assert (stored.outcome, stored.team_id) == ("unrecognised", None)
    assert stored.reason == "It reached no team's address."


def test_the_envelope_recipient_decides_the_team_when_headers_do_not(mailboxes):
    w = mailboxes
    stored = receive(
        mail(w.contact_b.email, to="undisclosed-recipients:;"), envelope_recipients=[SOUTH]
    )

    assert stored.outcome == "raised" and stored.request.team_id == w.team_y.id


def test_a_reply_reopens_a_resolved_request_within_the_window(mailboxes):
    w = mailboxes
    item = receive(mail(w.contact_a.email)).request
    request_services.change_status(w.member_x, item, RESOLVED)
    db.session.commit()

    stored = receive(mail(w.contact_a.email, subject=f"Re: [{item.reference}]", body="Still jams."))

    assert stored.outcome == "replied"
    assert db.session.get(Request, item.id).status == OPEN


def test_a_reply_after_the_window_raises_a_new_request_that_follows_the_old_one(mailboxes):
    w = mailboxes
    item = receive(mail(w.contact_a.email)).request
    request_services.change_status(w.member_x, item, CLOSED)
    item.resolved_at = utcnow() - timedelta(days=60)
    db.session.commit()

    stored = receive(
        mail(w.contact_a.email, subject=f"Re: [{item.reference}] again", body="It is back.")
    )

    assert stored.outcome == "raised"
    new = stored.request
    assert new.id != item.id and new.description == "It is back."
    assert new.subject == f"[{item.reference}] again"
    events = db.session.execute(
        sa.select(Entry.request_id, Entry.data).where(Entry.event.in_(["follows", "followed_up"]))
    ).all()
    assert sorted(events) == sorted(
        [(new.id, {"reference": item.reference}), (item.id, {"reference": new.reference})]
    )
    assert db.session.get(Request, item.id).status == CLOSED


def test_files_go_through_the_web_forms_checks_and_refusals_are_noted(mailboxes, app):
    w = mailboxes
    stored = receive(
        mail(
            w.contact_a.email,
            files=[
                ("invoice.pdf", "application/pdf", PDF, False),
                ("setup.exe", "application/octet-stream", b"MZ\x90\x00", False),
                ("fake.pdf", "application/pdf", b"not a pdf", False),
                ("logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 200, True),
            ],
        )
    )

    item = stored.request
    kept = db.session.scalars(sa.select(Attachment).where(Attachment.request_id == item.id)).all()
    assert [(a.filename, a.uploader_id, a.entry_id) for a in kept] == [
        ("invoice.pdf", w.contact_a.id, None)
    ]
    (note,) = db.session.scalars(
        sa.select(Entry).where(Entry.request_id == item.id, Entry.event == "mail_files_refused")
    ).all()
    assert note.public is False
    assert [line.split(":")[0] for line in note.data["files"]] == ["setup.exe", "fake.pdf"]


def test_a_flood_from_one_sender_is_held_for_a_member(mailboxes, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FLOOD_PER_HOUR", 2)
    w = mailboxes
    outcomes = [receive(mail(w.contact_a.email, subject=f"n{i}")).outcome for i in range(3)]

    assert outcomes == ["raised", "raised", "held"]
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 2


def test_a_bounce_marks_the_outgoing_mail_and_flags_the_address(mailboxes):
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()
    receipt = receipt_of(item)
    report = _dsn(w.contact_a.email, receipt.message_id)

    stored = receive(report)

    assert stored.outcome == "bounce" and stored.request_id == item.id
    db.session.refresh(receipt)
    assert receipt.bounced_at is not None and receipt.bounce_reason.startswith("5.1.1")
    person = db.session.get(type(w.contact_a), w.contact_a.id)
    assert person.mail_bounced_at is not None
    # Mail from the address again shows it works: the flag goes.
    receive(mail(w.contact_a.email, subject="I am back"))
    db.session.refresh(person)
    assert person.mail_bounced_at is None


def test_a_failure_of_ours_keeps_the_mail_for_a_member(mailboxes, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(landing, "raise_from_mail", broken)
    stored = receive(mail(mailboxes.contact_a.email))

    assert stored.outcome == "unrecognised"
    assert stored.reason == "Onestop could not read it into a request (RuntimeError)."
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 0


def test_a_message_over_the_limit_is_refused_and_nothing_is_stored(mailboxes, app, monkeypatch):
    from portal.mail_in.message import MessageTooLarge

    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 1000)
    with pytest.raises(MessageTooLarge):
        intake.receive(mail(mailboxes.contact_a.email, body="x" * 2000), source="lmtp")
    assert db.session.scalar(sa.select(sa.func.count(InboundMail.id))) == 0


def test_accepts_the_team_addresses_their_tags_and_the_bounce_address(mailboxes, app):
    assert intake.accepts(NORTH) and intake.accepts("North+r1-abc@Support.example")
    assert intake.accepts("onestop@localhost")  # MAIL_SENDER, where bounces come back
    assert not intake.accepts("someone@support.example")


def _dsn(failed: str, original_id: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.support.example>\r\n"
        "To: onestop@localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.support.example')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.support.example\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: Recipient address rejected\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"To: {failed}\r\nMessage-ID: {original_id}\r\n\r\n--b--\r\n"
    ).encode()


def test_two_servers_taking_the_same_message_at_once_store_it_once(mailboxes, app):
    """Two fetchers (two app servers' ticks) may take one message at the same moment: the
    unique dedup key makes one of them wait and then see it stored."""
    import threading

    raw = mail(mailboxes.contact_a.email)
    results, start = [], threading.Barrier(2)

    def take():
        with app.test_request_context("/"):
            start.wait(timeout=10)
            results.append(intake.receive(raw, source="imap"))
            db.session.remove()

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.duplicate for r in results) == [False, True]
    assert len({r.mail_id for r in results}) == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 1


def test_an_answer_to_our_sender_address_belongs_to_its_requests_team(world):
    """Team X has no address: its mail has no Reply-To, so an answer goes to our sender
    address. Our signed Message-ID in References still names the request, and its team."""
    world.team_y.mail_address = SOUTH
    db.session.commit()
    item = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    receipt = receipt_of(item)

    stored = receive(
        mail(world.contact_a.email, to="onestop@localhost", In_Reply_To=receipt.message_id)
    )

    assert (stored.team_id, stored.outcome, stored.request_id) == (
        world.team_x.id,
        "replied",
        item.id,
    )
