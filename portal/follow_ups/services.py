"""Follow-ups on an account and in a team: who is the account's named member, what each
follow-up is about (a rating and its comment, or a survey's shortfalls), and closing one
with what came of it. Opening is portal/follow_up_opening.py's, where ratings and survey
answers are saved."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit, notify
from ..database import update_while
from ..domain import follow_ups as rules
from ..extensions import db
from ..models import (
    Account,
    FollowUp,
    Membership,
    NamedMember,
    Rating,
    Request,
    ServiceDimension,
    SurveyResponse,
    SurveyScore,
    Team,
    User,
    utcnow,
)

MINE, OPEN, CLOSED = "mine", "open", "closed"
SHOWS = {MINE: "Mine", OPEN: "All open", CLOSED: "Closed"}
CLOSED_SHOWN = 50


class FollowUpError(Exception):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


# --- the named member ------------------------------------------------------------------


def set_named_member(actor: User, account: Account, person_id: int | None) -> bool:
    """Name a current member of the account's team (or nobody); False when unchanged."""
    if account.named_member_id == person_id:
        return False
    membership = None
    if person_id is not None:
        membership = db.session.scalar(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.team_id == account.team_id,
                Membership.user_id == person_id,
                User.active.is_(True),
            )
        )
        if membership is None:
            raise FollowUpError(
                f"Choose a current member of {account.team.name}: only they serve this account.",
                "member",
            )
    before = account.named_member_id
    try:  # a teammate's post may have named someone since we looked
        with db.session.begin_nested():
            if membership is None:
                account.named = None  # the row goes (delete-orphan)
            elif account.named is None:
                account.named = NamedMember(membership=membership, named_by_id=actor.id)
            else:
                account.named.membership = membership
                account.named.named_by_id, account.named.named_at = actor.id, utcnow()
            db.session.flush()
    except IntegrityError:
        raise FollowUpError(
            "Someone named a member for this account meanwhile: look again, then choose.",
            "member",
        ) from None
    if account.named is not None:
        db.session.expire(account.named, ["user"])  # read through the new membership
        _hand_over(actor, account, membership.user_id)
    audit.record(actor, "account.named_member", account, before=before, after=person_id)
    return True


