"""The library: procedures teams adopted and share, adopting one into a team, and how we
work (a contact's view of the procedures that apply to them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..domain.review import ReviewError
from ..extensions import db
from ..models import Account, Contact, Procedure, ProcedureVersion, Team, User
from ..models.procedure import WITHDRAWN
from .authoring import create_procedure, version_text


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
