"""A team's procedures and their review rounds through the API, for team tokens: what the
team drafted and adopted, each version's text, and each round's results once it has closed
(the tally, the quorum and the decision), counted as the round's page counts them."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..access import API_TEAM_READ, policy
from ..api_auth import api_token
from ..domain import review
from ..extensions import db
from ..models import Procedure, ReviewRound
from ..models.procedure import OPEN
from ..procedures.authoring import latest_version
from ..procedures.review_rounds import rounds_of
from ..procedures.stances import result_of
from . import COMMON_ERRORS, bp, problem_response
from .paging import page
from .schemas import PageQuery, ProcedureDetail, ProcedurePage, RoundList

NOT_FOUND = {404: problem_response("No such procedure of this token's team.")}
INVALID = {422: problem_response("A query value is not valid.")}
TEAM_ONLY = {403: problem_response("Only a team's token may read this.")}
_SHOWN = (
    selectinload(Procedure.versions),
    joinedload(Procedure.function),
    joinedload(Procedure.adopted_version),
)


def _procedure_out(procedure: Procedure, *, detail: bool = False) -> dict:
    latest = latest_version(procedure)
    out = {
        "id": procedure.id,
        "title": latest.title,
        "summary": latest.summary,
        "status": procedure.status,
        "function": procedure.function.name if procedure.function else None,
        "version": latest.number,
        "adopted_version": procedure.adopted_version.number if procedure.adopted_version else None,
        "adopted_at": procedure.adopted_at,
        "updated_at": procedure.updated_at,
    }
    if detail:
        out |= {"body": latest.body, "customer_change": latest.customer_change}
    return out


def _procedure(procedure_id: int) -> Procedure:
    found = db.session.scalar(
        select(Procedure)
        .where(Procedure.id == procedure_id, Procedure.team_id == api_token().team_id)
        .options(*_SHOWN)
    )
    if found is None:
        abort(404, "No such procedure of this token's team.")
    return found


@bp.get("/procedures")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(ProcedurePage)
@bp.doc(
    operation_id="listProcedures",
    tags=["Procedures"],
    responses={**COMMON_ERRORS, **INVALID, **TEAM_ONLY},
)
@policy(API_TEAM_READ)
def list_procedures(query: PageQuery):
    """The team's procedures, drafts to adopted, newest first."""
    listing = (
        select(Procedure)
        .where(Procedure.team_id == api_token().team_id)
        .options(*_SHOWN)
        .order_by(Procedure.id.desc())
        .limit(query.limit + 1)
    )
    if query.after is not None:
        listing = listing.where(Procedure.id < query.after)
    rows, following = page(list(db.session.scalars(listing)), query.limit, ".list_procedures")
    return {"items": [_procedure_out(p) for p in rows], "next": following}


@bp.get("/procedures/<int:procedure_id>")
@bp.output(ProcedureDetail)
@bp.doc(
    operation_id="getProcedure",
    tags=["Procedures"],
    responses={**COMMON_ERRORS, **NOT_FOUND, **TEAM_ONLY},
)
@policy(API_TEAM_READ)
def get_procedure(procedure_id: int):
    """One procedure, with its latest version's text."""
    return _procedure_out(_procedure(procedure_id), detail=True)


def _results(round_: ReviewRound) -> dict | None:
    if round_.status == OPEN:
        return None
    result = result_of(round_)

    def counts(tally) -> dict:
        return {"support": tally.support, "concern": tally.concern, "object": tally.object}

    return {
        "tally": counts(result.tally.overall),
        "by_tier": [{"tier": tier.name, **counts(c)} for tier, c in result.tally.by_tier],
        "quorum_met": result.quorum.met,
        "members": result.members,
        "decision": round_.status if round_.status in review.DECISIONS else None,
        "decision_statement": round_.decision_statement,
        "decided_at": round_.decided_at,
    }


@bp.get("/procedures/<int:procedure_id>/rounds")
@bp.output(RoundList)
@bp.doc(
    operation_id="listRounds",
    tags=["Procedures"],
    responses={**COMMON_ERRORS, **NOT_FOUND, **TEAM_ONLY},
)
@policy(API_TEAM_READ)
def list_rounds(procedure_id: int):
    """The procedure's review rounds, newest first; each one's results once it has closed."""
    rounds = rounds_of(_procedure(procedure_id))
    return {
        "items": [
            {
                "id": r.id,
                "version": r.version.number,
                "title": r.version.title,
                "status": r.status,
                "opened_at": r.opened_at,
                "closes_at": r.closes_at,
                "closed_at": r.closed_at,
                "closed_early": r.closed_early,
                "results": _results(r),
            }
            for r in rounds
        ]
    }