def _hand_over(actor: User, account: Account, person_id: int) -> None:
    """The account's open follow-ups are its named member's: the newly named one takes
    those still open (unowned, or the previous member's) and is told once."""
    moved = db.session.execute(
        update(FollowUp)
        .where(
            FollowUp.account_id == account.id,
            FollowUp.closed_at.is_(None),
            (FollowUp.owner_id != person_id) | FollowUp.owner_id.is_(None),
        )
        .values(owner_id=person_id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if moved:
        notify.tell(
            person_id,
            "follow_up",
            f"You are {account.name}'s named member: {moved} open follow-up"
            f"{'s' if moved > 1 else ''} with them {'are' if moved > 1 else 'is'} yours now.",
            actor=actor,
        )


def move_with_account(account: Account, team: Team) -> None:
    """The account moved to `team` (after its open requests moved, or not): its named
    member was the old team's. Its survey follow-ups go with it, and so do those of ratings
    whose request moved; a rating's follow-up about a request the old team keeps stays the
    old team's, since the new team cannot see that request. What moved waits, unowned, for
    the new team's named member."""
    account.named = None
    ratings_now_theirs = (
        select(Rating.id)
        .join(Request, Request.id == Rating.request_id)
        .where(Request.account_id == account.id, Request.team_id == team.id)
    )
    moving = or_(
        FollowUp.survey_response_id.is_not(None), FollowUp.rating_id.in_(ratings_now_theirs)
    )
    db.session.execute(
        update(FollowUp)
        .where(FollowUp.account_id == account.id, FollowUp.team_id != team.id, moving)
        .values(team_id=team.id, owner_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(FollowUp)
        .where(FollowUp.account_id == account.id, FollowUp.team_id == team.id)
        .where(FollowUp.closed_at.is_(None))
        .values(owner_id=None)
        .execution_options(synchronize_session=False)
    )


# --- what each follow-up is about ---------------------------------------------------------


@dataclass(frozen=True)
class Item:
    follow_up: FollowUp
    rating: Rating | None  # with its request
    gaps: list[tuple[str, int]]  # a survey answer's shortfalls, widest first
    response: SurveyResponse | None


def _items(query) -> list[Item]:
    follow_ups = db.session.scalars(
        query.options(
            joinedload(FollowUp.owner),
            joinedload(FollowUp.closed_by),
            joinedload(FollowUp.account),
            joinedload(FollowUp.rating).joinedload(Rating.request),
            joinedload(FollowUp.rating).joinedload(Rating.contact),
            joinedload(FollowUp.survey_response).joinedload(SurveyResponse.contact),
            joinedload(FollowUp.survey_response).joinedload(SurveyResponse.survey),
        )
    ).all()
    response_ids = [f.survey_response_id for f in follow_ups if f.survey_response_id]
    scores: dict[int, list[tuple[str, int, int]]] = {}
    if response_ids:
        rows = db.session.execute(
            select(
                SurveyScore.response_id,
                ServiceDimension.name,
                SurveyScore.expectation,
                SurveyScore.perception,
            )
            .join(ServiceDimension, ServiceDimension.id == SurveyScore.dimension_id)
            .where(SurveyScore.response_id.in_(response_ids))
        )
        for response_id, name, expectation, perception in rows:
            scores.setdefault(response_id, []).append((name, expectation, perception))
    return [
        Item(
            f,
            f.rating,
            rules.negative_gaps(scores.get(f.survey_response_id, [])),
            f.survey_response,
        )
        for f in follow_ups
    ]


def _open_first(query):
    return query.order_by(
        FollowUp.closed_at.is_not(None), FollowUp.due_on, FollowUp.closed_at.desc(), FollowUp.id
    )


def for_account(account: Account) -> list[Item]:
    """Every follow-up of the account: open ones first (soonest due first), then the
    closed ones, latest first: the account keeps its history."""
    return _items(
        _open_first(
            select(FollowUp).where(
                FollowUp.account_id == account.id, FollowUp.team_id == account.team_id
            )
        )
    )


def for_team(team: Team, show: str, person: User) -> list[Item]:
    query = select(FollowUp).where(FollowUp.team_id == team.id)
    if show == CLOSED:
        query = query.where(FollowUp.closed_at.is_not(None))
        return _items(query.order_by(FollowUp.closed_at.desc()).limit(CLOSED_SHOWN))
    query = query.where(FollowUp.closed_at.is_(None))
    if show == MINE:
        query = query.where(FollowUp.owner_id == person.id)
    return _items(query.order_by(FollowUp.due_on, FollowUp.id))


def open_in_team(team: Team) -> list[Item]:
    """The weekly review's list: every open follow-up, soonest due first."""
    return for_team(team, OPEN, None)


def counts(team: Team, person: User) -> dict[str, int]:
    """How many open, and how many of them the person owns (the filter's labels)."""
    owners = db.session.scalars(
        select(FollowUp.owner_id).where(FollowUp.team_id == team.id, FollowUp.closed_at.is_(None))
    ).all()
    return {OPEN: len(owners), MINE: sum(1 for o in owners if o == person.id)}


def get_in_team(team: Team, follow_up_id: int) -> FollowUp | None:
    follow_up = db.session.get(FollowUp, follow_up_id)
    return follow_up if follow_up is not None and follow_up.team_id == team.id else None


# --- closing --------------------------------------------------------------------------------


def close(actor: User, follow_up: FollowUp, outcome: str | None) -> None:
    """Closed only with what came of it; a closed one stays, with its outcome, on the
    account."""
    if not follow_up.is_open:
        raise FollowUpError("This follow-up is already closed.", "outcome")
    kept = rules.clean_outcome(outcome)
    if kept is None:
        raise FollowUpError("Say what came of it: who you spoke to and what you agreed.", "outcome")
    # Only while still open, in the one statement: of two people closing it at once, the
    # second is told it is closed, and the first one's outcome stands.
    if not update_while(
        follow_up,
        FollowUp.closed_at.is_(None),
        outcome=kept,
        closed_at=utcnow(),
        closed_by_id=actor.id,
    ):
        raise FollowUpError("This follow-up is already closed.", "outcome")
    audit.record(actor, "follow_up.closed", follow_up, account=follow_up.account_id)
