"""A received message, read: who sent it, to whom, how it threads, its text and its files.

`read_message` never fails on what a mail client or a broken mailer sends (a malformed
header, an unknown charset, a truncated base64 part): a field it cannot read is left empty
and the parser's complaints are listed in `defects`. It refuses only a message over the
size limit, so the caller can answer the sender (LMTP 552) instead of storing it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses

from .attachments import Attachment, attachments_of, payload_bytes
from .text import clean_body_text, decode_bytes, html_to_text, one_line, unflow

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = 200_000

# "Re:", "RE[2]:", "Fwd:", "AW:", "SV:", …, repeated: the reply and forward prefixes of the
# common clients in English, German, Nordic, Dutch, French, Italian and Spanish.
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|wg|sv|vs|vb|antw|doorst|tr|réf|rif|r|i|enc|rv)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


class MessageTooLarge(ValueError):
    """The raw message is over the limit: refuse it rather than store part of it."""


@dataclass(frozen=True)
class InboundMessage:
    sender: str  # the From address, lowercased; "" when there is none or more than one
    sender_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]  # Delivered-To and X-Original-To, as the servers wrote them
    subject: str
    clean_subject: str  # without Re:/Fwd:/AW:/SV: prefixes
    message_id: str | None  # bare, without the angle brackets
    in_reply_to: str | None
    references: tuple[str, ...]
    date: datetime | None  # timezone-aware, UTC
    text: str  # the whole text body, quotes included (see quotes.new_text)
    text_was_html: bool
    text_truncated: bool
    attachments: tuple[Attachment, ...]
    size: int
    sha256: str  # of the raw bytes
    defects: tuple[str, ...]
    # The parsed message, for loops.py (its headers and report parts); not to be modified.
    mime: EmailMessage = field(compare=False, repr=False)

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every address the message was sent or delivered to, each once."""
        return tuple(dict.fromkeys((*self.delivered_to, *self.to, *self.cc)))

    @property
    def dedup_key(self) -> str:
        """The same message delivered twice has the same key: its Message-ID, or, for a
        message without one, a digest of its bytes."""
        if self.message_id and len(self.message_id) <= 200:
            return f"mid:{self.message_id}"
        if self.message_id:  # a key has a size; an id of any length hashes to one
            return "mid-sha256:" + hashlib.sha256(self.message_id.encode()).hexdigest()
        return f"sha256:{self.sha256}"


def read_message(
    raw: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES, max_text_chars: int = MAX_TEXT_CHARS
) -> InboundMessage:
    if len(raw) > max_bytes:
        raise MessageTooLarge(f"{len(raw)} bytes, over the limit of {max_bytes}")
    mime = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(mime, EmailMessage)
    sender_name, sender = _sender(mime)
    subject = one_line(_header(mime, "subject"))
    text, was_html = _body_text(mime, max_text_chars)
    return InboundMessage(
        sender=sender,
        sender_name=sender_name,
        to=_addresses(mime, "to"),
        cc=_addresses(mime, "cc"),
        delivered_to=_addresses(mime, "delivered-to", "x-original-to"),
        subject=subject,
        clean_subject=clean_subject(subject),
        message_id=next(iter(message_ids(_header(mime, "message-id"))), None),
        in_reply_to=next(iter(message_ids(_header(mime, "in-reply-to"))), None),
        references=tuple(message_ids(_header(mime, "references"))),
        date=_date(mime),
        text=text[:max_text_chars],
        text_was_html=was_html,
        text_truncated=len(text) > max_text_chars,
        attachments=tuple(attachments_of(mime, skip=_body_part(mime))),
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        defects=tuple(sorted({type(d).__name__ for part in mime.walk() for d in part.defects})),
        mime=mime,
    )


def clean_subject(subject: str) -> str:
    previous = None
    while previous != subject:
        previous, subject = subject, _SUBJECT_PREFIX.sub("", subject, count=1)
    return subject.strip()


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References value, bare, in order, each once.
    A value without angle brackets (some broken mailers) counts as one id if it has no
    space in it."""
    found = _MESSAGE_ID.findall(value)
    if not found and value.strip() and len(value.split()) == 1:
        found = [value.strip()]
    return list(dict.fromkeys(one_line(item) for item in found))


def _header(mime: Message, name: str) -> str:
    """The first value of a header, RFC 2047 decoded; "" when absent. A value the header
    registry cannot parse is taken as the raw string rather than failing the message."""
    try:
        value = mime.get(name)
    except Exception:  # any parser failure on one header must not lose the mail
        value = next((v for k, v in mime.raw_items() if k.lower() == name), None)
    return "" if value is None else str(value)


def _all_headers(mime: Message, name: str) -> list[str]:
    try:
        return [str(value) for value in mime.get_all(name, [])]
    except Exception:  # as in _header
        return [str(v) for k, v in mime.raw_items() if k.lower() == name]


def _addresses(mime: Message, *names: str) -> tuple[str, ...]:
    values = [value for name in names for value in _all_headers(mime, name)]
    found = (addr.strip().lower() for _, addr in getaddresses([one_line(v) for v in values]))
    return tuple(dict.fromkeys(addr for addr in found if _looks_like_address(addr)))


def _sender(mime: Message) -> tuple[str, str]:
    """(display name, address) of the one mailbox in the one From header, else an empty
    address. The sender decides whose request a mail lands on, so a From that two parsers
    read differently (`alice@a.example <bob@b.example>`, `a@a.example)<b@b.example>`), or
    that names several mailboxes, names nobody."""
    raw = [value for name, value in mime.raw_items() if name.lower() == "from"]
    if len(raw) != 1:
        return "", ""
    by_utils = getaddresses([one_line(raw[0])])
    try:
        by_registry = list(mime["from"].addresses)
    except Exception:  # a From the header registry cannot read names nobody either
        return "", ""
    if len(by_utils) != 1 or len(by_registry) != 1:
        return "", ""
    address = by_utils[0][1].strip().lower()
    name = one_line(by_registry[0].display_name)
    if address != by_registry[0].addr_spec.lower() or not _looks_like_address(address):
        return name, ""
    return name, address


def _looks_like_address(addr: str) -> bool:
    local, at, domain = addr.rpartition("@")
    return bool(at and local and "." in domain and not re.search(r"[\s<>()\[\],;\\]", addr))


def _date(mime: Message) -> datetime | None:
    try:
        header = mime.get("date")
        value = getattr(header, "datetime", None)
    except Exception:  # a Date nobody can read is simply unknown
        return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _body_part(mime: EmailMessage) -> Message | None:
    try:
        return mime.get_body(preferencelist=("plain", "html"))
    except Exception:  # a broken structure leaves the text empty, files kept
        return None


def _body_text(mime: EmailMessage, max_chars: int) -> tuple[str, bool]:
    part = _body_part(mime)
    if part is None:
        return "", False
    payload = payload_bytes(part)
    is_html = part.get_content_subtype() == "html"
    # Markup is several times longer than its text: give HTML room before cutting it.
    payload = payload[: max_chars * (8 if is_html else 4)]
    text = decode_bytes(payload, part.get_content_charset())
    if is_html:
        text = html_to_text(text)
    elif str(part.get_param("format", "")).lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    return clean_body_text(text), is_html
