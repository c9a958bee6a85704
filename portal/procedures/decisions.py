"""Deciding a round (adopt, revise or withdraw, by the rules in `portal.domain.review`) and
"you said, we did": what changed since the round, beside the comments that asked."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from sqlalchemy import select

from .. import audit, webhook_events
from ..domain import review
from ..domain.review import ReviewError
from ..extensions import db
from ..mail import queue_mail
from ..models import Procedure, ProcedureVersion, ReviewRound, Stance, User, utcnow
from ..models.procedure import ADOPTED, REVISED
from .authoring import changes_between, is_frozen, latest_version, version_text
from .review_rounds import round_data
from .stances import RoundResult, result_of, stances_in


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
    if decision == ADOPTED:
        webhook_events.emit(
            procedure.team_id, "procedure.adopted", lambda: _adopted_data(round_, statement)
        )
    return round_


def _adopted_data(round_: ReviewRound, statement: str) -> dict:
    data = round_data(round_)
    data["procedure"]["adopted_version"] = latest_version(round_.procedure).number
    data["procedure"]["decision_statement"] = statement
    return data


def _mail_decision(round_: ReviewRound, result: RoundResult) -> None:
    changes = {c.number: c for c in you_said_we_did(round_)[0]}
    page = current_app.config["BASE_URL"] + url_for("reference.decision", round_id=round_.id)
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


def last_decided_round(procedure: Procedure) -> ReviewRound | None:
    return db.session.scalar(
        select(ReviewRound)
        .where(ReviewRound.procedure_id == procedure.id, ReviewRound.status == ADOPTED)
        .order_by(ReviewRound.id.desc())
        .limit(1)
    )
