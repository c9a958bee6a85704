"""The headers that make our mail thread, so a customer's mail client shows one conversation
per request and a reply can be matched to its request (issue 14; the matching itself is
mail in's, with the primitives of portal/mail_in/tokens.py).

Worked out when a message is queued and kept on its outbox row, so every attempt sends the
same ones and a later reply or bounce can be traced back to the row:
- Message-ID: every message has its own, signed, under MAIL_DOMAIN. A mail about a request
  names the request in it (`<r42.e3.…@domain>`: the 3rd mail about request 42 to this
  recipient), which mail in reads as a hint when a reply's token is missing.
- In-Reply-To and References: the earlier mails about the same request to the same
  recipient, oldest first (the first one and the newest few when there are many).
- Reply-To: when the team has a mail address, `north+r42-<signature>@…`, the proof a reply
  answers our mail about that request. Without one, no Reply-To: replies would reach the
  sender's address, which may reach no team, so the mail asks for an answer on the
  request's page instead.
- Subject: starts with the `[R-1042]` tag unless the caller already put it in.
- Auto-Submitted: `auto-generated` (RFC 3834) on every mail a person did not write, so
  auto-responders stay quiet; `auto-replied` on one that answers an incoming mail (the
  receipt of a request raised by mail), which also threads under that mail.
"""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import bindparam, func, select

from .extensions import db
from .mail_in import tokens
from .models import OutboxMessage, Request, Team, utcnow

AUTO_GENERATED = "auto-generated"
AUTO_REPLIED = "auto-replied"

# References grows by one id per mail; clients and servers cap header lengths, and a thread
# needs only its root and its newest few to hold together (RFC 5322 3.6.4 allows trimming).
REFERENCES_KEPT = 10

# The longest request id a reply token must hold: references are at most 12 digits
# (domain/references.py), and so are ids.
_ID_DIGITS = 12
# The longest local part a team address may have for `local+r<id>-<signature>` to fit.
TEAM_LOCAL_MAX = tokens.MAX_LOCAL_PART - len("+r-") - _ID_DIGITS - tokens.SIGNATURE_CHARS
_ASCII_ADDRESS = re.compile(r"^[!-~]+$")

# Merges chain rarely; a loop (not reachable through the services) must not hang a send.
_MERGE_HOPS = 5

_THREAD = (
    select(OutboxMessage.message_id, OutboxMessage.in_reply_to)
    .where(
        OutboxMessage.request_id == bindparam("request_id"),
        func.lower(OutboxMessage.recipient) == bindparam("recipient"),
        OutboxMessage.message_id.is_not(None),
    )
    .order_by(OutboxMessage.id)
)


def team_address_problem(address: str) -> str | None:
    """What is wrong with `address` as a team's mail address, in words for the admin; None
    when it will do. (The shape of an address is the form's Email validator's job.)"""
    local, _, domain = address.strip().lower().rpartition("@")
    if not local or not domain or not _ASCII_ADDRESS.match(address.strip()):
        return "Enter an address like support@example.com, in plain letters and digits."
    if "+" in local:
        return "Leave out the +: Onestop adds +tags to this address to match replies to requests."
    if len(local) > TEAM_LOCAL_MAX:
        return (
            f"Use at most {TEAM_LOCAL_MAX} characters before the @: replies need room "
            "for the request's tag."
        )
    return None


def tagged(request: Request, subject: str) -> str:
    """`subject`, starting with the request's `[R-1042]` tag unless it already holds it."""
    tag = tokens.subject_tag_for(request.id)
    return subject if tag.lower() in subject.lower() else f"{tag} {subject}"


def replies_land_on(request: Request) -> Request:
    """The request a reply to mail about `request` belongs to: a merged request's survivor
    (everything continues there), else the request itself."""
    for _ in range(_MERGE_HOPS):
        if request.merged_into_id is None:
            break
        request = db.session.get(Request, request.merged_into_id)
    return request


def reply_address(request: Request) -> str | None:
    """The Reply-To of mail about `request`, or None when replies by mail are not read (its
    team has no address). The one test of "may a customer answer by mail": the mail's
    text asks for `reply_address(...) is not None`, so it never invites a reply that would
    go unread."""
    target = replies_land_on(request)
    team: Team = target.team
    if not team.mail_address:
        return None
    secret = current_app.config["SECRET_KEY"].encode()
    try:
        return tokens.reply_address(team.mail_address, target.id, secret)
    except ValueError as error:  # an address the admin form would refuse, set another way
        current_app.logger.warning("team %s: no reply address: %s", team.id, error)
        return None


def new_message_id(config) -> str:
    """A Message-ID for mail about no request (a password reset, an invitation, a survey)."""
    day = utcnow().strftime("%Y%m%d")
    return tokens.message_id(config["MAIL_DOMAIN"], "m", day, config["SECRET_KEY"].encode())


def about_request(
    request: Request, recipient: str, answers: str | None = None, *, first: bool = False
) -> dict:
    """The outbox columns of a mail about `request` to `recipient`: one indexed query for
    the thread's earlier Message-IDs, the rest computed. `answers`: the recipient's own
    Message-ID this mail answers, which roots the thread."""
    config = current_app.config
    params = {"request_id": request.id, "recipient": recipient.strip().lower()}
    # A receipt is the first mail about its request: nothing to look up, inside the write.
    rows = [] if first else db.session.execute(_THREAD, params).all()
    number = len(rows) + 1  # this recipient's nth mail about the request
    earlier = [row.message_id for row in rows]
    # The thread's root: the customer's own mail, when the first of ours answered it.
    root = f"<{answers.strip().strip('<>')}>" if answers else rows[0].in_reply_to if rows else None
    if root and not (rows and root == rows[0].message_id):
        earlier = [root, *earlier]
    kept = (
        earlier
        if len(earlier) <= REFERENCES_KEPT
        else [earlier[0], *earlier[1 - REFERENCES_KEPT :]]
    )
    return {
        "request_id": request.id,
        "message_id": tokens.request_message_id(
            config["MAIL_DOMAIN"], request.id, number, config["SECRET_KEY"].encode()
        ),
        "in_reply_to": earlier[-1] if earlier else None,
        "thread_references": " ".join(kept) or None,
        "reply_to": reply_address(request),
    }
