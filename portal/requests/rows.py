"""A request as its pages show it: one plain row, read by the one visibility rule.

The request pages loaded the ORM `Request` with its account, tier, requester, assignee,
team and function joined: six objects built, every column of two people read (password
hashes included), a sixth of the staff page's time, for a page that prints a few names.
They read this row instead; a change still loads the ORM object (`access.get_request`),
which carries the version check.

The row also says whether the request has any handoffs or files (an EXISTS each, in the
same statement), so a page skips those queries for the many requests that have none.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from flask import abort
from sqlalchemy import bindparam, exists
from sqlalchemy.orm import aliased

from .. import access
from ..extensions import db
from ..models import Account, Attachment, Function, Handoff, Request, Team, Tier, User
from .handoffs import Named


class TierRef(NamedTuple):
    name: str
    rank: int


class AccountRef(NamedTuple):
    id: int
    name: str
    tier: TierRef


class FunctionRef(NamedTuple):
    id: int
    name: str
    customer_label: str


class RequestRow(NamedTuple):
    """`Request`'s columns that the pages read, under the same names (with its related
    rows as small tuples), so templates, the service clock and the canned-reply filler read
    either. `has_files` counts public files only when read for a contact."""

    id: int
    account_id: int
    requester_id: int
    team_id: int
    function_id: int | None
    subject: str
    description: str
    urgency: str
    expected_by: date | None
    expected_outcome: str
    status: str
    assignee_id: int | None
    routing_reason: str
    chase_count: int
    version: int
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    next_due_at: datetime | None
    merged_into_id: int | None
    next_at_risk_at: datetime | None
    channel: str
    has_handoffs: bool
    has_files: bool
    # Mail to the requester bounced for good (team_mail intake): staff see it by their name.
    requester_bounced_at: datetime | None
    requester_bounce_reason: str | None
    account: AccountRef
    requester: Named
    assignee: Named | None
    team: Named
    function: FunctionRef | None

    reference = property(Request.reference.fget)
    customer_status = property(Request.customer_status.fget)
    staff_status = property(Request.staff_status.fget)
    is_open = property(Request.is_open.fget)


_OWN_COLUMNS = (
    Request.id,
    Request.account_id,
    Request.requester_id,
    Request.team_id,
    Request.function_id,
    Request.subject,
    Request.description,
    Request.urgency,
    Request.expected_by,
    Request.expected_outcome,
    Request.status,
    Request.assignee_id,
    Request.routing_reason,
    Request.chase_count,
    Request.version,
    Request.created_at,
    Request.first_response_at,
    Request.resolved_at,
    Request.first_response_due_at,
    Request.resolution_due_at,
    Request.next_due_at,
    Request.merged_into_id,
    Request.next_at_risk_at,
    Request.channel,
)
_requester = aliased(User)
_assignee = aliased(User)


# Built once per kind of viewer and audience, the viewer and the request bind parameters
# (building the visibility union cost as much as running it).
@cache
def _row_query(kind: str, public: bool):
    files = Attachment.request_id == Request.id
    if public:
        files &= Attachment.public.is_(True)
    columns = (
        *_OWN_COLUMNS,
        exists().where(Handoff.request_id == Request.id),
        exists().where(files),
        _requester.mail_bounced_at,
        _requester.mail_bounce_reason,
        Account.name,
        Tier.name,
        Tier.rank,
        _requester.name,
        _assignee.name,
        Team.name,
        Function.name,
        Function.customer_label,
    )
    return (
        access.prepared_requests_visible_to(kind, *columns)
        .join_from(Request, Account, Account.id == Request.account_id)
        .join(Tier, Tier.id == Account.tier_id)
        .join(_requester, _requester.id == Request.requester_id)
        .join(Team, Team.id == Request.team_id)
        .outerjoin(_assignee, _assignee.id == Request.assignee_id)
        .outerjoin(Function, Function.id == Request.function_id)
        .where(Request.id == bindparam("request_id"))
    )


_OWN = len(_OWN_COLUMNS)


def get_row(user: User, request_id: int, *, public: bool = False) -> RequestRow:
    """The request as its page shows it, if `user` may see it (404 otherwise, by the rule
    `access.get_request` applies). `public`: the customer's page, which counts only public
    files."""
    params = {"request_id": request_id, **access.viewer_params(user)}
    query = _row_query(access.viewer_kind(user), public)
    # On the session's connection, as Core: no ORM result machinery.
    row = db.session.connection().execute(query, params).first()
    if row is None:
        abort(404)
    (account, tier, tier_rank, requester, assignee, team, function, label) = row[_OWN + 4 :]
    return RequestRow(
        *row[: _OWN + 4],
        account=AccountRef(row.account_id, account, TierRef(tier, tier_rank)),
        requester=Named(row.requester_id, requester),
        assignee=Named(row.assignee_id, assignee) if row.assignee_id is not None else None,
        team=Named(row.team_id, team),
        function=FunctionRef(row.function_id, function, label)
        if row.function_id is not None
        else None,
    )
