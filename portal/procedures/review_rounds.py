"""Review rounds: opening one (the group is mailed a link to take a stance), reminding,
and closing. Rounds past their deadline are closed whenever a procedure is loaded (`settle`)
and by `flask --app portal tick`, so no daemon is needed."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import audit, webhook_events
from ..domain import review
from ..domain.review import ReviewError
from ..extensions import db
from ..mail import queue_mail
from ..models import Procedure, ReviewRound, Stance, StanceLink, User, utcnow
from ..models.procedure import OPEN
from ..reader_zone import reading_as
from ..tokens import new_token
from .authoring import latest_version
from .group_membership import counted_stances, group_members, memberships_of


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
    webhook_events.emit(procedure.team_id, "round.opened", lambda: round_data(round_))
    return round_


def round_data(round_: ReviewRound) -> dict:
    """A round for webhooks: the procedure and version under review, its deadline and, once
    closed, its tally (each member's latest stance that counts)."""
    procedure, version = round_.procedure, round_.version
    data = {
        "procedure": {"id": procedure.id, "status": procedure.status},
        "round": {
            "id": round_.id,
            "status": round_.status,
            "version": version.number,
            "title": version.title,
            "opened_at": webhook_events.stamp(round_.opened_at),
            "closes_at": webhook_events.stamp(round_.closes_at),
            "closed_at": webhook_events.stamp(round_.closed_at),
            "closed_early": round_.closed_early,
        },
    }
    if round_.closed_at is not None:
        kinds = db.session.execute(
            counted_stances(Stance.kind, func.count())
            .where(Stance.round_id == round_.id)
            .group_by(Stance.kind)
        )
        data["round"]["tally"] = {kind: 0 for kind in review.KINDS} | dict(kinds.all())
    return data


def _mail_stance_link(round_: ReviewRound, user: User, template: str) -> None:
    token, token_hash = new_token()
    db.session.add(StanceLink(round_id=round_.id, user_id=user.id, token_hash=token_hash))
    version = round_.version
    with reading_as(user):  # the closing time on the member's clock
        body = render_template(
            f"mail/{template}.txt",
            round=round_,
            version=version,
            team=round_.procedure.team,
            user=user,
            link=current_app.config["BASE_URL"] + url_for("reference.vote_by_link", token=token),
            page=current_app.config["BASE_URL"] + url_for("reference.round", round_id=round_.id),
        )
    queue_mail(
        user.email,
        ("Reminder: " if "reminder" in template else "Your view, please: ") + version.title,
        body,
    )


def close_round(actor: User | None, round_: ReviewRound, *, early: bool = False) -> None:
    round_.status = review.round_after(round_.status, "close")
    round_.closed_at = utcnow()
    round_.closed_early = early
    db.session.flush()
    audit.record(actor, "round.closed", round_, early=early)
    webhook_events.emit(round_.procedure.team_id, "round.closed", lambda: round_data(round_))


def _close_due(now: datetime | None, *conditions) -> int:
    """Close every open round past its deadline that matches `conditions`; how many. A round
    another transaction is closing (a tick on another server, a page) is left to that one."""
    now = now or utcnow()
    due = db.session.scalars(
        select(ReviewRound)
        .where(ReviewRound.status == OPEN, ReviewRound.closes_at <= now, *conditions)
        .with_for_update(skip_locked=True)
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
    """One reminder per round, to the members who have not taken a stance yet (a round
    another tick holds is that tick's to remind)."""
    now = now or utcnow()
    sent = 0
    rounds = db.session.scalars(
        select(ReviewRound)
        .where(ReviewRound.status == OPEN, ReviewRound.reminded_at.is_(None))
        .options(joinedload(ReviewRound.procedure), joinedload(ReviewRound.version))
        .with_for_update(skip_locked=True, of=ReviewRound)
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


def tick(now: datetime | None = None) -> str:
    """The periodic part: close rounds at their deadline, send the one reminder."""
    closed = close_due_rounds(now)
    reminded = send_reminders(now)
    return f"review rounds closed: {closed}; reminders queued: {reminded}"


def open_rounds_for(user: User) -> list[tuple[ReviewRound, Stance | None]]:
    """Rounds of the contact's groups, open or decided, with their own stance."""
    team_ids = [m.team_id for m in memberships_of(user)]
    stanced = counted_stances(Stance.round_id).where(Stance.user_id == user.id)
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
