"""Where a person's mail lands: a new request for them, or their reply on a request, with
its files put through the web form's checks. Used when mail arrives (intake.py) and when a
member attaches unrecognised mail to a contact (views.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from .. import acting
from ..extensions import db
from ..mail_in import quotes
from ..mail_in.message import InboundMessage, read_message
from ..models import Account, Entry, InboundMail, Request, User
from ..models.inbound import RAISED, REPLIED, UNRECOGNISED, WAITING
from ..models.request import RESOLVED
from ..requests import contacts, files, raising, services

# The web form's limits: a mail may be longer, and is kept whole in its raw form.
MAX_TEXT = 20_000
NO_TEXT = "(The mail had no text.)"
# Inline pictures this small are signature logos and tracking pixels, not what the customer
# means to send; they stay in the original message.
SMALL_INLINE_IMAGE = 10 * 1024


@dataclass(frozen=True)
class Landed:
    request: Request
    raised: bool  # a new request (else a reply on an existing one)
    note: str  # what happened, in words for the team's mail page
    entry: Entry | None = None  # the reply, when it is one

    def record_on(self, mail: InboundMail, reason: str) -> None:
        """Say on the mail where it landed, and why in `reason`."""
        mail.outcome = RAISED if self.raised else REPLIED
        mail.reason = reason
        mail.request_id = self.request.id
        mail.entry_id = self.entry.id if self.entry is not None else None


def raise_from_mail(
    person: User, account: Account, message: InboundMessage, mail: InboundMail, *, follows=None
) -> Landed:
    text = message.text.strip()
    if follows is not None:
        text = (quotes.new_text(text) or text).strip()
    new = raising.NewRequest(
        account=account,
        function=None,  # routing picks by skill once a member sets it; by load until then
        subject=(message.clean_subject or message.subject or "(no subject)")[:200],
        description=_fit(text) or NO_TEXT,
        urgency="normal",
        expected_by=None,
        expected_outcome="",
        # The same mail always gives the same key: a second delivery finds the first request.
        idempotency_key=hashlib.sha256(mail.dedup_key.encode()).hexdigest()[:64],
        channel="email",
        # Quoted in the receipt's In-Reply-To, whose column holds 400 characters.
        answers=message.message_id if len(message.message_id or "") <= 398 else None,
    )
    request, _created = raising.raise_request(person, new)
    if follows is not None:
        services.record_event(request, person, "follows", public=True, reference=follows.reference)
        services.record_event(
            follows, person, "followed_up", public=True, reference=request.reference
        )
    _attach(person, request, message, entry=None)
    note = f"Raised {request.reference}"
    if follows is not None:
        note += f": {follows.reference} could no longer be reopened"
    return Landed(request, True, note)


def reply_from_mail(
    person: User, request: Request, message: InboundMessage, mail: InboundMail
) -> Landed:
    """The contact's reply on `request`. A resolved request reopens within the reopen
    window when its requester writes (as on the web, where only they may reopen); after it,
    once closed, or from a colleague, the mail raises a new request that follows it."""
    reopens = (
        request.status == RESOLVED
        and services.can_reopen(request)
        and acting.can_act_as_requester(person, request)
    )
    if reopens:
        services.reopen(person, request)
    if not request.is_open:
        account = db.session.get(Account, request.account_id)
        return raise_from_mail(person, account, message, mail, follows=request)
    body = _fit(quotes.new_text(message.text)) or NO_TEXT
    entry = services.reply_as_contact(person, request, body)
    # Staff find the original from the reply; both sides see it came by mail.
    entry.data = {"channel": "email", "mail": mail.id}
    _attach(person, request, message, entry=entry)
    return Landed(request, False, f"Added to {request.reference} as {person.name}'s reply", entry)


def kept_message(mail: InboundMail) -> InboundMessage:
    """The kept original, read again (with today's parser: a fix applies to old mail)."""
    return read_message(mail.raw, max_bytes=max(mail.size, len(mail.raw)) + 1)


def _fit(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    return text[: MAX_TEXT - 80].rstrip() + "\n\n(Cut here: the whole mail is kept with it.)"


def _attach(person: User, request: Request, message: InboundMessage, *, entry) -> None:
    """Store the files that pass the web form's checks; list the others in an internal
    event, so the team knows to look in the original message for them."""
    accepted, refused = [], []
    for item in message.attachments:
        if (
            item.inline
            and item.content_type.startswith("image/")
            and item.size < SMALL_INLINE_IMAGE
        ):
            continue
        if len(accepted) >= files.MAX_FILES:
            refused.append(f"{item.filename}: only {files.MAX_FILES} files are attached per mail.")
            continue
        try:
            accepted.append(files.check_one(item.filename, item.content))
        except files.FileRejected as error:
            refused.append(str(error))
    if accepted:
        files.store(person, request, accepted, entry=entry)
    if refused:
        services.record_event(request, None, "mail_files_refused", public=False, files=refused)
        current_app.logger.info("request %s: mail files refused: %s", request.id, refused)


def claim(mail: InboundMail) -> bool:
    """Take a waiting mail to act on it, or learn someone else has: a conditional UPDATE,
    which waits for another member's action on it to commit and then finds it no longer
    waiting (a read-then-write would let two members both land it)."""
    claimed = db.session.execute(
        update(InboundMail)
        .where(InboundMail.id == mail.id, InboundMail.outcome.in_(WAITING))
        .values(outcome=InboundMail.outcome)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.refresh(mail)
    return bool(claimed)


def land_waiting_mail_of(person: User) -> int:
    """After `person` joins (an accepted invitation): their unrecognised mail to the teams
    they now belong to lands, oldest first. Held mail (a flood) still waits for a member.
    Returns how many."""
    waiting = db.session.scalars(
        select(InboundMail)
        .where(
            # Both stored lowercased: the (sender, received_at) index serves this.
            InboundMail.sender == person.email,
            InboundMail.outcome == UNRECOGNISED,
            InboundMail.team_id.is_not(None),
        )
        .order_by(InboundMail.id)
    ).all()
    landed = 0
    for mail in waiting:
        account = contacts.account_of(person, mail.team_id)
        if account is None or not claim(mail):
            continue
        result = raise_from_mail(person, account, kept_message(mail), mail)
        result.record_on(mail, f"{result.note}, when {person.name} joined.")
        mail.person_id = person.id
        landed += 1
    db.session.flush()
    return landed
