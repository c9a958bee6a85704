"""Mail no person wrote raises nothing; a delivery report says which address failed."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from portal.mail_in.loops import automatic_reason, bounce_of, is_automatic
from portal.mail_in.message import read_message

MESSAGES = Path(__file__).with_name("messages")
OWN = ("north@support.example", "south@support.example")


def _read(sender: str = "Maria <maria@acme.example>", **headers: str):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "north@support.example"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Out of office until Monday.")
    return read_message(message.as_bytes())


def test_a_person_writing_is_not_automatic():
    assert automatic_reason(_read(), OWN) is None
    assert not is_automatic(_read(Auto_Submitted="no", Precedence="normal"), OWN)


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated; owner-email=x@acme.example"},
        {"Auto_Submitted": "Auto-Notified"},
        {"Precedence": "bulk"},
        {"Precedence": "Junk"},
        {"Precedence": "list"},
        {"List_Id": "Acme announcements <announce.acme.example>"},
        {"List_Unsubscribe": "<mailto:leave@acme.example>"},
        {"X_Auto_Response_Suppress": "All"},
        {"X_Autoreply": "yes"},
        {"Return_Path": "<>"},
    ],
)
def test_automatic_by_header(headers):
    assert is_automatic(_read(**headers), OWN)


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.acme.example",
        "Mail System <postmaster@acme.example>",
        "noreply@shop.example",
        "no-reply+tag@shop.example",
        "North <north@support.example>",
        "NORTH+r1042-abcdefghijkl@Support.example",
        "south@support.example",
    ],
)
def test_automatic_by_sender(sender):
    assert is_automatic(_read(sender), OWN)


def test_our_addresses_are_only_ours_when_passed_in():
    assert not is_automatic(_read("north@support.example"), ())
    assert not is_automatic(_read("north@other.example"), OWN)


def test_a_header_that_cannot_be_parsed_does_not_fail_the_check():
    raw = b"From: maria@acme.example\nAuto-Submitted: \xff\xfe\nPrecedence:\n\nhi\n"
    assert is_automatic(read_message(raw), OWN)  # an odd Auto-Submitted is still not "no"


def test_a_delivery_status_report_names_the_failed_recipients_and_our_message():
    message = read_message((MESSAGES / "dsn_bounce.eml").read_bytes())
    assert is_automatic(message, OWN)
    bounce = bounce_of(message)
    assert bounce is not None
    assert [(r.address, r.action, r.status, r.permanent) for r in bounce.recipients] == [
        ("gone@acme.example", "failed", "5.1.1", True),
        ("slow@acme.example", "delayed", "4.4.1", False),
    ]
    assert "Recipient address rejected" in bounce.recipients[0].diagnostic
    assert bounce.original_message_id == (
        "r1042.e5531.abcdefghijklmnop.abcdefghijkl@support.example"
    )


def test_a_report_quoting_the_whole_original_message():
    raw = (
        b"From: MAILER-DAEMON@mx.example\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n"
        b"--r\nContent-Type: text/plain\n\nIt bounced.\n"
        b"--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        b"Final-Recipient: rfc822; <A@B.example>\nAction: failed\nStatus: 5.2.2 (full)\n\n"
        b"--r\nContent-Type: message/rfc822\n\n"
        b"From: north@support.example\nMessage-ID: <ours@support.example>\n\nYour request\n"
        b"--r--\n"
    )
    bounce = bounce_of(read_message(raw))
    assert bounce is not None
    assert [(r.address, r.status) for r in bounce.recipients] == [("a@b.example", "5.2.2")]
    assert bounce.original_message_id == "ours@support.example"


def test_an_ordinary_message_or_a_read_receipt_is_no_bounce():
    assert bounce_of(_read()) is None
    receipt = b"From: a@b.example\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x\n\n--x\n\nread\n--x--\n"  # noqa: E501
    message = read_message(receipt)
    assert bounce_of(message) is None
    assert is_automatic(message, OWN)
