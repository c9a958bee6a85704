"""Mail in and out, end to end with real servers and no browser: a customer's mail goes by
LMTP (smtplib) to the listener, the receipt comes back through a real SMTP server, their
answer to it goes into a real IMAP mailbox (Dovecot, APPEND) for the fetcher, and the team's
reply threads under both."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa

from portal.extensions import db
from portal.mail import deliver_pending
from portal.mail_in import tokens
from portal.models import Entry, Request
from portal.requests import services as request_services
from portal.team_mail import fetcher
from tests.team_mail.test_fetcher import imap  # noqa: F401 (a fixture)
from tests.team_mail.test_intake import NORTH, mailboxes  # noqa: F401 (a fixture)
from tests.team_mail.test_listener import lmtp  # noqa: F401 (a fixture)
from tests.test_mail import smtp  # noqa: F401 (a fixture: a real SMTP server)


def test_a_conversation_by_mail_threads_in_the_customers_client_and_on_the_timeline(
    app,
    mailboxes,  # noqa: F811
    lmtp,  # noqa: F811
    imap,  # noqa: F811
    smtp,  # noqa: F811
):
    w = mailboxes
    customer = w.contact_a.email

    # 1. The customer writes to the team's address; their mail server delivers it by LMTP.
    first = EmailMessage()
    first["From"], first["To"], first["Subject"] = f"Alex <{customer}>", NORTH, "Pallet damaged"
    first["Message-ID"] = original_id = make_msgid(domain="acme.example")
    first.set_content("Two boxes arrived crushed.\n\nAlex")
    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
        assert client.sendmail(customer, [NORTH], first.as_bytes()) == {}
    db.session.rollback()
    item = db.session.scalar(sa.select(Request))
    assert (item.subject, item.channel, item.requester_id) == (
        "Pallet damaged",
        "email",
        w.contact_a.id,
    )

    # 2. The receipt, read back from the SMTP server: it answers their mail and threads.
    assert deliver_pending() == 1
    (receipt,) = smtp.inbox.messages
    assert receipt["To"] == customer
    assert receipt["Subject"] == f"[{item.reference}] We have your request: Pallet damaged"
    assert receipt["In-Reply-To"] == original_id
    assert receipt["References"] == original_id
    assert receipt["Auto-Submitted"] == "auto-replied"
    secret = app.config["SECRET_KEY"].encode()
    assert tokens.request_from_address(receipt["Reply-To"], NORTH, secret) == item.id
    assert "Reply to this email to answer" in receipt.get_content()

    # 3. They answer it from their mail client; it waits in the hosted mailbox (IMAP).
    answer = EmailMessage()
    answer["From"], answer["To"] = f"Alex <{customer}>", receipt["Reply-To"]
    answer["Subject"] = f"Re: {receipt['Subject']}"
    answer["Message-ID"] = make_msgid(domain="acme.example")
    answer["In-Reply-To"] = receipt["Message-ID"]
    answer["References"] = f"{original_id} {receipt['Message-ID']}"
    answer.set_content(
        "Photos are with the driver.\n\n"
        f"On Tue, 3 Mar 2026 at 10:00, Onestop <{NORTH}> wrote:\n> We have your request.\n"
    )
    imap.append(answer.as_bytes())
    assert fetcher.fetch().taken == 1

    (reply,) = db.session.scalars(
        sa.select(Entry).where(Entry.request_id == item.id, Entry.kind == "reply")
    ).all()
    assert (reply.author_id, reply.body) == (w.contact_a.id, "Photos are with the driver.")
    assert reply.data["channel"] == "email"

    # 4. The team answers on the web; the customer's client files it in the same thread.
    request_services.reply_as_staff(w.member_x, db.session.get(Request, item.id), "Replacing both.")
    db.session.commit()
    assert deliver_pending() == 1
    update = smtp.inbox.messages[-1]
    assert update["In-Reply-To"] == receipt["Message-ID"]
    assert update["References"].split() == [original_id, receipt["Message-ID"]]
    assert update["Auto-Submitted"] is None  # a person wrote it: their auto-responder may answer
    assert tokens.subject_tag(update["Subject"]) == item.id
