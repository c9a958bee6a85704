"""Procedures, review rounds and the reference group: the operations.

Each takes the acting person, applies the rules in `portal.domain.review`, records an audit
event and flushes; the view commits once. Rounds past their deadline are closed whenever a
procedure is loaded (`settle`) and by `flask --app portal tick`, so no daemon is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template, url_for
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from .. import access, audit
from ..domain import review
from ..domain.review import ReviewError
from ..extensions import db
from ..mail import queue_mail
from ..models import (
    Account,
    Contact,
    Procedure,
    ProcedureVersion,
    ReferenceMembership,
    ReviewRound,
    Stance,
    StanceAnswer,
    StanceChange,
    StanceLink,
    Team,
    User,
    UTCDateTime,
    utcnow,
)
from ..models.procedure import (
    ADOPTED,
    CONCERN,
    IN_REVIEW,
    OBJECT,
    OPEN,
    REVISED,
    WITHDRAWN,
)
from ..tokens import hash_token, new_token

__all__ = ["ReviewError"]  # re-exported: the views catch it

FIELDS = ("title", "summary", "body", "customer_change")


# --- the reference group ----------------------------------------------------------------------


def current_membership(user: User, team_id: int) -> ReferenceMembership | None:
    return db.session.scalar(
        select(ReferenceMembership).where(
            ReferenceMembership.team_id == team_id,
            ReferenceMembership.user_id == user.id,
            ReferenceMembership.left_at.is_(None),
        )
    )


def stance_membership(user: User, team_id: int) -> ReferenceMembership | None:
    """The place a stance is taken from, in the app or by a mailed link: a current one in the
    team's group, while the person is active and still a contact of the account they speak
    for there (one who left the account, or was deactivated, no longer speaks for it)."""
    membership = current_membership(user, team_id)
    if membership is None or not access.speaks_for(user, membership.account_id):
        return None
    return membership


def memberships_of(user: User) -> list[ReferenceMembership]:
    """The contact's current places in reference groups, with team and account loaded."""
    return list(
        db.session.scalars(
            select(ReferenceMembership)
            .where(ReferenceMembership.user_id == user.id, ReferenceMembership.left_at.is_(None))
            .options(joinedload(ReferenceMembership.team), joinedload(ReferenceMembership.account))
            .order_by(ReferenceMembership.id)
        )
    )


def group_members(team: Team) -> list[ReferenceMembership]:
    return list(
        db.session.scalars(
            select(ReferenceMembership)
            .where(ReferenceMembership.team_id == team.id, ReferenceMembership.left_at.is_(None))
            .options(
                joinedload(ReferenceMembership.user),
                joinedload(ReferenceMembership.account).joinedload(Account.tier),
            )
            .order_by(ReferenceMembership.joined_at)
        ).unique()
    )


def group_history(team: Team) -> list[ReferenceMembership]:
    """Everyone who ever joined, latest first; left stints included."""
    return list(
        db.session.scalars(
            select(ReferenceMembership)
            .where(ReferenceMembership.team_id == team.id)
            .options(joinedload(ReferenceMembership.user), joinedload(ReferenceMembership.account))
            .order_by(ReferenceMembership.joined_at.desc(), ReferenceMembership.id.desc())
        )
    )


