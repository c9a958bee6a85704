"""The files a message carries: attached ones, inline images (Content-ID), forwarded
messages; each with a name safe to show, its declared type and its decoded bytes."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import errors
from email.message import Message

from .text import one_line

MAX_FILENAME_CHARS = 200


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None  # bare, for an inline image a body refers to as cid:…
    inline: bool

    @property
    def size(self) -> int:
        return len(self.content)


def attachments_of(mime: Message, skip: Message | None = None) -> Iterator[Attachment]:
    """Every leaf part except the body text `skip` and the other text alternatives of it.
    A forwarded message (message/rfc822) is one file, not opened up."""
    for part in _leaves(mime):
        if part is skip or _is_body_alternative(part):
            continue
        yield _attachment(part)


def _leaves(part: Message) -> Iterator[Message]:
    if part.get_content_type() == "message/rfc822" and part is not part.get_payload():
        yield part
    elif part.is_multipart():
        for child in part.get_payload():
            yield from _leaves(child)
    else:
        yield part


def _is_body_alternative(part: Message) -> bool:
    """An unnamed text/plain or text/html part not marked as an attachment is body text
    (the other half of multipart/alternative), not a file."""
    return (
        part.get_content_maintype() == "text"
        and part.get_content_subtype() in ("plain", "html")
        and not part.get_filename()
        and part.get_content_disposition() != "attachment"
    )


def _attachment(part: Message) -> Attachment:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()[0]
        content = inner.as_bytes() if isinstance(inner, Message) else b""
        fallback = f"{one_line(str(inner.get('subject', ''))) or 'message'}.eml"
    else:
        content = payload_bytes(part)
        fallback = "attachment" + (mimetypes.guess_extension(content_type) or ".bin")
    content_id = one_line(str(part.get("content-id", ""))).strip("<>") or None
    return Attachment(
        filename=safe_filename(_filename(part), fallback),
        content_type=content_type,
        content=content,
        content_id=content_id,
        inline=part.get_content_disposition() == "inline"
        or (content_id is not None and part.get_content_disposition() != "attachment"),
    )


def _filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # an unreadable name gets the fallback, the file is kept
        return ""


def safe_filename(name: str, fallback: str = "attachment.bin") -> str:
    """The last path segment, without control characters or leading dots, at most
    MAX_FILENAME_CHARS (keeping the extension): a name to show, never a path to write."""
    name = one_line(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r'[<>:"|?*]', "_", name).strip(" .")
    if not name:
        return fallback
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:20] if dot and stem else ""
        name = name[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip(" .") + ("." + ext if ext else "")
    return name


def payload_bytes(part: Message) -> bytes:
    """The decoded content of a leaf part. For base64 cut short (a truncated download, a
    mailer's size limit), the standard library hands back the undecoded base64 text; we
    decode every whole 4-character group instead, so the readable start is kept."""
    if part.is_multipart():
        return b""
    if part.get("content-transfer-encoding", "").strip().lower() == "base64":
        encoded = part.get_payload(decode=False)
        text = encoded if isinstance(encoded, str) else ""
        letters = re.sub(r"[^A-Za-z0-9+/]", "", text.partition("=")[0])
        if len(letters) % 4 and not text.rstrip().endswith("="):
            part.policy.handle_defect(part, errors.InvalidBase64LengthDefect())
        letters = letters[: len(letters) - len(letters) % 4 if len(letters) % 4 == 1 else None]
        try:
            return base64.b64decode(letters + "=" * (-len(letters) % 4))
        except (binascii.Error, ValueError):
            return b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""
