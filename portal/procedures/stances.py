"""Stances in a review round: taking one (in the app or by a mailed link), its history, the
team's answers to comments, and the round's tally (`result_of`, by the rules in
`portal.domain.review`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit
from ..domain import review
from ..domain.review import ReviewError
from ..extensions import db
from ..models import (
    Procedure,
    ReviewRound,
    Stance,
    StanceAnswer,
    StanceChange,
    StanceLink,
    Team,
    User,
    utcnow,
)
from ..models.procedure import CONCERN, OBJECT, WITHDRAWN
from ..tokens import hash_token
from .group_membership import (
    counted_stances,
    counts,
    current_membership,
    members_at_count,
    stance_membership,
)
from .review_rounds import settle


def may_see_round(user: User, round_: ReviewRound) -> bool:
    """A current member of the team's group, or anyone whose stance counts in the round (a
    former member sees the rounds they were counted in, not those they left before)."""
    if current_membership(user, round_.procedure.team_id) is not None:
        return True
    return (
        db.session.scalar(
            counted_stances(Stance.id).where(
                Stance.round_id == round_.id, Stance.user_id == user.id
            )
        )
        is not None
    )


def stance_of(user: User, round_: ReviewRound) -> Stance | None:
    return db.session.scalar(
        select(Stance)
        .where(Stance.round_id == round_.id, Stance.user_id == user.id)
        .options(joinedload(Stance.answer))
    )


def stance_history(stance: Stance | None) -> list[StanceChange]:
    if stance is None:
        return []
    return list(
        db.session.scalars(
            select(StanceChange)
            .where(StanceChange.stance_id == stance.id)
            .order_by(StanceChange.revision)
        )
    )


def take_stance(user: User, round_: ReviewRound, kind: str, reason: str) -> Stance:
    """Record or change the member's stance. Exactly one row per member per round, even when
    two posts race: the loser of the insert updates the winner's row instead."""
    procedure = round_.procedure
    settle(procedure)
    if procedure.status == WITHDRAWN or round_.status == WITHDRAWN:
        raise ReviewError("This procedure was withdrawn: stances are no longer taken.")
    if not review.may_take_stance(round_.status, round_.closes_at, utcnow()):
        raise ReviewError("This round is closed: stances can no longer change.")
    membership = stance_membership(user, procedure.team_id)
    if membership is None:
        raise ReviewError("Only members of the reference group take stances.")
    reason = review.check_stance(kind, reason)
    stance = stance_of(user, round_)
    if stance is None:
        stance = Stance(
            round_id=round_.id,
            user_id=user.id,
            account_id=membership.account_id,
            tier_id=membership.account.tier_id,
            kind=kind,
            reason=reason,
        )
        try:
            with db.session.begin_nested():
                db.session.add(stance)
        except IntegrityError:  # the same member's other post got there first
            stance = stance_of(user, round_)
        else:
            _history(stance)
            audit.record(user, "stance.taken", stance, kind=kind)
            return stance
    if stance.kind == kind and stance.reason == reason:
        return stance  # a repeated post changes nothing
    stance.kind, stance.reason = kind, reason
    stance.revision += 1
    stance.updated_at = utcnow()
    _history(stance)
    audit.record(user, "stance.changed", stance, kind=kind, revision=stance.revision)
    return stance


def _history(stance: Stance) -> None:
    db.session.add(
        StanceChange(
            stance_id=stance.id, revision=stance.revision, kind=stance.kind, reason=stance.reason
        )
    )
    db.session.flush()


def stances_in(round_: ReviewRound) -> list[Stance]:
    """The stances that count in the round (`counts`)."""
    return list(
        db.session.scalars(
            counted_stances()
            .where(Stance.round_id == round_.id)
            .options(
                joinedload(Stance.user),
                joinedload(Stance.account),
                joinedload(Stance.tier),
                joinedload(Stance.answer).joinedload(StanceAnswer.answered_by),
            )
            .order_by(Stance.updated_at)
        )
    )


def answer(actor: User, stance: Stance, body: str) -> StanceAnswer:
    body = (body or "").strip()
    if not stance.needs_answer:
        raise ReviewError("Only concerns and objections need an answer.")
    if not body:
        raise ReviewError("Write the answer the group will read.")
    if stance.round.status in review.DECISIONS:
        raise ReviewError("This round already has its decision; its answers are final.")
    if stance.answer is None:
        stance.answer = StanceAnswer(stance_revision=stance.revision, body=body)
    stance.answer.body = body
    stance.answer.stance_revision = stance.revision
    stance.answer.answered_by_id = actor.id
    stance.answer.answered_at = utcnow()
    db.session.flush()
    audit.record(actor, "stance.answered", stance, revision=stance.revision)
    return stance.answer


def stance_link(token: str) -> StanceLink | None:
    return db.session.scalar(
        select(StanceLink)
        .where(StanceLink.token_hash == hash_token(token))
        .options(joinedload(StanceLink.round), joinedload(StanceLink.user))
    )


def unanswered_comments(team: Team, limit: int = 50) -> list[Stance]:
    """Concerns and objections in the team's undecided rounds whose latest wording has no
    answer yet (what the weekly review lists), objections first, nearest deadline first."""
    unanswered = or_(StanceAnswer.id.is_(None), StanceAnswer.stance_revision != Stance.revision)
    return list(
        db.session.scalars(
            select(Stance)
            .join(ReviewRound, ReviewRound.id == Stance.round_id)
            .join(Procedure, Procedure.id == ReviewRound.procedure_id)
            .outerjoin(StanceAnswer, StanceAnswer.stance_id == Stance.id)
            .where(
                Procedure.team_id == team.id,
                ReviewRound.status.not_in(review.DECISIONS),
                Stance.kind.in_((CONCERN, OBJECT)),
                unanswered,
                counts(),
            )
            .options(
                joinedload(Stance.user),
                joinedload(Stance.tier),
                joinedload(Stance.round).joinedload(ReviewRound.version),
            )
            .order_by(case((Stance.kind == OBJECT, 0), else_=1), ReviewRound.closes_at, Stance.id)
            .limit(limit)
        )
    )


@dataclass
class RoundResult:
    round: ReviewRound
    stances: list[Stance]
    tally: review.Tally
    quorum: review.Quorum
    blockers: list[str]
    unanswered: int
    members: int

    @property
    def comments(self) -> list[Stance]:
        return [s for s in self.stances if s.needs_answer]


def _tier(tier) -> review.Tier:
    return review.Tier(tier.rank, tier.name)


def result_of(round_: ReviewRound) -> RoundResult:
    """Tally, quorum and what blocks adoption, from the stances that count (`counts`)."""
    stances = stances_in(round_)
    members = members_at_count(round_)
    comments = [review.Comment(s.kind, s.is_answered) for s in stances if s.needs_answer]
    return RoundResult(
        round=round_,
        stances=stances,
        tally=review.tally((s.kind, _tier(s.tier)) for s in stances),
        quorum=review.quorum(
            [_tier(s.tier) for s in stances],
            [_tier(m.account.tier) for m in members],
            min_stances=round_.quorum_min,
            each_tier=round_.quorum_each_tier,
        ),
        blockers=review.adoption_blockers(round_.status, comments),
        unanswered=sum(1 for s in stances if s.needs_answer and not s.is_answered),
        members=len(members),
    )
