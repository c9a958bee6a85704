"""What a member does with mail that could not land by itself: attach it to a contact (as a
new request, or as their reply on one), invite its sender, or discard it. And what the
team's mail page lists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .. import access, audit
from ..extensions import db
from ..invitations import services as invitations
from ..models import Account, InboundMail, Request, User, id_from_reference, utcnow
from ..models.inbound import AUTOMATIC, BOUNCE, DISCARDED, RAISED, REPLIED, WAITING
from ..requests import contacts
from . import landing

PAGE_SIZE = 50

# The mail page's tabs: what each shows, and its name.
SHOWS = {
    "waiting": ("Waiting for you", WAITING),
    "landed": ("Landed", (RAISED, REPLIED)),
    "automatic": ("Not from a person", (AUTOMATIC, BOUNCE)),
    "discarded": ("Discarded", (DISCARDED,)),
}


class MailActionError(ValueError):
    """A member's action that cannot be done, in words for them."""


class AlreadyDealtWith(MailActionError):
    """Another member (or a double click) acted on the mail first."""


@dataclass(frozen=True)
class Page:
    mails: list[InboundMail]
    older: int | None  # the id to show older mail from, if there is more


def counts(team_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(InboundMail.outcome, func.count(InboundMail.id))
        .where(InboundMail.team_id == team_id)
        .group_by(InboundMail.outcome)
    ).all()
    by_outcome = dict(rows)
    return {
        show: sum(by_outcome.get(outcome, 0) for outcome in outcomes)
        for show, (_, outcomes) in SHOWS.items()
    }


def listing(team_id: int, show: str, before: int | None = None, request_id=None) -> Page:
    """Newest first, a page at a time (keyset on id: mail is stored in arrival order)."""
    query = select(InboundMail).where(InboundMail.team_id == team_id)
    if request_id is not None:
        query = query.where(InboundMail.request_id == request_id)
    else:
        query = query.where(InboundMail.outcome.in_(SHOWS[show][1]))
    if before is not None:
        query = query.where(InboundMail.id < before)
    mails = db.session.scalars(query.order_by(InboundMail.id.desc()).limit(PAGE_SIZE + 1)).all()
    older = mails[PAGE_SIZE - 1].id if len(mails) > PAGE_SIZE else None
    return Page(list(mails[:PAGE_SIZE]), older)


def unaddressed(limit: int = PAGE_SIZE) -> list[InboundMail]:
    """Waiting mail that reached no team (an address no team has, a reply to a mail about
    no request): an admin sends each to the team it is for."""
    return list(
        db.session.scalars(
            select(InboundMail)
            .where(InboundMail.team_id.is_(None), InboundMail.outcome.in_(WAITING))
            .order_by(InboundMail.id.desc())
            .limit(limit)
        )
    )


def send_to_team(actor: User, mail: InboundMail, team_id: int, team_name: str) -> None:
    """Give mail that reached no team to one, where it waits for its members."""
    _check_waiting(mail)
    mail.team_id = team_id
    mail.reason = f"Sent to {team_name} by {actor.name}. {mail.reason}"
    _handled(actor, mail, "mail.sent_to_team", team_id=team_id)


def get_mail(team_id: int, mail_id: int) -> InboundMail | None:
    mail = db.session.get(InboundMail, mail_id)
    return mail if mail is not None and mail.team_id == team_id else None


def team_accounts(team_id: int) -> list[Account]:
    return list(
        db.session.scalars(
            select(Account).where(Account.team_id == team_id, Account.active).order_by(Account.name)
        )
    )


def attach(actor: User, mail: InboundMail, contact: User, reference: str = "") -> Request:
    """Land the mail as `contact`'s: their reply on the request `reference` names, else a
    new request for their account with this team."""
    _check_waiting(mail)
    if not contact.is_contact or not contact.active:
        raise MailActionError("Choose one of the team's contacts.")
    message = landing.kept_message(mail)
    if reference.strip():
        request = _request_for(reference, mail.team_id, contact)
        landed = landing.reply_from_mail(contact, request, message, mail)
    else:
        account = contacts.account_of(contact, mail.team_id)
        if account is None:
            raise MailActionError(f"{contact.name} is not a contact of this team's accounts.")
        landed = landing.raise_from_mail(contact, account, message, mail)
    landed.record_on(mail, f"{landed.note}, attached by {actor.name}.")
    mail.person_id = contact.id
    _handled(actor, mail, "mail.attached", contact_id=contact.id)
    return landed.request


def invite_sender(actor: User, mail: InboundMail, account: Account, name: str) -> None:
    """Invite the sender as a contact of `account`; their mail lands when they accept."""
    _check_waiting(mail)
    if account.team_id != mail.team_id or not account.active:
        raise MailActionError("Choose one of the team's accounts.")
    if not mail.sender:
        raise MailActionError("This mail has no sender address to invite.")
    try:
        invitations.invite_contact(actor, account, email=mail.sender, name=name)
    except invitations.InvitationError as error:
        raise MailActionError(str(error)) from error
    mail.reason = (
        f"{actor.name} invited {mail.sender} to {account.name}: it lands as a new request "
        "when they accept."
    )
    audit.record(actor, "mail.invited", mail, account_id=account.id)


def discard(actor: User, mail: InboundMail) -> None:
    """Nothing to do for this mail: it stays, marked with who decided and when."""
    _check_waiting(mail)
    mail.outcome = DISCARDED
    mail.reason = f"Discarded by {actor.name}."
    _handled(actor, mail, "mail.discarded")


def _check_waiting(mail: InboundMail) -> None:
    if not landing.claim(mail):
        raise AlreadyDealtWith("Someone has already dealt with this mail.")


def _handled(actor: User, mail: InboundMail, action: str, **details) -> None:
    mail.handled_by_id, mail.handled_at = actor.id, utcnow()
    audit.record(actor, action, mail, **details)
    db.session.flush()


def _request_for(reference: str, team_id: int, contact: User) -> Request:
    request_id = id_from_reference(reference)
    request = db.session.get(Request, request_id) if request_id else None
    if request is None or request.team_id != team_id:
        raise MailActionError(f"This team has no request {reference.strip()}.")
    if not access.can_see_request(contact, request.id):
        raise MailActionError(f"{contact.name} may not see {request.reference}.")
    return request
