"""Mail arriving: stored once, then landed where it belongs or kept for a member to look at.

`receive` is the one way in, for the LMTP listener and the IMAP fetcher alike. It commits
before it returns, so the caller acknowledges a message (LMTP 250) or marks it taken (an
IMAP flag) only once it is safe in the database; a message delivered again has the same
dedup key and is stored once. Nothing is dropped: whatever cannot land (an unknown sender,
a bad token, a flood, even an error of ours) is kept with the reason, for a member.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from .. import access, mail_threads
from ..extensions import db
from ..mail_in import authentication, loops, tokens
from ..mail_in.message import InboundMessage, read_message
from ..models import InboundMail, OutboxMessage, Request, Team, User, utcnow
from ..models.inbound import AUTOMATIC, BOUNCE, HELD, UNRECOGNISED
from ..requests import contacts
from . import landing


@dataclass(frozen=True)
class Received:
    mail_id: int
    outcome: str
    duplicate: bool


def receive(raw: bytes, *, source: str, envelope_recipients: Iterable[str] = ()) -> Received:
    """Store and land one message, once for each team it was sent to (the first team's
    result is returned). Raises MessageTooLarge (nothing stored) for a message over
    MAIL_MAX_BYTES, so the caller can refuse it, and the database's operational errors (it
    is away, a lock timed out), so the caller tries again later rather than acknowledge."""
    message = read_message(raw, max_bytes=current_app.config["MAIL_MAX_BYTES"])
    envelope = tuple(address.strip().lower() for address in envelope_recipients)
    teams = team_addresses()
    named = _teams_for((*envelope, *message.recipients), teams) or [None]
    results = [_receive_for(team_id, raw, message, source, envelope, teams) for team_id in named]
    return results[0]


def _receive_for(team_id, raw: bytes, message: InboundMessage, source, envelope, teams):
    # Per team: the same message to two teams' addresses is each team's to deal with.
    key = f"{message.dedup_key}#t{team_id or 0}"
    existing = _stored(key)
    if existing is not None:
        return existing
    mail = _new_row(raw, message, source, envelope, team_id, key)
    db.session.add(mail)
    try:
        # Claims the key: a copy arriving at the same moment (two fetchers) waits here on
        # PostgreSQL's unique index until this commits, then fails and is a duplicate.
        db.session.flush()
        _land(mail, message, envelope, teams)
        db.session.commit()
    except (OperationalError, InterfaceError):
        db.session.rollback()
        raise
    except IntegrityError as error:
        db.session.rollback()
        stored = _stored(key)
        if stored is not None:
            return stored
        return _keep_unlanded(raw, message, source, envelope, team_id, key, error)
    except Exception as error:  # a bug of ours must not lose the mail: keep it for a member
        db.session.rollback()
        current_app.logger.exception("mail %s could not be landed", key)
        return _keep_unlanded(raw, message, source, envelope, team_id, key, error)
    return Received(mail.id, mail.outcome, False)


def team_addresses() -> dict[str, int]:
    """Each team's address, lowercased, to its team id."""
    rows = db.session.execute(
        select(Team.mail_address, Team.id).where(Team.mail_address.is_not(None))
    )
    return {address.lower(): team_id for address, team_id in rows}


def accepts(address: str) -> bool:
    """Whether mail to `address` is ours to take: a team's address (with or without a
    +tag) or the sender address bounces come back to."""
    base = loops.base_address(address)
    return base in team_addresses() or base == loops.base_address(_sender_address())


def _sender_address() -> str:
    return parseaddr(current_app.config["MAIL_SENDER"])[1].lower()


def _stored(dedup_key: str) -> Received | None:
    row = db.session.execute(
        select(InboundMail.id, InboundMail.outcome).where(InboundMail.dedup_key == dedup_key)
    ).first()
    return Received(row.id, row.outcome, True) if row else None


