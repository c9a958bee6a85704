"""What a contact's pages show: their requests and the public side of each."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from .. import access
from ..extensions import db
from ..models import (
    URGENCIES,
    Feedback,
    Request,
    ServiceLevel,
    User,
)
from ..models.request import is_open_request
from ..requests import clock
from ..requests.rows import Named
from ..requests.search import search_condition

PAGE_SIZE = 25


class Listed(NamedTuple):
    """A row of My requests (customer/_request_list.html), and no more: full rows carried
    every description and clock column, and people's password hashes, to the page, and
    the ORM's loading of the request and its two people cost more than drawing them. Plain
    columns with `Request`'s names, so the template reads either."""

    id: int
    subject: str
    status: str
    last_activity_at: datetime
    requester_id: int
    assignee_id: int | None
    requester: Named
    assignee: Named | None

    reference = property(Request.reference.fget)
    customer_status = property(Request.customer_status.fget)


_requester = aliased(User)
_assignee = aliased(User)
LIST_COLUMNS = (
    Request.id,
    Request.subject,
    Request.status,
    Request.last_activity_at,
    Request.requester_id,
    Request.assignee_id,
    _requester.name,
    _assignee.name,
)


def _filtered(kind: str, show: str, q: str, *columns):
    # The status filter goes inside the visibility rule's branches, where the open ones are
    # read from their own index rather than from the account's whole history.
    within = {"open": (is_open_request(),), "closed": (~is_open_request(),)}.get(show, ())
    query = access.prepared_requests_visible_to(kind, *columns, within=within)
    if q:
        query = query.where(search_condition(q, entries=False))
    return query


def _fingerprint_query(kind: str, show: str, q: str):
    return _filtered(
        kind,
        show,
        q,
        func.count(Request.id),
        func.max(Request.last_activity_at),
        func.sum(Request.version),
    )


def _list_query(kind: str, show: str, q: str, paged: bool):
    query = (
        _filtered(kind, show, q, *LIST_COLUMNS)
        .join_from(Request, _requester, _requester.id == Request.requester_id)
        .outerjoin(_assignee, _assignee.id == Request.assignee_id)
    )
    if paged:
        after_at, after_id = bindparam("after_at"), bindparam("after_id")
        query = query.where(
            (Request.last_activity_at < after_at)
            | ((Request.last_activity_at == after_at) & (Request.id < after_id))
        )
    return query.order_by(Request.last_activity_at.desc(), Request.id.desc()).limit(PAGE_SIZE + 1)


# Without a search the list and its poll have a handful of shapes: each is built once (the
# viewer and the cursor are bind parameters); a search term changes the statement itself.
_kept_fingerprint_query = lru_cache(maxsize=32)(_fingerprint_query)
_kept_list_query = lru_cache(maxsize=32)(_list_query)


def list_fingerprint(user: User, *, show: str = "open", q: str = "") -> str:
    """Changes whenever the list would: a cheap aggregate, no rows loaded."""
    kind = access.viewer_kind(user)
    query = _kept_fingerprint_query(kind, show, "") if not q else _fingerprint_query(kind, show, q)
    count, latest, versions = db.session.execute(query, access.viewer_params(user)).one()
    return f"list-{count}-{latest.isoformat() if latest else '-'}-{versions or 0}"


def list_requests(user: User, *, show: str = "open", q: str = "", after: str | None = None):
    """The contact's requests (and shared colleagues'), newest activity first.

    Keyset pagination on (last activity, id): a deep page costs what the first one does.
    Returns (requests, cursor of the next page or None).
    """
    kind = access.viewer_kind(user)
    cursor = _parse_cursor(after)
    build = _kept_list_query if not q else _list_query
    params = access.viewer_params(user)
    if cursor:
        params["after_at"], params["after_id"] = cursor
    # On the session's connection, as Core: no ORM result machinery.
    rows = [
        Listed(
            *row[:6],
            Named(row.requester_id, row[6]),
            Named(row.assignee_id, row[7]) if row.assignee_id is not None else None,
        )
        for row in db.session.connection().execute(build(kind, show, q, bool(cursor)), params)
    ]
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        next_cursor = f"{last.last_activity_at.isoformat()}_{last.id}"
    return rows, next_cursor


def _parse_cursor(value: str | None):
    if not value:
        return None
    stamp, _, request_id = value.rpartition("_")
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if not request_id.isdigit() or moment.tzinfo is None:
        return None
    return moment, int(request_id)


def service_promises(account) -> list[tuple[str, str, str]]:
    """(how it affects you, first answer within, resolved within) for the account's tier,
    most urgent first, in plain words."""
    levels = {
        level.urgency: level
        for level in db.session.scalars(
            select(ServiceLevel).where(ServiceLevel.tier_id == account.tier_id)
        )
    }
    return [
        (
            URGENCIES[urgency],
            clock.describe_minutes(levels[urgency].first_response_minutes),
            clock.describe_minutes(levels[urgency].resolution_minutes),
        )
        for urgency in reversed(list(URGENCIES))
        if urgency in levels
    ]


# The request page's statement, built once (its values are bind parameters).
_PEOPLE = select(User.id, User.name).where(User.id.in_(bindparam("ids", expanding=True)))


def people_by_id(ids) -> dict[int, object]:
    """The named people (rows with `id` and `name`), by id."""
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    # On the session's connection, as Core: two columns, no ORM result machinery.
    return {row.id: row for row in db.session.connection().execute(_PEOPLE, {"ids": ids})}


def people_named(ids, assignee) -> dict[int, object]:
    """`people_by_id` for a request's timeline. Most name only the request's assignee, whose
    name (`assignee`, with `id` and `name`, or None) came with the request: no query then."""
    ids = {i for i in ids if i}
    if assignee is not None and ids <= {assignee.id}:
        return {assignee.id: assignee} if ids else {}
    return people_by_id(ids)


def give_feedback(user: User, account, kind: str, body: str) -> Feedback:
    """Praise, a complaint or an idea for the account's team: not a request, no clock."""
    feedback = Feedback(
        team_id=account.team_id, account_id=account.id, contact_id=user.id, kind=kind, body=body
    )
    db.session.add(feedback)
    db.session.flush()
    return feedback
