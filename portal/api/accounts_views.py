"""Accounts, their contacts and the ratings customers gave, through the API: a team token
sees its team's, a contact's token its own account (and no colleagues' list or ratings, as
on the web)."""

from __future__ import annotations

from datetime import date

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import access
from ..access import API_READ, API_TEAM_READ, policy
from ..api_auth import api_person, api_token
from ..extensions import db
from ..insights import reports
from ..models import Account, Contact, Rating, Request
from . import COMMON_ERRORS, bp, problem_response
from .paging import page
from .schemas import (
    AccountOut,
    AccountPage,
    ContactPage,
    PageQuery,
    RatingPage,
    SurveyQuery,
    SurveyResults,
)

NOT_FOUND = {404: problem_response("No such account that this token may see.")}
INVALID = {422: problem_response("A query value is not valid.")}
TEAM_ONLY = {403: problem_response("Only a team's token may read this.")}


def _accounts():
    visible = access.accounts_visible_to(api_person()).options(joinedload(Account.tier))
    account_id = api_token().account_id
    return visible if account_id is None else visible.where(Account.id == account_id)


def _account_out(account: Account) -> dict:
    return {
        "id": account.id,
        "name": account.name,
        "tier": account.tier.name,
        "shares_visibility": account.shares_visibility,
        "active": account.active,
        "created_at": account.created_at,
        "last_contact_at": account.last_contact_at,
    }


def _account(account_id: int) -> Account:
    account = db.session.scalar(_accounts().where(Account.id == account_id))
    if account is None:
        abort(404, "No such account that this token may see.")
    return account


@bp.get("/accounts")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(AccountPage)
@bp.doc(operation_id="listAccounts", tags=["Accounts"], responses={**COMMON_ERRORS, **INVALID})
@policy(API_READ)
def list_accounts(query: PageQuery):
    """The team's accounts (a contact's token: its own account), oldest first."""
    listing = _accounts().order_by(Account.id).limit(query.limit + 1)
    if query.after is not None:
        listing = listing.where(Account.id > query.after)
    rows, following = page(list(db.session.scalars(listing)), query.limit, ".list_accounts")
    return {"items": [_account_out(a) for a in rows], "next": following}


@bp.get("/accounts/<int:account_id>")
@bp.output(AccountOut)
@bp.doc(operation_id="getAccount", tags=["Accounts"], responses={**COMMON_ERRORS, **NOT_FOUND})
@policy(API_READ)
def get_account(account_id: int):
    """One account."""
    return _account_out(_account(account_id))


@bp.get("/accounts/<int:account_id>/contacts")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(ContactPage)
@bp.doc(
    operation_id="listContacts",
    tags=["Accounts"],
    responses={**COMMON_ERRORS, **NOT_FOUND, **TEAM_ONLY, **INVALID},
)
@policy(API_TEAM_READ)
def list_contacts(account_id: int, query: PageQuery):
    """The account's contacts: whom a team token may raise a request for."""
    account = _account(account_id)
    listing = (
        select(Contact)
        .options(joinedload(Contact.user))
        .where(Contact.account_id == account.id)
        .order_by(Contact.id)
        .limit(query.limit + 1)
    )
    if query.after is not None:
        listing = listing.where(Contact.id > query.after)
    rows, following = page(
        list(db.session.scalars(listing)), query.limit, ".list_contacts", account_id=account.id
    )
    items = [
        {
            "id": c.user.id,
            "name": c.user.name,
            "email": c.user.email,
            "active": c.user.active,
            "sees_account_requests": c.sees_account_requests,
        }
        for c in rows
    ]
    return {"items": items, "next": following}


@bp.get("/ratings")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(RatingPage)
@bp.doc(
    operation_id="listRatings",
    tags=["Ratings"],
    responses={**COMMON_ERRORS, **TEAM_ONLY, **INVALID},
)
@policy(API_TEAM_READ)
def list_ratings(query: PageQuery):
    """What customers scored the team's resolved requests, newest first."""
    visible = (
        access.requests_visible_to(api_person())
        .with_only_columns(Request.id)
        .where(Request.team_id == api_token().team_id)
    )
    listing = (
        select(Rating)
        .options(joinedload(Rating.request), joinedload(Rating.contact))
        .where(Rating.request_id.in_(visible))
        .order_by(Rating.id.desc())
        .limit(query.limit + 1)
    )
    if query.after is not None:
        listing = listing.where(Rating.id < query.after)
    rows, following = page(list(db.session.scalars(listing)), query.limit, ".list_ratings")
    items = [
        {
            "id": r.id,
            "request_id": r.request_id,
            "reference": r.request.reference,
            "score": r.score,
            "comment": r.comment,
            "contact": {"id": r.contact.id, "name": r.contact.name},
            "created_at": r.created_at,
        }
        for r in rows
    ]
    return {"items": items, "next": following}


@bp.get("/survey-results")
@bp.input(SurveyQuery, location="query", arg_name="query")
@bp.output(SurveyResults)
@bp.doc(
    operation_id="getSurveyResults",
    tags=["Ratings"],
    responses={**COMMON_ERRORS, **TEAM_ONLY, **INVALID},
)
@policy(API_TEAM_READ)
def survey_results(query: SurveyQuery):
    """The team's relationship surveys for a quarter: the satisfaction gap (perception minus
    expectation) per service dimension, as the team dashboard shows it."""
    day = None
    if query.quarter:
        year, quarter = query.quarter.split("-Q")
        day = date(int(year), (int(quarter) - 1) * 3 + 1, 1)
    results = reports.survey_results(api_token().team_id, day)
    period = results["period"]
    return {
        "period": period.label,
        "start": period.start,
        "end": period.end,
        "responses": results["responses"],
        "gaps": [{"dimension": name, "gap": gap} for name, gap in results["gaps"]],
    }