def _teams_for(recipients: Iterable[str], teams: dict[str, int]) -> list[int]:
    """The teams whose addresses are among `recipients`, in the order they are named."""
    found = (teams.get(loops.base_address(address)) for address in recipients)
    return list(dict.fromkeys(team_id for team_id in found if team_id is not None))


def _land(mail: InboundMail, message: InboundMessage, envelope, teams) -> None:
    bounce = loops.bounce_of(message)
    if bounce is not None:
        mail.outcome, mail.reason = BOUNCE, _record_bounce(mail, bounce)
        return
    why = loops.automatic_reason(message, [*teams, _sender_address()])
    if why is not None:
        mail.outcome, mail.reason = AUTOMATIC, f"Not from a person ({why}): nothing raised."
        return
    if mail.team_id is None:
        # An answer to our sender address (a team without an address of its own) still
        # names its request by our signed Message-IDs: it belongs to that request's team.
        mail.team_id = _team_of_referenced_request(message)
    if mail.team_id is None:
        mail.reason = "It reached no team's address."
        return
    person = _person(message.sender)
    if person is not None:
        mail.person_id = person.id
        person.mail_bounced_at = person.mail_bounce_reason = None  # the address works
    limit = current_app.config["MAIL_FLOOD_PER_HOUR"]
    if message.sender and _recent_from(message.sender, mail.id) >= limit:
        mail.outcome = HELD
        mail.reason = (
            f"More than {limit} mails from this address within an hour: held for a member "
            "to look at."
        )
        return
    land_for(mail, message, person, envelope)


def land_for(mail: InboundMail, message: InboundMessage, person: User | None, envelope=()):
    """Land the mail as `person`'s, or say in `mail.reason` why it cannot."""
    team_address = db.session.scalar(select(Team.mail_address).where(Team.id == mail.team_id))
    named, by_token = _named_request(
        message, (*envelope, *message.recipients), team_address, person
    )
    who = message.sender or "the sender"
    if named is _BAD_TOKEN:
        mail.reason = (
            "Its reply address carries a token that does not match: a mistyped or forged "
            "address, or one from before the team's address changed."
        )
        return
    authserv = current_app.config["MAIL_AUTHSERV_ID"]
    if authserv and not by_token and not authentication.dmarc_passed(message.mime, authserv):
        # Anyone can write any From: without the check passing, only our signed reply
        # address (proof it answers our mail) lands by itself.
        mail.reason = f"The sender's address could not be verified (no DMARC pass at {authserv})."
        return
    if named is not None:
        request = db.session.get(Request, named)
        if request is None:
            mail.reason = "It answers a request that no longer exists."
            return
        request = mail_threads.replies_land_on(request)
        same_team = request.team_id == mail.team_id
        if person is None or not person.is_contact or not person.active:
            mail.reason = f"It answers {request.reference}, but {who} is not a known contact."
            mail.request_id = request.id if same_team else None
            return
        if not access.can_see_request(person, request.id):
            mail.reason = f"It answers {request.reference}, but {who} may not see that request."
            mail.request_id = request.id if same_team else None
            return
        # Their own request with another team, mailed to this one: it is that team's.
        mail.team_id = request.team_id
        landed = landing.reply_from_mail(person, request, message, mail)
    else:
        if person is None or not person.active:
            mail.reason = f"{who} is not a contact of any of this team's accounts."
            return
        if not person.is_contact:
            mail.reason = (
                f"From {person.name}, a member of staff: attach it to the customer it is about."
            )
            return
        account = contacts.account_of(person, mail.team_id)
        if account is None:
            mail.reason = f"{who} is not a contact of any of this team's accounts."
            return
        landed = landing.raise_from_mail(person, account, message, mail)
    landed.record_on(mail, landed.note)


_BAD_TOKEN = object()


