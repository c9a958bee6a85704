"""Procedures and their versions: create, edit (a new version once review has frozen the
current one), compare and withdraw."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..domain import review
from ..domain.review import ReviewError
from ..extensions import db
from ..models import Procedure, ProcedureVersion, ReviewRound, Team, User, utcnow
from ..models.procedure import IN_REVIEW, WITHDRAWN

FIELDS = ("title", "summary", "body", "customer_change")


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
