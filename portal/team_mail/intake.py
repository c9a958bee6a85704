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
from sqlalchemy.exc import IntegrityError

from .. import access, mail_threads
from ..extensions import db
from ..mail_in import loops, tokens
from ..mail_in.message import InboundMessage, read_message
from ..models import InboundMail, OutboxMessage, Request, Team, User, utcnow
from ..models.inbound import AUTOMATIC, BOUNCE, HELD, RAISED, REPLIED, UNRECOGNISED
from ..requests import contacts
from . import landing


@dataclass(frozen=True)
class Received:
    mail_id: int
    outcome: str
    duplicate: bool


def receive(raw: bytes, *, source: str, envelope_recipients: Iterable[str] = ()) -> Received:
    """Store and land one message. Raises MessageTooLarge (nothing stored) for a message
    over MAIL_MAX_BYTES, so the caller can refuse it."""
    message = read_message(raw, max_bytes=current_app.config["MAIL_MAX_BYTES"])
    envelope = tuple(address.strip().lower() for address in envelope_recipients)
    existing = _stored(message.dedup_key)
    if existing is not None:
        return existing
    teams = team_addresses()
    mail = _new_row(raw, message, source, envelope, teams)
    db.session.add(mail)
    try:
        # Claims the key: a copy arriving at the same moment (two fetchers) waits here on
        # PostgreSQL's unique index until this commits, then fails and is a duplicate.
        db.session.flush()
        _land(mail, message, envelope, teams)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        stored = _stored(message.dedup_key)
        if stored is None:
            raise
        return stored
    except Exception as error:  # a bug of ours must not lose the mail: keep it for a member
        db.session.rollback()
        current_app.logger.exception("mail %s could not be landed", message.dedup_key)
        return _keep_unlanded(raw, message, source, envelope, teams, error)
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
    base = base_address(address)
    return base in team_addresses() or base == base_address(_sender_address())


def base_address(address: str) -> str:
    """`north+r42-…@support.example` and `North@support.example` are one mailbox."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _sender_address() -> str:
    return parseaddr(current_app.config["MAIL_SENDER"])[1].lower()


def _stored(dedup_key: str) -> Received | None:
    row = db.session.execute(
        select(InboundMail.id, InboundMail.outcome).where(InboundMail.dedup_key == dedup_key)
    ).first()
    return Received(row.id, row.outcome, True) if row else None


def _team_for(recipients: Iterable[str], teams: dict[str, int]) -> int | None:
    for address in recipients:
        team_id = teams.get(base_address(address))
        if team_id is not None:
            return team_id
    return None


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
    named = _named_request(message, (*envelope, *message.recipients), team_address, person)
    who = message.sender or "the sender"
    if named is _BAD_TOKEN:
        mail.reason = (
            "Its reply address carries a token that does not match: a mistyped or forged "
            "address, or one from before the team's address changed."
        )
        return
    if named is not None:
        request = db.session.get(Request, named)
        if request is None:
            mail.reason = "It answers a request that no longer exists."
            return
        request = mail_threads.replies_land_on(request)
        if person is None or not person.is_contact or not person.active:
            mail.reason = f"It answers {request.reference}, but {who} is not a known contact."
            mail.request_id = request.id
            return
        if not access.can_see_request(person, request.id):
            mail.reason = f"It answers {request.reference}, but {who} may not see that request."
            mail.request_id = request.id
            return
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
    mail.outcome = RAISED if landed.raised else REPLIED
    mail.reason = landed.note
    mail.request_id = landed.request.id
    mail.entry_id = landed.entry.id if landed.entry is not None else None


_BAD_TOKEN = object()


def _named_request(message: InboundMessage, recipients, team_address, person: User | None):
    """The request id the mail answers, strongest proof first; None; or _BAD_TOKEN."""
    secret = current_app.config["SECRET_KEY"].encode()
    if team_address:
        for address in recipients:
            if base_address(address) != team_address.lower() or "+" not in address:
                continue
            request_id = tokens.request_from_address(address, team_address, secret)
            return _BAD_TOKEN if request_id is None else request_id
    ids = [i for i in (message.in_reply_to, *reversed(message.references)) if i]
    request_id = tokens.request_from_references(ids, current_app.config["MAIL_DOMAIN"], secret)
    if request_id is not None:
        return request_id
    tagged = tokens.subject_tag(message.subject)
    # The tag anyone can type: it names a request only for someone who may see it.
    if tagged is not None and person is not None and access.can_see_request(person, tagged):
        return tagged
    return None


def _team_of_referenced_request(message: InboundMessage) -> int | None:
    ids = [i for i in (message.in_reply_to, *reversed(message.references)) if i]
    secret = current_app.config["SECRET_KEY"].encode()
    request_id = tokens.request_from_references(ids, current_app.config["MAIL_DOMAIN"], secret)
    if request_id is None:
        return None
    return db.session.scalar(select(Request.team_id).where(Request.id == request_id))


def _person(address: str) -> User | None:
    if not address:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == address))


def _recent_from(sender: str, this_id: int) -> int:
    return db.session.scalar(
        select(func.count(InboundMail.id)).where(
            InboundMail.sender == sender,
            InboundMail.received_at >= utcnow() - timedelta(hours=1),
            InboundMail.id != this_id,
        )
    )


def _record_bounce(mail: InboundMail, bounce: loops.Bounce) -> str:
    """Mark the outgoing mail the report is about, flag each address that failed for good."""
    failed = [r for r in bounce.recipients if r.permanent]
    now = utcnow()
    original = None
    if bounce.original_message_id:
        original = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.message_id == f"<{bounce.original_message_id}>"
            )
        )
    if not failed:
        return "A delay or delivery report: nothing to do."
    first = failed[0]
    why = f"{first.status} {first.diagnostic}".strip()[:300]
    if original is not None:
        original.bounced_at, original.bounce_reason = now, why
        mail.request_id = original.request_id
    for recipient in failed:
        for person in db.session.scalars(select(User).where(User.email == recipient.address)):
            person.mail_bounced_at = now
            person.mail_bounce_reason = f"{recipient.status} {recipient.diagnostic}".strip()[:300]
            mail.person_id = person.id
    addresses = ", ".join(r.address for r in failed)
    return f"Mail to {addresses} could not be delivered ({why}): the address is flagged."


def _new_row(raw: bytes, message: InboundMessage, source: str, envelope, teams) -> InboundMail:
    return InboundMail(
        dedup_key=message.dedup_key,
        team_id=_team_for((*envelope, *message.recipients), teams),
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


def _keep_unlanded(raw, message, source, envelope, teams, error) -> Received:
    mail = _new_row(raw, message, source, envelope, teams)
    mail.reason = f"Onestop could not read it into a request ({type(error).__name__})."
    db.session.add(mail)
    db.session.commit()
    return Received(mail.id, mail.outcome, False)
