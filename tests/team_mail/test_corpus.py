"""Real-world message shapes through the whole intake, each delivered twice: never an error,
never lost (the original is kept byte for byte), never stored twice, and a reply's quoted
history cut where a person would cut it (the corpus in tests/mail_in/replies/)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Attachment, Entry, InboundMail, Request
from portal.team_mail import intake
from tests import factories
from tests.mail_in.corpus import normalised, reply_cases
from tests.team_mail.test_intake import NORTH, PDF, mailboxes  # noqa: F401 (a fixture)

MESSAGES = Path(__file__).parent.parent / "mail_in" / "messages"


def _shapes(sender: str) -> dict[str, bytes]:
    """name -> raw message, from `sender` to the team where the shape has a sender."""
    shapes = {}

    def build(name, subject="Hello", **parts):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, NORTH, subject
        message["Message-ID"] = make_msgid(domain="acme.example")
        if "html" in parts and "text" not in parts:
            message.set_content(parts["html"], subtype="html")
        else:
            message.set_content(parts.get("text", "Some text."), cte=parts.get("cte"))
            if "html" in parts:
                message.add_alternative(parts["html"], subtype="html")
        for filename, kind, data in parts.get("files", ()):
            maintype, subtype = kind.split("/")
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        shapes[name] = message.as_bytes()

    build("plain", text="Plain words.")
    build(
        "quoted-printable", subject="Café prices", text="Prix: 12 € – merci", cte="quoted-printable"
    )
    build("base64", subject="Grüße aus Köln", text="Straße, Größe, Übermaß", cte="base64")
    build("html only", html="<p>Only <b>HTML</b> here</p><script>alert(1)</script>")
    build("alternative", text="The plain part.", html="<p>The HTML part.</p>")
    build(
        "odd file names",
        files=[
            ("../../etc/passwd.txt", "text/plain", b"not a path"),
            ("Rechnung März 2026.pdf", "application/pdf", PDF),
            ("\u202eexe.pdf", "application/pdf", PDF),
            ("no extension", "application/octet-stream", b"\x00\x01"),
        ],
    )
    build("ten megabytes", files=[("scan.pdf", "application/pdf", PDF + b"0" * 10_000_000)])
    nested = EmailMessage()
    nested["From"], nested["To"], nested["Subject"] = sender, NORTH, "Nested parts"
    nested["Message-ID"] = make_msgid(domain="acme.example")
    nested.set_content("Outer text.")
    inner = EmailMessage()
    inner["Subject"] = "Forwarded"
    inner.set_content("Inner text.")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="inner.pdf")
    nested.add_attachment(inner)
    shapes["nested multipart"] = nested.as_bytes()
    latin = (
        f"From: {sender}\r\nTo: {NORTH}\r\nSubject: =?ISO-8859-1?Q?R=E9clamation_=E9t=E9?=\r\n"
        "Message-ID: <latin1@acme.example>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "Bonjour, le colis est arrivé abîmé.\r\n".encode("latin-1")
    shapes["iso-8859-1"] = latin
    shapes["auto-reply"] = (
        f"From: {sender}\r\nTo: {NORTH}\r\nSubject: Out of office\r\n"
        "Auto-Submitted: auto-replied\r\nMessage-ID: <ooo@acme.example>\r\n\r\nAway.\r\n"
    ).encode()
    shapes["malformed mime"] = (
        f"From: {sender}\r\nTo: {NORTH}\r\nSubject: broken\r\n"
        "Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\nnothing\r\n"
    ).encode()
    shapes["no headers"] = b"\x00\xff\xfe garbage without headers"
    for path in sorted(MESSAGES.glob("*.eml")):
        shapes[path.stem] = path.read_bytes()
    return shapes


def test_every_shape_is_stored_once_kept_whole_and_never_an_error(mailboxes):  # noqa: F811
    shapes = _shapes(mailboxes.contact_a.email)

    for name, raw in shapes.items():
        first = intake.receive(raw, source="lmtp", envelope_recipients=[NORTH])
        again = intake.receive(raw, source="imap", envelope_recipients=[NORTH])
        assert again.duplicate and again.mail_id == first.mail_id, name
        stored = db.session.get(InboundMail, first.mail_id)
        assert stored.raw == raw, name
        assert stored.outcome in ("raised", "replied", "unrecognised", "automatic", "bounce"), name

    assert db.session.scalar(sa.select(sa.func.count(InboundMail.id))) == len(shapes)
    outcomes = dict(
        db.session.execute(
            sa.select(InboundMail.subject, InboundMail.outcome).where(
                InboundMail.subject.in_(["Café prices", "Out of office", "Réclamation été"])
            )
        ).all()
    )
    assert outcomes == {
        "Café prices": "raised",
        "Out of office": "automatic",
        "Réclamation été": "raised",
    }
    descriptions = set(db.session.scalars(sa.select(Request.description)))
    assert {"Prix: 12 € – merci", "Straße, Größe, Übermaß", "Only HTML here"} <= descriptions
    assert "Bonjour, le colis est arrivé abîmé." in descriptions
    names = set(db.session.scalars(sa.select(Attachment.filename)))
    # The path is cut to its name; the direction mark goes; no extension: refused.
    assert {"passwd.txt", "Rechnung März 2026.pdf", "exe.pdf"} <= names
    assert "scan.pdf" not in names  # over ATTACHMENT_MAX_BYTES: listed for the team instead
    refused = db.session.scalars(sa.select(Entry.data).where(Entry.event == "mail_files_refused"))
    assert any(
        "scan.pdf: files may be at most 8 MB." in line for r in refused for line in r["files"]
    )


@pytest.mark.parametrize("case", reply_cases(), ids=lambda case: case.name)
def test_a_reply_lands_with_its_quote_cut_where_a_person_would(mailboxes, case):  # noqa: F811
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()
    reply = EmailMessage()
    reply["From"], reply["To"] = w.contact_a.email, NORTH
    reply["Subject"] = f"Re: [{item.reference}] A request"
    reply["Message-ID"] = make_msgid(domain="acme.example")
    reply.set_content(case.body)

    received = intake.receive(reply.as_bytes(), source="lmtp")

    stored = db.session.get(InboundMail, received.mail_id)
    assert stored.outcome == "replied"
    assert normalised(db.session.get(Entry, stored.entry_id).body) in case.expected


CLIENT_REPLIES = sorted((MESSAGES / "replies").glob("*.eml"))


@pytest.mark.parametrize("path", CLIENT_REPLIES, ids=lambda path: path.stem)
def test_a_mail_clients_own_reply_lands_as_a_person_would_read_it(mailboxes, path):  # noqa: F811
    """Replies as Apple Mail, Thunderbird (format=flowed), Outlook (related parts, an inline
    logo, winmail.dat) and Gmail (HTML with its gmail_quote) send them, whole: the text a
    person wrote, unwrapped, without the quoted history."""
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()
    raw = path.read_bytes()
    for placeholder, value in (
        (b"%%SENDER%%", w.contact_a.email),
        (b"%%TEAM%%", NORTH),
        (b"%%REF%%", item.reference),
    ):
        raw = raw.replace(placeholder, value.encode())
    expected = path.with_suffix(".txt").read_text(encoding="utf-8").split("=== expected ===\n")[1]

    received = intake.receive(raw, source="imap")

    stored = db.session.get(InboundMail, received.mail_id)
    assert (stored.outcome, stored.request_id) == ("replied", item.id)
    body = db.session.get(Entry, stored.entry_id).body
    assert normalised(body) in {normalised(text) for text in expected.split("=== or ===\n")}
    if path.stem == "outlook_related_winmail":
        # The signature's small inline logo is no file of the request's; Outlook's
        # winmail.dat is refused, and the team is told so.
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
        refused = db.session.scalar(
            sa.select(Entry.data).where(Entry.event == "mail_files_refused")
        )
        assert any(line.startswith("winmail.dat") for line in refused["files"])
