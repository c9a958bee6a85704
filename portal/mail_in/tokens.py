"""Which request a reply belongs to: a signed token in the reply address, our own signed
Message-IDs in In-Reply-To/References, and the `[R-1042]` subject tag, strongest first.

- The reply address `north+r1042-<sig>@support.example` is the proof: only we can make
  the signature, and it binds the request to the team address it was sent from, so it
  cannot be reused through another team's address or for another request. The signature
  is 12 lowercase base32 characters (60 bits) because servers and clients lowercase local
  parts and a local part holds at most 64 characters. A team that changes its address
  invalidates its outstanding tokens; replies then thread by References.
- Our Message-IDs (`<r1042.e5531.<random>.<sig>@domain>`) are signed too, so a forged
  one cannot name a request; but they travel further than the Reply-To (quoted in every
  reply's References, by anyone the thread was forwarded to), so they are a hint.
- The subject tag is a hint only, trusted only when the sender may see that request. It
  carries the reference people see (`[R-1042]` for request id 42, portal/domain/
  references.py), so a tag a customer types from the web page names the same request;
  like every other function here, it takes and returns the request's database id.
Whatever matched, the caller re-checks that the sender may see the request: a token proves
the mail answers our mail about the request, not who wrote it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from ..domain.references import id_from_reference, reference_for

_REPLY_PURPOSE = b"onestop.mail.reply-address.v1"
_MESSAGE_ID_PURPOSE = b"onestop.mail.message-id.v1"
SIGNATURE_CHARS = 12
MAX_LOCAL_PART = 64

_REPLY_LOCAL = re.compile(r"^(?P<base>[^+@]+)\+r(?P<id>[1-9][0-9]{0,17})-(?P<sig>[a-z2-7]{12})$")
_OUR_ID = re.compile(
    r"^(?P<name>(?P<kind>[a-z]{1,8})(?P<ident>[0-9][a-z0-9.]{0,59})\.(?P<rand>[a-z2-7]{16}))"
    r"\.(?P<sig>[a-z2-7]{12})@(?P<domain>[^@\s<>]+)$"
)
_REQUEST_IDENT = re.compile(r"^(?P<id>[1-9][0-9]{0,17})(?:\.[a-z0-9.]*)?$")
_SUBJECT_TAG = re.compile(r"\[R-(?P<number>[1-9][0-9]{0,17})\]", re.IGNORECASE)
_KIND = re.compile(r"^[a-z]{1,8}$")
_IDENT = re.compile(r"^[0-9][a-z0-9.]{0,59}$")
_DOMAIN = re.compile(r"^[a-z0-9.-]+$")


def reply_address(team_address: str, request_id: int, secret: bytes) -> str:
    local, domain = _split(team_address)
    if request_id < 1 or "+" in local:
        raise ValueError("a positive request id and a team address without a +tag")
    tagged = f"{local}+r{request_id}-{_reply_signature(secret, team_address, request_id)}"
    if len(tagged) > MAX_LOCAL_PART:
        raise ValueError(f"the team address's local part is too long for a reply token: {local}")
    return f"{tagged}@{domain}"


def request_from_address(address: str, team_address: str, secret: bytes) -> int | None:
    """The request a reply address names, if it is this team's and its signature holds."""
    try:
        local, domain = _split(address)
        team_local, team_domain = _split(team_address)
    except ValueError:
        return None
    match = _REPLY_LOCAL.match(local)
    if match is None or match["base"] != team_local or domain != team_domain:
        return None
    request_id = int(match["id"])
    expected = _reply_signature(secret, team_address, request_id)
    return request_id if hmac.compare_digest(match["sig"], expected) else None


def message_id(domain: str, kind: str, ident: str | int, secret: bytes) -> str:
    """A new, unique Message-ID, `<{kind}{ident}.{random}.{sig}@{domain}>`."""
    domain, ident = domain.strip().lower(), str(ident).lower()
    if not (_KIND.match(kind) and _IDENT.match(ident) and _DOMAIN.match(domain)):
        raise ValueError(
            "kind: letters; ident: a digit, then letters, digits, dots; domain: a host"
        )
    name = f"{kind}{ident}.{_b32(secrets.token_bytes(10))}"
    return f"<{name}.{_message_id_signature(secret, name, domain)}@{domain}>"


def request_message_id(domain: str, request_id: int, event_id: int, secret: bytes) -> str:
    """The Message-ID of a mail about a request's event: `<r1042.e5531.…@domain>`."""
    return message_id(domain, "r", f"{request_id}.e{event_id}", secret)


def request_from_references(ids: Iterable[str], domain: str, secret: bytes) -> int | None:
    """The request named by the newest of our own signed Message-IDs among `ids` (give
    In-Reply-To first, then References newest first). A hint: see the module docstring."""
    for candidate in ids:
        match = _OUR_ID.match(candidate.strip().strip("<>").lower())
        if match is None or match["kind"] != "r" or match["domain"] != domain.lower():
            continue
        expected = _message_id_signature(secret, match["name"], match["domain"])
        ident = _REQUEST_IDENT.match(match["ident"])
        if ident and hmac.compare_digest(match["sig"], expected):
            return int(ident["id"])
    return None


def subject_tag(subject: str) -> int | None:
    """The id of the request a `[R-1042]` tag names (42); the first tag when there are
    several. None for a tag that is no reference (below the offset)."""
    match = _SUBJECT_TAG.search(subject)
    return id_from_reference(match["number"]) if match else None


def subject_tag_for(request_id: int) -> str:
    """`[R-1042]` for request id 42: the reference its pages and mails show."""
    return f"[{reference_for(request_id)}]"


def _split(address: str) -> tuple[str, str]:
    local, at, domain = address.strip().lower().rpartition("@")
    if not at or not local or not domain or re.search(r"[\s<>@]", local + domain):
        raise ValueError(f"not an address: {address!r}")
    return local, domain


def _reply_signature(secret: bytes, team_address: str, request_id: int) -> str:
    local, domain = _split(team_address)
    message = b"\0".join([_REPLY_PURPOSE, f"{local}@{domain}".encode(), str(request_id).encode()])
    return _b32(hmac.new(secret, message, hashlib.sha256).digest())[:SIGNATURE_CHARS]


def _message_id_signature(secret: bytes, name: str, domain: str) -> str:
    message = b"\0".join([_MESSAGE_ID_PURPOSE, name.encode(), domain.encode()])
    return _b32(hmac.new(secret, message, hashlib.sha256).digest())[:SIGNATURE_CHARS]


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()