def _named_request(message: InboundMessage, recipients, team_address, person: User | None):
    """(the request id the mail answers, strongest proof first, or None or _BAD_TOKEN;
    whether the signed reply address proved it)."""
    secret = current_app.config["SECRET_KEY"].encode()
    if team_address:
        for address in recipients:
            if loops.base_address(address) != team_address.lower() or "+" not in address:
                continue
            request_id = tokens.request_from_address(address, team_address, secret)
            return (_BAD_TOKEN, False) if request_id is None else (request_id, True)
    request_id = _referenced_request(message)
    if request_id is not None:
        return request_id, False
    tagged = tokens.subject_tag(message.subject)
    # The tag anyone can type: it names a request only for someone who may see it.
    if tagged is not None and person is not None and access.can_see_request(person, tagged):
        return tagged, False
    return None, False


def _referenced_request(message: InboundMessage) -> int | None:
    """The request the newest of our signed Message-IDs it answers names (a hint)."""
    ids = [i for i in (message.in_reply_to, *reversed(message.references)) if i]
    secret = current_app.config["SECRET_KEY"].encode()
    return tokens.request_from_references(ids, current_app.config["MAIL_DOMAIN"], secret)


def _team_of_referenced_request(message: InboundMessage) -> int | None:
    request_id = _referenced_request(message)
    if request_id is None:
        return None
    return db.session.scalar(select(Request.team_id).where(Request.id == request_id))


def _person(address: str) -> User | None:
    if not address:
        return None
    # Stored lowercased (models.user.normalize_email), as the parser gives the sender: the
    # unique index on email serves this.
    return db.session.scalar(select(User).where(User.email == address))


def _recent_from(sender: str, this_id: int) -> int:
    return db.session.scalar(
        select(func.count(InboundMail.id)).where(
            InboundMail.sender == sender,
            InboundMail.received_at >= utcnow() - timedelta(hours=1),
            InboundMail.id != this_id,
        )
    )


def _record_bounce(mail: InboundMail, bounce: loops.Bounce) -> str:
    """Mark the outgoing mail the report is about and flag its recipient's address, only
    when the report names a mail of ours and says it failed for good for that recipient:
    a report anyone can write must not flag anybody else."""
    original = None
    if bounce.original_message_id:
        original = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.message_id == f"<{bounce.original_message_id}>"
            )
        )
    if original is None:
        return "A delivery report about no mail of ours: nothing flagged."
    failed = [
        r for r in bounce.recipients if r.permanent and r.address == original.recipient.lower()
    ]
    if not failed:
        return "A delay or delivery report: nothing to do."
    now, why = utcnow(), f"{failed[0].status} {failed[0].diagnostic}".strip()[:300]
    original.bounced_at, original.bounce_reason = now, why
    team_id = db.session.scalar(select(Request.team_id).where(Request.id == original.request_id))
    if team_id is not None and mail.team_id in (None, team_id):
        mail.team_id, mail.request_id = team_id, original.request_id
    for person in db.session.scalars(select(User).where(User.email == original.recipient)):
        person.mail_bounced_at, person.mail_bounce_reason = now, why
        mail.person_id = person.id
    return f"Mail to {original.recipient} could not be delivered ({why}): the address is flagged."


def _new_row(raw: bytes, message: InboundMessage, source: str, envelope, team_id, key):
    return InboundMail(
        dedup_key=key,
        team_id=team_id,
        source=source,
        received_at=utcnow(),
        envelope_recipients=" ".join(envelope)[:2000],
        sender=message.sender,
        sender_name=message.sender_name[:200],
        subject=message.subject[:200],
        message_id=(message.message_id or "")[:400] or None,
        size=message.size,
        sha256=message.sha256,
        raw=raw,
        outcome=UNRECOGNISED,
    )


def _keep_unlanded(raw, message, source, envelope, team_id, key, error) -> Received:
    mail = _new_row(raw, message, source, envelope, team_id, key)
    mail.reason = f"Onestop could not read it into a request ({type(error).__name__})."
    db.session.add(mail)
    db.session.commit()
    return Received(mail.id, mail.outcome, False)
