"""The text of a message in every charset and transfer encoding clients send, and HTML-only
mail as safe, readable plain text."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from portal.mail_in.message import read_message
from portal.mail_in.text import html_to_text, unflow

MESSAGES = Path(__file__).with_name("messages")


def _single(body: bytes, charset: str | None, encoding: str = "8bit") -> bytes:
    content_type = "text/plain" + (f"; charset={charset}" if charset else "")
    head = f"From: a@acme.example\nContent-Type: {content_type}\n"
    return f"{head}Content-Transfer-Encoding: {encoding}\n\n".encode() + body


@pytest.mark.parametrize(
    ("body", "charset", "encoding", "text"),
    [
        (b"Caf=C3=A9 =E2=82=AC5 soft=\nbreak", "utf-8", "quoted-printable", "Café €5 softbreak"),
        (b"Q2Fmw6kg4oKsNQ==", "utf-8", "base64", "Café €5"),
        (b"Caf\xe9", "iso-8859-1", "8bit", "Café"),
        (b"Caf\xe9", "latin-1", "8bit", "Café"),
        # Labelled Latin-1 but written as Windows-1252, as Outlook does: read like browsers.
        (b"\x93quoted\x94 \x80 5", "iso-8859-1", "8bit", "“quoted” € 5"),
        (b"\x93quoted\x94 \x80 5", "windows-1252", "8bit", "“quoted” € 5"),
        (b"Stra\xc3\x9fe \xff end", "utf-8", "8bit", "Straße \ufffd end"),
        (b"Stra\xc3\x9fe", "x-no-such-charset", "8bit", "Straße"),
        (b"Caf\xe9", "x-no-such-charset", "8bit", "Café"),
        (b"Caf\xe9", None, "8bit", "Café"),
        (b"Caf\xc3\xa9", "us-ascii", "8bit", "Café"),
        (b"plain", "base64", "7bit", "plain"),  # a codec that is not a text encoding
    ],
)
def test_charsets_and_transfer_encodings(body, charset, encoding, text):
    assert read_message(_single(body, charset, encoding)).text == text


def test_iso_2022_jp():
    message = read_message((MESSAGES / "iso2022jp.eml").read_bytes())
    assert message.sender_name == "山田"
    assert message.subject == "お問い合わせ"
    assert message.text == "お問い合わせです。"


def test_truncated_base64_keeps_what_can_be_decoded():
    message = read_message(_single(b"SGVsbG8gd29ybGQsIHRoaXMgaXMgY3V0", "utf-8", "base64")[:-3])
    assert message.text.startswith("Hello world")
    assert message.defects


def test_control_characters_are_removed_and_line_ends_unified():
    assert read_message(_single(b"a\x00b\x1bc\r\nnext\rline", "utf-8")).text == "abc\nnext\nline"


def test_plain_text_is_preferred_to_its_html_alternative():
    message = EmailMessage()
    message["From"] = "a@acme.example"
    message.set_content("The plain version")
    message.add_alternative("<p>The <b>HTML</b> version</p>", subtype="html")
    read = read_message(message.as_bytes())
    assert (read.text, read.text_was_html, read.attachments) == ("The plain version", False, ())


def test_html_only_outlook_mail_becomes_readable_safe_text():
    message = read_message((MESSAGES / "outlook_html_only.eml").read_bytes())
    assert message.text_was_html
    assert message.subject == "AW: Rechnung für März – falsch"
    assert message.clean_subject == "Rechnung für März – falsch"
    assert message.text.startswith(
        "Hallo Anna,\n\ndie Rechnung kostet € 120 – nicht € 210.\nZweite Zeile & mehr."
    )
    assert "Von: Support North <north@support.example>\nGesendet:" in message.text
    for trace in ("alert", "<script", "onerror", "color:red", "MsoNormal", "<p"):
        assert trace not in message.text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<div>Hello</div><div><br></div><div>Second</div>", "Hello\n\nSecond"),
        ("<p>One\n  line</p><p>Two</p>", "One line\n\nTwo"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("<ul><li>one</li><li>two</li></ul>after", "- one\n- two\n\nafter"),
        ("<table><tr><td>A</td><td>B</td></tr><tr><td>C</td></tr></table>", "AB\nC"),
        ("Fish &amp; chips&nbsp;&lt;3 &eacute;", "Fish & chips <3 é"),
        ("<a href='javascript:alert(1)'>link</a> <svg onload=alert(1)>x</svg>", "link x"),
        ("<style>.x{}</style><script>bad()</script><!-- hidden -->Visible", "Visible"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("<p>unclosed <b>bold <div>inner", "unclosed bold\n\ninner"),  # a div closes the p
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


def test_html_text_holds_no_markup_from_the_source():
    """Entities come back as characters only from text: a tag in the source never does."""
    assert "<" not in html_to_text("<img src=x onerror=alert(1)><iframe src=//evil></iframe>")


@pytest.mark.parametrize(
    ("flowed", "delsp", "text"),
    [
        # A soft break (trailing space) joins; a hard one does not.
        ("The pallet arrived \nwith two boxes crushed.\nPhotos attached.", False,
         "The pallet arrived with two boxes crushed.\nPhotos attached."),
        # DelSp=yes: the space was added only to mark the break (CJK text, long words).
        ("Lieferschein\u00adnum \nmer 4411", True, "Lieferschein\u00adnummer 4411"),
        # Space-stuffing undone; quoted lines join only at their own depth.
        (" >not a quote\n> Your order is \n> on its way.\n>> Older \n>> text\nMine.", False,
         ">not a quote\n> Your order is on its way.\n>> Older text\nMine."),
        # The signature separator is never a soft break.
        ("Thanks,\n-- \nAlex", False, "Thanks,\n-- \nAlex"),
    ],
)  # fmt: skip
def test_format_flowed_is_read_as_the_writer_typed_it(flowed, delsp, text):
    assert unflow(flowed, delsp) == text


def test_a_flowed_reply_from_a_mail_client_reads_as_paragraphs():
    raw = (
        b"From: a@acme.example\r\nContent-Type: text/plain; charset=utf-8; format=flowed; "
        b"delsp=yes\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        # DelSp=yes: a soft break's own space goes, so the word space before it is doubled.
        b"Thanks, the new slot on Thursday works for us. The dock is at the back =20\r\n"
        b"of the building.\r\nAsk for Sam at the gate.\r\n"
    )
    assert read_message(raw).text == (
        "Thanks, the new slot on Thursday works for us. The dock is at the back "
        "of the building.\nAsk for Sam at the gate."
    )
