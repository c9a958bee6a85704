"""Mail no person wrote: auto-replies, lists, bounces, our own mail coming back. Such mail
must raise nothing (an auto-reply answering our receipt would loop forever); a bounce marks
the outgoing mail and flags the contact's address instead."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser

from .message import InboundMessage, message_ids
from .text import one_line

_SYSTEM_SENDERS = {
    "mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply",
    "do-not-reply", "do_not_reply", "bounce", "bounces",
}  # fmt: skip
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post")
_AUTO_REPLY_HEADERS = ("x-auto-response-suppress", "x-autoreply", "x-autorespond")


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1: a 5 is permanent, a 4 temporary
    diagnostic: str

    @property
    def permanent(self) -> bool:
        return self.action == "failed" and self.status.startswith("5")


@dataclass(frozen=True)
class Bounce:
    recipients: tuple[FailedRecipient, ...]
    original_message_id: str | None  # ours, when the report quotes the mail it bounces


def automatic_reason(message: InboundMessage, own_addresses: Iterable[str] = ()) -> str | None:
    """Why the message is not from a person (a short phrase for the operator), or None."""
    mime = message.mime
    auto_submitted = _first(mime, "auto-submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _first(mime, "precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in (*_LIST_HEADERS, *_AUTO_REPLY_HEADERS):
        if _first(mime, name):
            return f"{name} header"
    if _first(mime, "return-path").strip() == "<>":
        return "empty Return-Path (a bounce or report)"
    if mime.get_content_type() == "multipart/report":
        return "a delivery or read report"
    local = _base_local_part(message.sender)
    if local in _SYSTEM_SENDERS:
        return f"from {local}"
    own = {base_address(address) for address in own_addresses}
    if message.sender and base_address(message.sender) in own:
        return "from one of our own addresses"
    return None


def is_automatic(message: InboundMessage, own_addresses: Iterable[str] = ()) -> bool:
    return automatic_reason(message, own_addresses) is not None


def bounce_of(message: InboundMessage) -> Bounce | None:
    """The delivery status notification (RFC 3464) the message is, if it is one."""
    mime = message.mime
    if mime.get_content_type() != "multipart/report":
        return None
    if (mime.get_param("report-type") or "").lower() != "delivery-status":
        return None
    recipients: list[FailedRecipient] = []
    original: str | None = None
    for part in mime.iter_parts():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            recipients += _recipients(part)
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _original_message_id(part)
    return Bounce(tuple(recipients), original)


def _recipients(part: Message) -> list[FailedRecipient]:
    # The first block is about the message, each further block about one recipient.
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return []
    found = []
    for block in blocks[1:]:
        recipient = _first(block, "final-recipient") or _first(block, "original-recipient")
        address = recipient.partition(";")[2].strip().strip("<>").lower()
        if address:
            found.append(
                FailedRecipient(
                    address=address,
                    action=_first(block, "action").strip().lower(),
                    status=_first(block, "status").strip().split(" ")[0],
                    diagnostic=_first(block, "diagnostic-code"),
                )
            )
    return found


def _original_message_id(part: Message) -> str | None:
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
    else:
        data = part.get_payload(decode=True)
        raw = data if isinstance(data, bytes) else b""
        inner = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    if not isinstance(inner, Message):
        return None
    return next(iter(message_ids(_first(inner, "message-id"))), None)


def _first(mime: Message, name: str) -> str:
    try:
        value = mime.get(name)
    except Exception:  # a header nobody can parse counts as absent, never as a crash
        value = next((v for k, v in mime.raw_items() if k.lower() == name), None)
    return "" if value is None else one_line(str(value))


def _base_local_part(address: str) -> str:
    return address.rpartition("@")[0].split("+", 1)[0].lower()


def base_address(address: str) -> str:
    """`north+r1042-…@support.example` and `North@support.example` are one mailbox."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"
