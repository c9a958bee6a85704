"""The IMAP fetcher for a hosted mailbox (`flask --app portal mail-fetch`, and each `tick`).

It takes every message not yet marked, stores it through `intake.receive` (which commits),
and only then marks it with the keyword `OnestopTaken` (and \\Seen). A crash in between
leaves the message unmarked: the next run takes it again and intake finds it stored, so it
is never stored twice. Two servers running `tick` at once may both fetch a message; the
dedup key lets one of them store it. Messages stay in the mailbox (people may still read it
there); one over MAIL_MAX_BYTES is marked `OnestopRefused` and left unread for a person.

TLS always: implicit ("tls", port 993) or STARTTLS ("starttls", port 143), with the
certificate checked against the system's CAs or MAIL_IMAP_CAFILE.

The marks are IMAP keywords, so the folder must take keywords of the client's own (`\\*` in
its PERMANENTFLAGS, as Dovecot, Gmail and Fastmail do). Where it does not (Microsoft 365's
IMAP), the run stops at once and says so: searching by a keyword the server cannot keep
would fetch the same oldest messages for ever.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError

from ..extensions import db
from ..mail_in.message import MessageTooLarge
from . import intake

TAKEN = "OnestopTaken"
REFUSED = "OnestopRefused"
# Onestop could not store it for a reason that trying again will not change: left unread in
# the mailbox for a person, and skipped by later runs (so it cannot stall the ones after).
FAILED = "OnestopFailed"
BATCH = 50
TIMEOUT_SECONDS = 30
_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


class FetchError(RuntimeError):
    """The mailbox could not be read (refused login, no such folder, no TLS)."""


@dataclass
class Fetched:
    taken: int = 0
    duplicates: int = 0
    refused: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.taken} taken, {self.duplicates} already stored, "
            f"{self.refused} too large, {self.failed} left for the next run"
        )


def configured() -> bool:
    return bool(current_app.config["MAIL_IMAP_HOST"])


def fetch(limit: int = BATCH) -> Fetched:
    config = current_app.config
    imap = _connect(config)
    try:
        _ok(imap.login(config["MAIL_IMAP_USERNAME"] or "", config["MAIL_IMAP_PASSWORD"] or ""))
        _ok(imap.select(_quoted(config["MAIL_IMAP_FOLDER"])))
        _, permanent = imap.response("PERMANENTFLAGS")
        if not keeps_keywords(permanent):
            raise FetchError(
                f"the folder {config['MAIL_IMAP_FOLDER']!r} cannot keep Onestop's marks (its "
                f"PERMANENTFLAGS {permanent!r} lack \\*): use a mailbox on a server that keeps "
                "IMAP keywords, or deliver by LMTP (flask mail-listen)"
            )
        data = _ok(
            imap.uid("SEARCH", "UNKEYWORD", TAKEN, "UNKEYWORD", REFUSED, "UNKEYWORD", FAILED)
        )
        uids = data[0].split()[:limit] if data and data[0] else []
        fetched = Fetched()
        sizes = _sizes(imap, uids)
        for uid in uids:
            if not _take(imap, uid, sizes.get(uid, 0), config["MAIL_MAX_BYTES"], fetched):
                break  # the database is away: the rest waits for the next run too
        return fetched
    except imaplib.IMAP4.error as error:
        raise FetchError(str(error)) from error
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):  # already gone: fine
            imap.logout()


def keeps_keywords(permanent: list | None) -> bool:
    """Whether a SELECT's PERMANENTFLAGS let a client keep keywords of its own (`\\*`). A
    server that sent none lets every flag be kept (RFC 3501, 7.1)."""
    if not permanent or permanent == [None]:
        return True
    return any(b"\\*" in (flags or b"") for flags in permanent)


def _take(imap, uid: bytes, size: int, limit: int, fetched: Fetched) -> bool:
    """Store one message and mark it; False when the database is away (stop the run)."""
    if size > limit:
        _mark(imap, uid, REFUSED)
        fetched.refused += 1
        current_app.logger.warning("IMAP: message %s is %s bytes, over the limit", uid, size)
        return True
    try:
        received = intake.receive(_message(imap, uid), source="imap")
    except MessageTooLarge:
        _mark(imap, uid, REFUSED)
        fetched.refused += 1
        return True
    except (OperationalError, InterfaceError):  # unmarked: the next run tries again
        db.session.rollback()
        current_app.logger.exception("IMAP: the database is away; message %s waits", uid)
        fetched.failed += 1
        return False
    except Exception:  # not a passing trouble: leave it to a person, go on with the rest
        db.session.rollback()
        current_app.logger.exception("IMAP: message %s could not be stored", uid)
        _mark(imap, uid, FAILED)
        fetched.failed += 1
        return True
    _mark(imap, uid, TAKEN)
    if received.duplicate:
        fetched.duplicates += 1
    else:
        fetched.taken += 1
    return True


def _connect(config) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=config["MAIL_IMAP_CAFILE"])
    host, port = config["MAIL_IMAP_HOST"], config["MAIL_IMAP_PORT"]
    security = config["MAIL_IMAP_SECURITY"]
    try:
        if security == "tls":
            return imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=TIMEOUT_SECONDS)
        if security == "starttls":
            imap = imaplib.IMAP4(host, port, timeout=TIMEOUT_SECONDS)
            imap.starttls(ssl_context=context)
            return imap
    except (OSError, imaplib.IMAP4.error) as error:
        raise FetchError(f"{host}:{port}: {error}") from error
    raise FetchError(f"MAIL_IMAP_SECURITY must be 'tls' or 'starttls', not {security!r}")


def _ok(response):
    status, data = response
    if status != "OK":
        raise FetchError(f"the IMAP server said {status}: {data!r}")
    return data


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sizes(imap, uids: list[bytes]) -> dict[bytes, int]:
    if not uids:
        return {}
    found = {}
    for item in _ok(imap.uid("FETCH", b",".join(uids), "(RFC822.SIZE)")):
        line = item[0] if isinstance(item, tuple) else item
        match = _SIZE.search(line or b"")
        if match:
            uid, size = (match[1], match[2]) if match[1] else (match[4], match[3])
            found[uid] = int(size)
    return found


def _message(imap, uid: bytes) -> bytes:
    # PEEK: fetching must not mark it \Seen before it is stored.
    for item in _ok(imap.uid("FETCH", uid, "(BODY.PEEK[])")):
        if isinstance(item, tuple):
            return item[1]
    raise FetchError(f"message {uid!r} came back without its content")


def _mark(imap, uid: bytes, keyword: str) -> None:
    # Taken mail is read (by Onestop); refused or failed mail stays unread, for a person.
    flags = f"{keyword} \\Seen" if keyword == TAKEN else keyword
    _ok(imap.uid("STORE", uid, "+FLAGS", f"({flags})"))