def join(user: User, account: Account) -> ReferenceMembership:
    """Join the reference group of the team serving `account` (one of the contact's own)."""
    if not db.session.scalar(
        select(Contact.id).where(Contact.user_id == user.id, Contact.account_id == account.id)
    ):
        raise ReviewError("You can join only for an account you belong to.")
    existing = current_membership(user, account.team_id)
    if existing is not None:
        return existing
    membership = ReferenceMembership(
        team_id=account.team_id, user_id=user.id, account_id=account.id
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(user, "reference.joined", membership, team_id=account.team_id)
    return membership


def leave(user: User, team_id: int) -> None:
    membership = current_membership(user, team_id)
    if membership is None:
        return
    membership.left_at = utcnow()
    audit.record(user, "reference.left", membership, team_id=team_id)
    db.session.flush()


def end_account_memberships(actor: User, account: Account, team_id: int) -> int:
    """End the stints of everyone who speaks for `account` in team `team_id`'s group (the
    account moved to another team). The rows stay, with `left_at`, as the group's history;
    from now on their stances stop counting in the team's open rounds (see `_counts`)."""
    now = utcnow()
    ended = db.session.scalars(
        select(ReferenceMembership).where(
            ReferenceMembership.team_id == team_id,
            ReferenceMembership.account_id == account.id,
            ReferenceMembership.left_at.is_(None),
        )
    ).all()
    for membership in ended:
        membership.left_at = now
        audit.record(
            actor,
            "reference.left",
            membership,
            team_id=team_id,
            user_id=membership.user_id,
            reason="account moved",
        )
    db.session.flush()
    return len(ended)


# --- who counts in a round ----------------------------------------------------------------
# One rule for the tally, the quorum, the comments to answer, the decision and who may see a
# round: a stance counts when its author is in the team's reference group at the round's
# counting moment, which is its close for a closed round (so its result is history and never
# changes) and now while it is open. Someone who leaves, or whose account moves to another
# team, stops counting in the open rounds; their stance and its history are kept.


def _counting_moment(now: datetime):
    """SQL, on a query that has `ReviewRound`: when the round's group is counted."""
    return func.coalesce(ReviewRound.closed_at, literal(now, UTCDateTime()))


def _in_group_at(moment):
    """SQL: the `ReferenceMembership` stint covers `moment`."""
    return and_(
        ReferenceMembership.joined_at <= moment,
        or_(ReferenceMembership.left_at.is_(None), ReferenceMembership.left_at > moment),
    )


def _counts(now: datetime | None = None):
    """SQL, on a query that has `Stance`, its `ReviewRound` and its `Procedure`: the stance
    counts."""
    return exists().where(
        ReferenceMembership.team_id == Procedure.team_id,
        ReferenceMembership.user_id == Stance.user_id,
        _in_group_at(_counting_moment(now or utcnow())),
    )


def _counted_stances(*columns):
    """Stances that count (or `columns` of them), their round and procedure joined."""
    return (
        select(*(columns or (Stance,)))
        .join(ReviewRound, ReviewRound.id == Stance.round_id)
        .join(Procedure, Procedure.id == ReviewRound.procedure_id)
        .where(_counts())
    )


def members_at_count(round_: ReviewRound) -> list[ReferenceMembership]:
    """The round's group as it is counted: its members at the round's counting moment."""
    return list(
        db.session.scalars(
            select(ReferenceMembership)
            .join(Procedure, Procedure.team_id == ReferenceMembership.team_id)
            .join(ReviewRound, ReviewRound.procedure_id == Procedure.id)
            .where(ReviewRound.id == round_.id, _in_group_at(_counting_moment(utcnow())))
            .options(joinedload(ReferenceMembership.account).joinedload(Account.tier))
            .order_by(ReferenceMembership.joined_at)
        ).unique()
    )


def invitable_contacts(team: Team) -> list[tuple[User, Account]]:
    """Contacts of the team's accounts who are not in its reference group now."""
    in_group = select(ReferenceMembership.user_id).where(
        ReferenceMembership.team_id == team.id, ReferenceMembership.left_at.is_(None)
    )
    rows = db.session.execute(
        select(User, Account)
        .join(Contact, Contact.user_id == User.id)
        .join(Account, Account.id == Contact.account_id)
        .where(Account.team_id == team.id, User.active.is_(True), User.id.not_in(in_group))
        .order_by(Account.name, User.name)
    )
    return [(user, account) for user, account in rows]


def invite(actor: User, team: Team, contact: User) -> None:
    """Ask a contact to join; they join themselves (it is their choice), from the link."""
    if contact.id not in {user.id for user, _ in invitable_contacts(team)}:
        raise ReviewError("Choose a contact of this team's accounts who is not in the group.")
    link = _link("reference.index")
    queue_mail(
        contact.email,
        f"{team.name} asks you to join its reference group",
        render_template("mail/reference_invitation.txt", team=team, contact=contact, link=link),
    )
    audit.record(actor, "reference.invited", team, contact_id=contact.id)


def _link(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


# --- procedures and versions --------------------------------------------------------------------


def latest_version(procedure: Procedure) -> ProcedureVersion:
    return procedure.versions[-1]


def is_frozen(version: ProcedureVersion) -> bool:
    """A version once put to a round is the record of what was reviewed: never edited."""
    return (
        db.session.scalar(select(ReviewRound.id).where(ReviewRound.version_id == version.id))
        is not None
    )


def _check_fields(fields: dict) -> dict:
    clean = {key: (fields.get(key) or "").strip() for key in FIELDS}
    if not clean["title"]:
        raise ReviewError("Give the procedure a title.")
    return clean


def create_procedure(actor: User, team: Team, function_id: int | None, **fields) -> Procedure:
    clean = _check_fields(fields)
    procedure = Procedure(team_id=team.id, function_id=function_id, created_by_id=actor.id)
    db.session.add(procedure)
    db.session.flush()
    db.session.add(ProcedureVersion(procedure=procedure, number=1, created_by_id=actor.id, **clean))
    db.session.flush()
    audit.record(actor, "procedure.drafted", procedure)
    return procedure


def edit_procedure(
    actor: User, procedure: Procedure, function_id: int | None, **fields
) -> ProcedureVersion:
    """Change the text: in place while the latest version was never reviewed, else as the
    next version. Unchanged text makes no new version."""
    if procedure.status == WITHDRAWN:
        raise ReviewError("This procedure is withdrawn: nothing more can change.")
    clean = _check_fields(fields)
    latest = latest_version(procedure)
    procedure.function_id = function_id
    procedure.updated_at = utcnow()
    if all(getattr(latest, key) == value for key, value in clean.items()):
        db.session.flush()
        return latest
    if is_frozen(latest) or latest.id == procedure.adopted_version_id:
        version = ProcedureVersion(
            procedure=procedure, number=latest.number + 1, created_by_id=actor.id, **clean
        )
        db.session.add(version)
    else:
        version = latest
        for key, value in clean.items():
            setattr(version, key, value)
    db.session.flush()
    audit.record(actor, "procedure.edited", procedure, version=version.number)
    return version


def version_text(version: ProcedureVersion) -> dict[str, str]:
    return {key: getattr(version, key) for key in FIELDS}


def changes_between(old: ProcedureVersion, new: ProcedureVersion) -> list[review.Change]:
    return review.compare(version_text(old), version_text(new))


def withdraw(actor: User, procedure: Procedure) -> None:
    """Withdraw a procedure outside a round (a draft, or one in force); a round's own
    withdrawal is a decision, with a statement to the group."""
    if procedure.status == IN_REVIEW:
        raise ReviewError("A round is under way: close it and record the decision instead.")
    procedure.status = review.procedure_after(procedure.status, WITHDRAWN)
    procedure.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "procedure.withdrawn", procedure)


# --- rounds -------------------------------------------------------------------------------------


def rounds_of(procedure: Procedure) -> list[ReviewRound]:
    return list(
        db.session.scalars(
            select(ReviewRound)
            .where(ReviewRound.procedure_id == procedure.id)
            .options(joinedload(ReviewRound.version))
            .order_by(ReviewRound.id.desc())
        )
    )


def open_round(
    actor: User,
    procedure: Procedure,
    closes_at: datetime,
    *,
    quorum_min: int = 0,
    quorum_each_tier: bool = False,
) -> ReviewRound:
    now = utcnow()
    if closes_at <= now:
        raise ReviewError("Choose a closing time in the future.")
    if quorum_min < 0:
        raise ReviewError("The quorum cannot be negative.")
    members = group_members(procedure.team)
    if not members:
        raise ReviewError("The reference group has no members yet: invite contacts first.")
    procedure.status = review.procedure_after(procedure.status, "open_round")
    version = latest_version(procedure)
    round_ = ReviewRound(
        procedure_id=procedure.id,
        version_id=version.id,
        opened_by_id=actor.id,
        opened_at=now,
        closes_at=closes_at,
        quorum_min=quorum_min,
        quorum_each_tier=quorum_each_tier,
    )
    db.session.add(round_)
    db.session.flush()
    for membership in members:
        _mail_stance_link(round_, membership.user, "reference_round_opened")
    audit.record(actor, "round.opened", round_, procedure_id=procedure.id, version=version.number)
    return round_


def _mail_stance_link(round_: ReviewRound, user: User, template: str) -> None:
    token, token_hash = new_token()
    db.session.add(StanceLink(round_id=round_.id, user_id=user.id, token_hash=token_hash))
    version = round_.version
    queue_mail(
        user.email,
        ("Reminder: " if "reminder" in template else "Your view, please: ") + version.title,
        render_template(
            f"mail/{template}.txt",
            round=round_,
            version=version,
            team=round_.procedure.team,
            user=user,
            link=_link("reference.vote_by_link", token=token),
            page=_link("reference.round", round_id=round_.id),
        ),
    )


def close_round(actor: User | None, round_: ReviewRound, *, early: bool = False) -> None:
    round_.status = review.round_after(round_.status, "close")
    round_.closed_at = utcnow()
    round_.closed_early = early
    db.session.flush()
    audit.record(actor, "round.closed", round_, early=early)


def _close_due(now: datetime | None, *conditions) -> int:
    """Close every open round past its deadline that matches `conditions`; how many."""
    now = now or utcnow()
    due = db.session.scalars(
        select(ReviewRound).where(
            ReviewRound.status == OPEN, ReviewRound.closes_at <= now, *conditions
        )
    ).all()
    for round_ in due:
        close_round(None, round_)
    return len(due)


def settle(procedure: Procedure, now: datetime | None = None) -> bool:
    """Close the procedure's round if its deadline has passed (called when it is touched);
    True when one closed, so the caller commits only then."""
    return _close_due(now, ReviewRound.procedure_id == procedure.id) > 0


def close_due_rounds(now: datetime | None = None) -> int:
    return _close_due(now)


def send_reminders(now: datetime | None = None) -> int:
    """One reminder per round, to the members who have not taken a stance yet."""
    now = now or utcnow()
    sent = 0
    rounds = db.session.scalars(
        select(ReviewRound)
        .where(ReviewRound.status == OPEN, ReviewRound.reminded_at.is_(None))
        .options(joinedload(ReviewRound.procedure), joinedload(ReviewRound.version))
    ).all()
    for round_ in rounds:
        if not review.reminder_due(round_.opened_at, round_.closes_at, now, round_.reminded_at):
            continue
        round_.reminded_at = now
        answered = set(
            db.session.scalars(select(Stance.user_id).where(Stance.round_id == round_.id))
        )
        for membership in group_members(round_.procedure.team):
            if membership.user_id not in answered:
                _mail_stance_link(round_, membership.user, "reference_round_reminder")
                sent += 1
    db.session.flush()
    return sent


# --- stances ------------------------------------------------------------------------------------


def may_see_round(user: User, round_: ReviewRound) -> bool:
    """A current member of the team's group, or anyone whose stance counts in the round (a
    former member sees the rounds they were counted in, not those they left before)."""
    if current_membership(user, round_.procedure.team_id) is not None:
        return True
    return (
        db.session.scalar(
            _counted_stances(Stance.id).where(
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
    """The stances that count in the round (`_counts`)."""
    return list(
        db.session.scalars(
            _counted_stances()
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
    """Tally, quorum and what blocks adoption, from the stances that count (`_counts`)."""
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


# --- deciding -----------------------------------------------------------------------------------


def decide(
    actor: User,
    round_: ReviewRound,
    decision: str,
    statement: str,
    links: dict[int, int | None] | None = None,
) -> ReviewRound:
    """Record the coach's decision on a closed round. `links` maps a concern or objection
    (stance id) to the change of the adopted version that answers it (None: not changed)."""
    statement = (statement or "").strip()
    if decision not in review.DECISIONS:
        raise ReviewError("Choose adopt, revise or withdraw.")
    if not statement:
        raise ReviewError("Write the decision statement the group will read.")
    procedure = round_.procedure
    result = result_of(round_)
    if decision == ADOPTED and result.blockers:
        raise ReviewError(" ".join(result.blockers))
    round_.status = review.round_after(round_.status, decision)
    procedure.status = review.procedure_after(procedure.status, decision)
    now = utcnow()
    latest = latest_version(procedure)
    round_.decision_statement = statement
    round_.decided_by_id, round_.decided_at = actor.id, now
    round_.decided_version_id = latest.id
    procedure.updated_at = now
    if decision == ADOPTED:
        procedure.adopted_version_id, procedure.adopted_at = latest.id, now
        changes = changes_between(round_.version, latest)
        valid = {c.number for c in changes}
        for stance in result.comments:
            if stance.answer is not None:
                number = (links or {}).get(stance.id)
                stance.answer.change_number = number if number in valid else None
    elif decision == REVISED and is_frozen(latest):
        # The next round reviews a new version: start it as a copy to edit.
        db.session.add(
            ProcedureVersion(
                procedure=procedure,
                number=latest.number + 1,
                created_by_id=actor.id,
                **version_text(latest),
            )
        )
    db.session.flush()
    _mail_decision(round_, result)
    audit.record(actor, f"round.{decision}", round_, procedure_id=procedure.id)
    return round_


def _mail_decision(round_: ReviewRound, result: RoundResult) -> None:
    changes = {c.number: c for c in you_said_we_did(round_)[0]}
    page = _link("reference.decision", round_id=round_.id)
    for stance in result.stances:
        answer_ = stance.answer if stance.needs_answer else None
        queue_mail(
            stance.user.email,
            f"You said, we did: {round_.version.title}",
            render_template(
                "mail/reference_decision.txt",
                round=round_,
                stance=stance,
                answer=answer_,
                change=changes.get(answer_.change_number) if answer_ else None,
                page=page,
            ),
        )


def you_said_we_did(round_: ReviewRound) -> tuple[list[review.Change], list[Stance]]:
    """The changes from the reviewed version to the decided one, and the round's comments."""
    decided = round_.decided_version or round_.version
    changes = changes_between(round_.version, decided) if round_.status == ADOPTED else []
    comments = [s for s in stances_in(round_) if s.needs_answer]
    return changes, comments


# --- the library --------------------------------------------------------------------------------


def _in_library():
    return (Procedure.adopted_version_id.is_not(None)) & (Procedure.status != WITHDRAWN)


def library(q: str = "", function_id: int | None = None, team_id: int | None = None):
    """Adopted procedures of every team, newest adoption first, with their adopted text."""
    query = (
        select(Procedure, ProcedureVersion)
        .join(ProcedureVersion, ProcedureVersion.id == Procedure.adopted_version_id)
        .where(_in_library())
        .options(
            joinedload(Procedure.team),
            joinedload(Procedure.function),
            joinedload(Procedure.adopted_from).joinedload(Procedure.team),
        )
        .order_by(Procedure.adopted_at.desc(), Procedure.id.desc())
        .limit(100)
    )
    if q:
        # autoescape: a "%" or "_" typed in the box is a character, not a wildcard.
        words = q.strip()
        query = query.where(
            or_(
                *(
                    column.icontains(words, autoescape=True)
                    for column in (
                        ProcedureVersion.title,
                        ProcedureVersion.summary,
                        ProcedureVersion.body,
                        ProcedureVersion.customer_change,
                    )
                )
            )
        )
    if function_id:
        query = query.where(Procedure.function_id == function_id)
    if team_id:
        query = query.where(Procedure.team_id == team_id)
    return list(db.session.execute(query))


def library_procedure(procedure_id: int) -> Procedure | None:
    return db.session.scalar(
        select(Procedure)
        .where(Procedure.id == procedure_id, _in_library())
        .options(
            joinedload(Procedure.team),
            joinedload(Procedure.function),
            joinedload(Procedure.adopted_version),
        )
    )


def users_of(procedure_ids: list[int]) -> dict[int, int]:
    """For each procedure, how many other teams have adopted a copy of it."""
    if not procedure_ids:
        return {}
    rows = db.session.execute(
        select(Procedure.adopted_from_id, func.count(func.distinct(Procedure.team_id)))
        .where(Procedure.adopted_from_id.in_(procedure_ids), _in_library())
        .group_by(Procedure.adopted_from_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class Lineage:
    source: Procedure
    others: int  # teams besides the source's and this one that use it too


def lineage(procedure: Procedure) -> Lineage | None:
    source = procedure.adopted_from
    if source is None:
        return None
    others = db.session.scalar(
        select(func.count(func.distinct(Procedure.team_id))).where(
            Procedure.adopted_from_id == source.id,
            Procedure.team_id.not_in([procedure.team_id, source.team_id]),
            _in_library(),
        )
    )
    return Lineage(source, others or 0)


def adopt_from_library(actor: User, source: Procedure, team: Team) -> Procedure:
    """Copy another team's adopted procedure into `team` as a draft for its own review."""
    if source.team_id == team.id:
        raise ReviewError("This procedure is already your team's.")
    existing = db.session.scalar(
        select(Procedure.id).where(
            Procedure.team_id == team.id,
            Procedure.adopted_from_id == source.id,
            Procedure.status != WITHDRAWN,
        )
    )
    if existing:
        raise ReviewError("Your team already has a copy of this procedure.")
    text = version_text(source.adopted_version)
    copy = create_procedure(actor, team, source.function_id, **text)
    copy.adopted_from_id = source.id
    db.session.flush()
    audit.record(actor, "procedure.copied", copy, source_id=source.id)
    return copy


def team_procedures(team: Team) -> list[Procedure]:
    return list(
        db.session.scalars(
            select(Procedure)
            .where(Procedure.team_id == team.id)
            .options(
                selectinload(Procedure.versions),
                joinedload(Procedure.function),
                joinedload(Procedure.adopted_from).joinedload(Procedure.team),
            )
            .order_by(Procedure.updated_at.desc())
        )
    )


def open_rounds_for(user: User) -> list[tuple[ReviewRound, Stance | None]]:
    """Rounds of the contact's groups, open or decided, with their own stance."""
    team_ids = [m.team_id for m in memberships_of(user)]
    stanced = _counted_stances(Stance.round_id).where(Stance.user_id == user.id)
    rounds = db.session.scalars(
        select(ReviewRound)
        .join(Procedure, Procedure.id == ReviewRound.procedure_id)
        .where(or_(Procedure.team_id.in_(team_ids), ReviewRound.id.in_(stanced)))
        .options(
            joinedload(ReviewRound.version),
            joinedload(ReviewRound.procedure).joinedload(Procedure.team),
        )
        .order_by(ReviewRound.opened_at.desc())
        .limit(50)
    ).all()
    mine = {
        s.round_id: s
        for s in db.session.scalars(
            select(Stance).where(
                Stance.user_id == user.id, Stance.round_id.in_([r.id for r in rounds])
            )
        )
    }
    return [(r, mine.get(r.id)) for r in rounds]


def how_we_work(user: User) -> list[tuple[Procedure, ProcedureVersion]]:
    """The adopted procedures of the teams serving the contact's accounts."""
    team_ids = (
        select(Account.team_id)
        .join(Contact, Contact.account_id == Account.id)
        .where(Contact.user_id == user.id)
    )
    return list(
        db.session.execute(
            select(Procedure, ProcedureVersion)
            .join(ProcedureVersion, ProcedureVersion.id == Procedure.adopted_version_id)
            .where(_in_library(), Procedure.team_id.in_(team_ids))
            .options(joinedload(Procedure.team), joinedload(Procedure.function))
            .order_by(ProcedureVersion.title)
        )
    )


def last_decided_round(procedure: Procedure) -> ReviewRound | None:
    return db.session.scalar(
        select(ReviewRound)
        .where(ReviewRound.procedure_id == procedure.id, ReviewRound.status == ADOPTED)
        .order_by(ReviewRound.id.desc())
        .limit(1)
    )


def stance_link(token: str) -> StanceLink | None:
    return db.session.scalar(
        select(StanceLink)
        .where(StanceLink.token_hash == hash_token(token))
        .options(joinedload(StanceLink.round), joinedload(StanceLink.user))
    )


def rounds_waiting_for(user: User, team_id: int) -> int:
    """Open rounds of the team's group in which the contact has taken no stance yet."""
    stanced = select(Stance.round_id).where(Stance.user_id == user.id)
    return db.session.scalar(
        select(func.count(ReviewRound.id))
        .join(Procedure, Procedure.id == ReviewRound.procedure_id)
        .where(
            Procedure.team_id == team_id,
            ReviewRound.status == OPEN,
            ReviewRound.id.not_in(stanced),
        )
    )


def tick(now: datetime | None = None) -> str:
    """The periodic part: close rounds at their deadline, send the one reminder."""
    closed = close_due_rounds(now)
    reminded = send_reminders(now)
    return f"review rounds closed: {closed}; reminders queued: {reminded}"


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
                _counts(),
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
