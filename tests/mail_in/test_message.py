"""Reading a received message: addresses, threading headers, subject, date, size limit and
every malformed shape a mailer sends, which must never fail the whole message."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from portal.mail_in.message import MessageTooLarge, clean_subject, read_message

MESSAGES = Path(__file__).with_name("messages")


def _mail(**headers: str) -> EmailMessage:
    message = EmailMessage()
    for name, value in {"From": "Maria Lopez <maria@acme.example>", **headers}.items():
        message[name.replace("_", "-")] = value
    message.set_content("Hello")
    return message


def test_addresses_are_lowercased_and_names_decoded():
    raw = (
        b"From: =?utf-8?q?M=C3=BCller=2C_Jan?= <Jan.Mueller@ACME.example>\n"
        b'To: north@support.example, "Support, South" <South@Support.example>\n'
        b"Cc: boss@acme.example\n"
        b"Delivered-To: north+r1042-abcdefghijkl@support.example\n"
        b"X-Original-To: North@support.example\n\nhi\n"
    )
    message = read_message(raw)
    assert message.sender == "jan.mueller@acme.example"
    assert message.sender_name == "Müller, Jan"
    assert message.to == ("north@support.example", "south@support.example")
    assert message.cc == ("boss@acme.example",)
    assert message.delivered_to == (
        "north+r1042-abcdefghijkl@support.example",
        "north@support.example",
    )
    assert message.recipients[0] == "north+r1042-abcdefghijkl@support.example"
    assert "north@support.example" in message.recipients


@pytest.mark.parametrize(
    "from_header",
    [
        "alice@acme.example <mallory@evil.example>",  # which one? mail clients disagree
        "alice@acme.example)<mallory@evil.example>",
        "Alice <alice@acme.example>, Mallory <mallory@evil.example>",
        "undisclosed-recipients:;",
        "<>",
        "not an address",
    ],
)
def test_a_from_that_does_not_name_exactly_one_mailbox_names_nobody(from_header):
    """The sender decides whose request a mail lands on: ambiguity must not pick one."""
    raw = f"From: {from_header}\nSubject: hi\n\nbody\n".encode()
    assert read_message(raw).sender == ""


def test_two_from_headers_name_nobody():
    raw = b"From: alice@acme.example\nFrom: mallory@evil.example\n\nbody\n"
    assert read_message(raw).sender == ""


def test_missing_from_leaves_the_sender_empty_and_keeps_the_rest():
    message = read_message(b"To: north@support.example\nSubject: Printer\n\nIt is broken.\n")
    assert (message.sender, message.subject, message.text) == ("", "Printer", "It is broken.")


def test_a_display_name_that_looks_like_an_address_is_only_a_name():
    message = read_message(b'From: "alice@acme.example" <mallory@evil.example>\n\nhi\n')
    assert message.sender == "mallory@evil.example"


def test_threading_headers_are_read_bare_and_in_order():
    message = read_message(
        _mail(
            Message_ID="<new@mail.acme.example>",
            In_Reply_To="<r1042.e2.x@support.example>",
            References="<first@support.example> <r1042.e2.x@support.example>",
        ).as_bytes()
    )
    assert message.message_id == "new@mail.acme.example"
    assert message.in_reply_to == "r1042.e2.x@support.example"
    assert message.references == ("first@support.example", "r1042.e2.x@support.example")


def test_two_message_id_headers_take_the_first_and_the_same_mail_twice_has_one_key():
    raw = b"From: a@acme.example\nMessage-ID: <one@acme.example>\nMessage-ID: <two@x>\n\nhi\n"
    first, again = read_message(raw), read_message(raw)
    assert first.message_id == "one@acme.example"
    assert first.dedup_key == again.dedup_key == "mid:one@acme.example"


def test_without_a_message_id_the_key_is_the_content_digest():
    one = read_message(b"From: a@acme.example\n\nhi\n")
    same = read_message(b"From: a@acme.example\n\nhi\n")
    other = read_message(b"From: a@acme.example\n\nho\n")
    assert one.message_id is None
    assert one.dedup_key == same.dedup_key != other.dedup_key
    assert one.dedup_key.startswith("sha256:")


def test_a_message_id_without_brackets_still_counts():
    assert read_message(b"Message-ID: abc123@host.example\n\nhi\n").message_id == (
        "abc123@host.example"
    )


@pytest.mark.parametrize(
    ("subject", "clean"),
    [
        ("Re: Printer broken", "Printer broken"),
        ("RE: Fwd: AW: SV: Re[2]: Printer broken", "Printer broken"),
        ("WG: Rechnung", "Rechnung"),
        ("TR : Facture", "Facture"),
        ("Antw: Factuur", "Factuur"),
        ("Re: [R-1042] Printer broken", "[R-1042] Printer broken"),
        ("Regarding: the invoice", "Regarding: the invoice"),
        ("Reminder", "Reminder"),
    ],
)
def test_reply_and_forward_prefixes_are_stripped(subject, clean):
    assert clean_subject(subject) == clean


def test_subject_in_iso_8859_1_and_utf8_encoded_words():
    raw = (
        b"From: a@acme.example\n"
        b"Subject: =?iso-8859-1?q?Caf=E9?= und =?utf-8?b?w7xiZXI=?= =?utf-8?q?_Stra=C3=9Fe?=\n\n.\n"
    )
    assert read_message(raw).subject == "Café und über Straße"


def test_a_line_break_hidden_in_an_encoded_word_cannot_inject_a_header():
    raw = b"From: a@acme.example\nSubject: =?utf-8?q?Hi=0D=0ABcc:_all@acme.example?=\n\n.\n"
    message = read_message(raw)
    assert message.subject == "Hi Bcc: all@acme.example"
    assert "\r" not in message.subject and "\n" not in message.subject


def test_date_is_aware_utc_and_a_bad_date_is_none():
    good = read_message(_mail(Date="Tue, 03 Mar 2026 10:14:00 +0100").as_bytes())
    assert good.date == datetime(2026, 3, 3, 9, 14, tzinfo=UTC)
    assert read_message(b"Date: last tuesday\n\nhi\n").date is None
    assert read_message(b"Date: Tue, 03 Mar 2026 10:14:00 -0000\n\nhi\n").date == datetime(
        2026, 3, 3, 10, 14, tzinfo=UTC
    )


def test_an_empty_message_reads_as_empty():
    message = read_message(b"")
    assert (message.sender, message.text, message.attachments, message.size) == ("", "", (), 0)


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\xff\xfe garbage without headers",
        b"From: \xff\xfe@\x80\nSubject: \xe9t\xe9\n\nbody \xff\n",
        b"From a@b Tue Mar  3 10:00:00 2026\nSubject: mbox line first\n\nx\n",
        b"Content-Type: multipart/mixed; boundary=\n\n--\nnothing\n",
        b"Content-Type: multipart/mixed\n\nno boundary at all\n",
        b"Subject: " + b"x" * 20000 + b"\n\nlong header\n",
        b": no name\nFrom:\nTo: ,,,\nReferences: <<<>>>\n\n",
    ],
)
def test_malformed_messages_do_not_fail(raw):
    message = read_message(raw)
    assert message.size == len(raw)
    assert "\n" not in message.subject


def test_raw_bytes_over_the_limit_are_refused():
    raw = _mail().as_bytes()
    with pytest.raises(MessageTooLarge):
        read_message(raw, max_bytes=len(raw) - 1)
    assert read_message(raw, max_bytes=len(raw)).text == "Hello"


def test_a_long_body_is_trimmed_and_says_so():
    message = EmailMessage()
    message["From"] = "a@acme.example"
    message.set_content("word " * 5000)
    read = read_message(message.as_bytes(), max_text_chars=100)
    assert len(read.text) == 100 and read.text_truncated
    assert not read_message(message.as_bytes()).text_truncated


def test_the_parsers_complaints_are_listed():
    raw = b"From: a@acme.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nx\n"
    assert read_message(raw).defects  # the closing boundary is missing


def test_an_address_hidden_in_an_encoded_display_name_is_only_a_name():
    raw = b"From: =?utf-8?q?Alice_=3Calice=40acme.example=3E?= <mallory@evil.example>\n\nhi\n"
    message = read_message(raw)
    assert (message.sender, message.sender_name) == (
        "mallory@evil.example",
        "Alice <alice@acme.example>",
    )
