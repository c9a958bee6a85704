"""Opening a follow-up, where the customer's word is recorded: `requests/ratings.py` after a
rating, `insights/services.py` after a survey answer, in the same transaction (a rating
saved is a follow-up opened, or neither). The rule is `domain/follow_ups.py`'s; the owner is
the account's named member at that moment, told through their notifications; an account
without one leaves the follow-up unowned and tells the team's coaches instead.

Once per source: a rating changed again (within its week) opens nothing more when it
already opened one, open or closed; a rating first changed down to 2 or less opens one then.
Nothing here shows a customer anything: follow-ups are the team's internal tasks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import audit, notify
from .domain import follow_ups as rules
from .extensions import db
from .models import (
    Account,
    FollowUp,
    Rating,
    Request,
    ServiceDimension,
    SurveyResponse,
    User,
    utcnow,
)
from .reader_zone import team_today


def named_owner(account: Account) -> User | None:
    """The account's named member, if they are still active (leaving the team ends the
    naming with the membership)."""
    person = account.named_member
    return person if person is not None and person.active else None


def _open(account: Account, source: dict, actor: User, words: str, request=None):
    """Add the follow-up in a savepoint: a second writer racing for the same source meets
    the unique constraint and opens nothing (the first one stands).

    A rating's follow-up belongs to the team that handled the request: after the account
    moved, a request left with the old team is the old team's to follow up (the new team
    cannot see it), with no named member of theirs to own it."""
    now = utcnow()
    team = request.team if request is not None else account.team
    owner = named_owner(account) if team.id == account.team_id else None
    follow_up = FollowUp(
        team_id=team.id,
        account_id=account.id,
        owner_id=owner.id if owner else None,
        opened_at=now,
        due_on=rules.due_on(team_today(team)),
        **source,
    )
    try:
        with db.session.begin_nested():
            db.session.add(follow_up)
    except IntegrityError:
        return None
    audit.record(actor, "follow_up.opened", follow_up, account=account.id, owner=follow_up.owner_id)
    due = follow_up.due_on.strftime("%a %-d %b")
    if owner is not None:
        notify.tell(
            owner.id,
            "follow_up",
            f"Follow up with {account.name} by {due}: {words}",
            request=request,
        )
    else:
        notify.tell_coaches(
            team.id,
            "follow_up",
            f"Follow up with {account.name} by {due}: {words} It has no named member: "
            "set one on the account's page.",
            request=request,
        )
    return follow_up


def after_rating(rating: Rating, request: Request) -> FollowUp | None:
    """A rating just saved (new or changed): open its follow-up if the rule says so and it
    has none yet."""
    if not rules.rating_opens_follow_up(rating.score):
        return None
    db.session.flush()  # the rating's id
    if db.session.scalar(select(FollowUp.id).where(FollowUp.rating_id == rating.id)):
        return None
    words = f"{rating.contact.name} rated {request.reference} {rating.score} out of 5."
    return _open(request.account, {"rating_id": rating.id}, rating.contact, words, request)


def after_survey_answer(response: SurveyResponse, account: Account) -> FollowUp | None:
    """A survey answer just saved (once per contact and survey): open its follow-up when
    any dimension scored below what the contact expected."""
    names = dict(db.session.execute(select(ServiceDimension.id, ServiceDimension.name)).all())
    gaps = rules.negative_gaps(
        (names.get(s.dimension_id, "?"), s.expectation, s.perception) for s in response.scores
    )
    if not gaps:
        return None
    db.session.flush()  # the response's id
    shown = ", ".join(f"{name} {gap:+d}" for name, gap in gaps[:3])
    words = f"{response.contact.name}'s survey answer falls short on {shown}."
    return _open(account, {"survey_response_id": response.id}, response.contact, words)
