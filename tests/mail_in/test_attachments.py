"""The files of a message: decoded names, inline images, forwarded mails, odd names."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from portal.mail_in.attachments import MAX_FILENAME_CHARS, safe_filename
from portal.mail_in.message import read_message

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def _with_files() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "a@acme.example"
    message["Subject"] = "Screenshots"
    message.set_content("See the files.")
    message.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf",
                           filename="Rechnung März.pdf")  # fmt: skip
    message.add_attachment(PNG, maintype="image", subtype="png", filename="../../etc/passwd")
    return message


def test_attachments_are_decoded_with_their_names_and_types():
    message = read_message(_with_files().as_bytes())
    assert message.text == "See the files."
    assert [(a.filename, a.content_type, a.content) for a in message.attachments] == [
        ("Rechnung März.pdf", "application/pdf", b"%PDF-1.4\n"),
        ("passwd", "image/png", PNG),
    ]
    assert not any(a.inline for a in message.attachments)


def test_rfc2047_and_rfc2231_encoded_names():
    raw = (
        b"From: a@acme.example\nContent-Type: multipart/mixed; boundary=b\n\n"
        b"--b\nContent-Type: text/plain\n\nbody\n"
        b"--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; "
        b'filename="=?utf-8?B?w6TDtsO8LnBkZg==?="\n\nx\n'
        b"--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; "
        b"filename*=UTF-8''%E2%82%AC%20report.csv\n\ny\n--b--\n"
    )
    assert [a.filename for a in read_message(raw).attachments] == ["äöü.pdf", "€ report.csv"]


def test_an_inline_image_is_an_attachment_with_its_content_id():
    message = EmailMessage()
    message["From"] = "a@acme.example"
    message.set_content("plain")
    message.add_alternative('<p>Look: <img src="cid:shot1@acme"></p>', subtype="html")
    html = message.get_payload()[1]
    html.add_related(PNG, maintype="image", subtype="png", cid="<shot1@acme>")
    read = read_message(message.as_bytes())
    assert read.text == "plain"
    [image] = read.attachments
    assert (image.content_id, image.inline, image.content) == ("shot1@acme", True, PNG)
    assert image.filename == "attachment.png"


def test_a_message_with_only_an_attachment_has_empty_text_and_keeps_the_file():
    raw = (
        b"From: a@acme.example\nContent-Type: application/pdf; name=scan.pdf\n"
        b"Content-Disposition: attachment; filename=scan.pdf\n"
        b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
    )
    read = read_message(raw)
    assert read.text == ""
    assert [(a.filename, a.content) for a in read.attachments] == [("scan.pdf", b"%PDF-1.4\n")]


def test_a_forwarded_message_is_one_eml_file():
    inner = EmailMessage()
    inner["From"] = "x@y.example"
    inner["Subject"] = "Original problem"
    inner.set_content("inner body")
    inner.add_attachment(b"inner file", maintype="text", subtype="csv", filename="inner.csv")
    outer = EmailMessage()
    outer["From"] = "a@acme.example"
    outer.set_content("Forwarding this.")
    outer.add_attachment(inner)
    read = read_message(outer.as_bytes())
    [forwarded] = read.attachments
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.filename == "Original problem.eml"
    assert b"inner body" in forwarded.content


def test_a_named_text_attachment_is_a_file_not_body_text():
    message = EmailMessage()
    message["From"] = "a@acme.example"
    message.set_content("Body")
    message.add_attachment("a,b\n1,2\n", subtype="csv", filename="data.csv")
    message.add_attachment("log line\n", filename="server.log")
    read = read_message(message.as_bytes())
    assert read.text == "Body"
    assert [a.filename for a in read.attachments] == ["data.csv", "server.log"]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("..\\..\\windows\\evil.exe", "evil.exe"),
        ("/etc/passwd", "passwd"),
        ("...", "attachment.bin"),
        ("", "attachment.bin"),
        ('re<po>rt:"1"?.pdf', "re_po_rt__1__.pdf"),
        ("a\r\nb\x00.txt", "a b.txt"),
        (".hidden", "hidden"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


def test_a_very_long_name_keeps_its_extension():
    name = safe_filename("x" * 1000 + ".pdf")
    assert len(name) <= MAX_FILENAME_CHARS and name.endswith(".pdf")
