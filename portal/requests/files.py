"""Attachments: an allow-list of types, checked by content as well as by name.

Files are stored outside `static/` under random names and only ever served through
`main.attachment`, as downloads with `nosniff` and a sandboxing CSP. SVG and HTML are
refused outright: they can carry script.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from sqlalchemy import bindparam, select
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..models import Attachment, Entry, Request, User

MAX_FILES = 5
ZIP_MAGIC = b"PK\x03\x04"


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


# extension -> (content type served, check on the first bytes)
ALLOWED = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "gif": ("image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    "txt": ("text/plain", _is_text),
    "csv": ("text/csv", _is_text),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda head: head.startswith(ZIP_MAGIC),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda head: head.startswith(ZIP_MAGIC),
    ),
    "odt": ("application/vnd.oasis.opendocument.text", lambda head: head.startswith(ZIP_MAGIC)),
    "ods": (
        "application/vnd.oasis.opendocument.spreadsheet",
        lambda head: head.startswith(ZIP_MAGIC),
    ),
}
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
# The types a request page may show inline, as a thumbnail (`main.attachment_preview`):
# raster images whose content was checked on upload. Never SVG, HTML or text.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})


class FileRejected(ValueError):
    """A file the rules refuse; the message names the file and says why."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def clean_filename(name: str) -> str:
    """Keep a readable name for the download, without paths, controls or direction marks."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>:|?*\u202e\u202d')
    return name.strip(" .")[:200] or "file"


def check(files: list[FileStorage]) -> list[CheckedFile]:
    """Validate every file before anything is written, so a refusal saves nothing."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES:
        raise FileRejected(f"Attach at most {MAX_FILES} files at a time.")
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    checked = []
    for upload in files:
        _check_type(clean_filename(upload.filename))  # before reading it
        checked.append(check_one(upload.filename, upload.stream.read(limit + 1)))
    return checked


def check_one(filename: str, data: bytes) -> CheckedFile:
    """One file, whichever way it came (a form, a mail): the same rules."""
    name = clean_filename(filename)
    extension = _check_type(name)
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if len(data) > limit:
        raise FileRejected(f"{name}: files may be at most {limit // (1024 * 1024)} MB.")
    if not data:
        raise FileRejected(f"{name}: the file is empty.")
    content_type, sniff = ALLOWED[extension]
    if not sniff(data[:4096]):
        raise FileRejected(f"{name}: the content does not match its .{extension} name.")
    return CheckedFile(name, content_type, data)


def _check_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise FileRejected(f"{name}: this type of file is not accepted (use {allowed}).")
    return extension


def store(
    actor: User, request: Request, files: list[CheckedFile], *, entry: Entry | None = None
) -> list[Attachment]:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    attachments = []
    for item in files:
        stored_name = secrets.token_hex(24)
        path = folder / stored_name
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(item.data)
        attachment = Attachment(
            request_id=request.id,
            entry_id=entry.id if entry else None,
            uploader_id=actor.id,
            filename=item.filename,
            stored_name=stored_name,
            content_type=item.content_type,
            size=len(item.data),
            sha256=hashlib.sha256(item.data).hexdigest(),
            public=entry.public if entry else True,
        )
        db.session.add(attachment)
        attachments.append(attachment)
    db.session.flush()
    return attachments


def path_of(attachment: Attachment) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / attachment.stored_name


# Built once (the request a bound value): the request pages load these on every view, as
# plain rows (the pages only print them; ORM objects cost more to load than to draw).
_ATTACHMENTS = select(
    Attachment.id,
    Attachment.entry_id,
    Attachment.filename,
    Attachment.size,
    Attachment.public,
    Attachment.content_type,
).where(Attachment.request_id == bindparam("request_id"))
_FOR_REQUEST = {
    False: _ATTACHMENTS.order_by(Attachment.id),
    True: _ATTACHMENTS.where(Attachment.public.is_(True)).order_by(Attachment.id),
}


def for_request(request: Request, *, public_only: bool) -> dict[int | None, list]:
    """Attachments grouped by entry id (None: sent with the request), in one query: rows
    with the names of `Attachment`'s columns they carry (id, entry_id, filename, size,
    public, content_type)."""
    query = _FOR_REQUEST[bool(public_only)]
    grouped: dict[int | None, list] = {}
    # On the session's connection, as Core: no ORM result machinery.
    for attachment in db.session.connection().execute(query, {"request_id": request.id}):
        grouped.setdefault(attachment.entry_id, []).append(attachment)
    return grouped


def download(attachment) -> object:
    """The file as a download, never rendered: nosniff (on every answer) plus a sandbox CSP.
    Never stored either: like every signed-in or token answer it leaves with `no-store`
    (web._security_headers replaces what `send_file` says)."""
    path = path_of(attachment)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
