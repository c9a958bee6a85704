"""What the inbox lists, in the fair order: the service clock first, never the loudest.

Every query starts from `access.requests_visible_to`, so a list can never show what its
reader may not open. Pagination is keyset on the queue order, so page 500 costs what page 1
does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import aliased, joinedload

from .. import access, reference
from ..domain.business_hours import business_time_between
from ..domain.service_clock import (
    AT_RISK,
    BREACHED,
    MET,
    ON_TRACK,
    PAUSED,
    describe_remaining,
)
from ..extensions import db
from ..models import (
    HANDOFF_OPEN,
    Account,
    Entry,
    Handoff,
    Request,
    Team,
    User,
    UTCDateTime,
    utcnow,
)
from ..models.request import (
    CLOSED,
    EVENT,
    NEW,
    OPEN,
    OPEN_STATUSES,
    RESOLVED,
    WAITING_ON_CUSTOMER,
)
from ..requests.listing import RECENTLY
from ..requests.search import search_condition
from ..web import MAX_ID

PAGE_SIZE = 50
COUNT_CAP = 1000
PREVIEW_LENGTH = 120  # the row cuts it to its width; this bounds the page's weight
PREVIEW_READ = 300  # characters read of a message for its preview

VIEWS = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "open": "All open",
    "waiting": "Waiting on customer",
    "handoffs": "Handoffs for me",
    "risk": "At risk and breached",
    "quiet": "Quiet accounts",
    "resolved": "Recently resolved",
}
# Views that list requests (quiet accounts lists accounts).
REQUEST_VIEWS = tuple(view for view in VIEWS if view != "quiet")
# Views whose rows depend on who is reading; every other view shows each member the same.
PERSONAL_VIEWS = ("mine", "handoffs")


@dataclass(frozen=True)  # hashable: a key of the inbox cache
class InboxFilter:
    view: str = "open"
    function_id: int | None = None
    tier_id: int | None = None
    urgency: str | None = None
    assignee_id: int | None = None
    account_id: int | None = None
    account_name: str = ""
    status: str | None = None
    q: str = ""
    after: str | None = None


def _view_condition(view: str, user: User, now: datetime):
    if view == "mine":
        return and_(Request.assignee_id == user.id, Request.status.in_(OPEN_STATUSES))
    if view == "unassigned":
        return and_(Request.assignee_id.is_(None), Request.status.in_(OPEN_STATUSES))
    if view == "waiting":
        return Request.status == WAITING_ON_CUSTOMER
    if view == "handoffs":
        return Request.id.in_(
            select(Handoff.request_id).where(
                Handoff.owner_id == user.id, Handoff.status == HANDOFF_OPEN
            )
        )
    if view == "risk":
        return and_(Request.status.in_((NEW, OPEN)), Request.next_at_risk_at <= now)
    if view == "resolved":
        return and_(Request.status.in_((RESOLVED, CLOSED)), Request.resolved_at >= now - RECENTLY)
    return Request.status.in_(OPEN_STATUSES)


def encode_cursor(item: Request) -> str:
    due = item.next_due_at.isoformat() if item.next_due_at else "-"
    return f"{due}|{item.created_at.isoformat()}|{item.id}"


def _decode_cursor(value: str | None):
    if not value:
        return None
    parts = value.split("|")
    # isdigit() alone takes "²" and other digits int() refuses; ids are bounded as in paths.
    if len(parts) != 3 or not (parts[2].isascii() and parts[2].isdigit()):
        return None
    if int(parts[2]) > MAX_ID:
        return None
    try:
        due = None if parts[0] == "-" else datetime.fromisoformat(parts[0])
        created = datetime.fromisoformat(parts[1])
    except ValueError:
        return None
    if created.tzinfo is None or (due is not None and due.tzinfo is None):
        return None
    return due, created, int(parts[2])


def _after(cursor):
    """Rows after the cursor in (due is null, due, created, id) order."""
    due, created, request_id = cursor
    # Typed literals, so the cursor is stored-format on every backend (naive UTC on SQLite).
    created = literal(created, UTCDateTime())
    later_undated = and_(
        Request.next_due_at.is_(None),
        tuple_(Request.created_at, Request.id) > tuple_(created, request_id),
    )
    if due is None:
        return later_undated
    return or_(
        and_(
            Request.next_due_at.is_not(None),
            tuple_(Request.next_due_at, Request.created_at, Request.id)
            > tuple_(literal(due, UTCDateTime()), created, request_id),
        ),
        Request.next_due_at.is_(None),
    )


def _filtered(user: User, team: Team, filters: InboxFilter, now: datetime):
    scope = (Request.team_id == team.id, _view_condition(filters.view, user, now))
    query = access.requests_visible_to(user).where(*scope)
    for column, value in (
        (Request.function_id, filters.function_id),
        (Request.urgency, filters.urgency),
        (Request.assignee_id, filters.assignee_id),
        (Request.account_id, filters.account_id),
        (Request.status, filters.status),
    ):
        if value:
            query = query.where(column == value)
    if filters.tier_id:
        query = query.where(
            Request.account_id.in_(select(Account.id).where(Account.tier_id == filters.tier_id))
        )
    if filters.account_name:
        query = query.where(
            Request.account_id.in_(
                select(Account.id).where(
                    Account.team_id == team.id,
                    Account.name.icontains(filters.account_name, autoescape=True),
                )
            )
        )
    if filters.q:
        query = query.where(search_condition(filters.q, entries=True, within=scope))
    return query


def inbox_page(user: User, team: Team, filters: InboxFilter, now: datetime | None = None):
    """(rows, cursor of the next page or None)."""
    now = now or utcnow()
    query = _filtered(user, team, filters, now).options(
        joinedload(Request.account).joinedload(Account.tier),
        joinedload(Request.assignee),
        joinedload(Request.requester),
        joinedload(Request.function),
    )
    cursor = _decode_cursor(filters.after)
    if cursor:
        query = query.where(_after(cursor))
    order = (
        Request.next_due_at.is_(None),
        Request.next_due_at,
        Request.created_at,
        Request.id,
    )
    if filters.view == "resolved":
        order = (Request.resolved_at.desc(), Request.id.desc())
    rows = db.session.scalars(query.order_by(*order).limit(PAGE_SIZE + 1)).unique().all()
    next_cursor = None
    if len(rows) > PAGE_SIZE and filters.view != "resolved":
        rows = rows[:PAGE_SIZE]
        next_cursor = encode_cursor(rows[-1])
    return rows[:PAGE_SIZE], next_cursor


def count_matching(
    user: User, team: Team, filters: InboxFilter, now: datetime, cap: int = COUNT_CAP
) -> int:
    """How many requests a search or filter finds, counted up to `cap` + 1 (the page says
    "more than 1,000"): a common word must not cost a count of the whole history."""
    found = _filtered(user, team, filters, now).with_only_columns(Request.id).limit(cap + 1)
    return db.session.scalar(select(func.count()).select_from(found.subquery()))


def latest_messages(request_ids: list[int]) -> dict[int, str]:
    """The start of each request's latest reply or note, whitespace folded: the one-line
    preview a row shows. One query for the page; requests with none are left out."""
    if not request_ids:
        return {}
    newest_first = (Entry.created_at.desc(), Entry.id.desc())
    ranked = (
        select(
            Entry.id,
            func.row_number()
            .over(partition_by=Entry.request_id, order_by=newest_first)
            .label("rank"),
        )
        .where(Entry.request_id.in_(request_ids), Entry.kind != EVENT)
        .subquery()
    )
    rows = db.session.execute(
        select(Entry.request_id, func.substr(Entry.body, 1, PREVIEW_READ))
        .join(ranked, ranked.c.id == Entry.id)
        .where(ranked.c.rank == 1)
    )
    return {request_id: one_line(body) for request_id, body in rows}


def one_line(text: str) -> str:
    return " ".join(text.split())[:PREVIEW_LENGTH]


@dataclass(frozen=True)
class ClockView:
    state: str
    text: str


def clock_view(item: Request, calendar, now: datetime) -> ClockView:
    """The service clock as a row shows it: a state word and the business time left."""
    if item.status in (RESOLVED, CLOSED):
        if item.resolution_due_at and item.resolved_at:
            met = item.resolved_at <= item.resolution_due_at
            return ClockView(MET if met else BREACHED, "within target" if met else "late")
        return ClockView(MET, "done")
    if item.status == WAITING_ON_CUSTOMER:
        return ClockView(PAUSED, "waiting on customer")
    if item.next_due_at is None:
        return ClockView(ON_TRACK, "no target")
    if now >= item.next_due_at:
        late = business_time_between(calendar, item.next_due_at, now)
        return ClockView(BREACHED, describe_remaining(-late or timedelta(minutes=-1)))
    left = business_time_between(calendar, now, item.next_due_at)
    state = AT_RISK if item.next_at_risk_at and now >= item.next_at_risk_at else ON_TRACK
    return ClockView(state, describe_remaining(left))


def clocks_for(rows: list[Request], team: Team, now: datetime | None = None):
    now = now or utcnow()
    calendar = reference.calendar(team)
    return {item.id: clock_view(item, calendar, now) for item in rows}


def view_counts(user: User, team: Team, now: datetime | None = None) -> dict[str, int]:
    """How many requests each view holds, in one query through the access filter."""
    now = now or utcnow()
    # Only rows a view can show (open, or resolved within the Recently resolved window) are
    # read: a team's long history of closed requests would otherwise be walked on every
    # page. Handoffs for me may sit on older requests, so that view is counted by a
    # subquery of its own, which starts from my few open handoffs and looks each request up
    # by id (SQLite would otherwise walk the team's requests).
    handed = aliased(Request)
    handoffs_for_me = (
        select(func.count(func.distinct(Handoff.request_id)))
        .where(
            Handoff.owner_id == user.id,
            Handoff.status == HANDOFF_OPEN,
            select(handed.team_id).where(handed.id == Handoff.request_id).scalar_subquery()
            == team.id,
        )
        .scalar_subquery()
    )
    columns = [
        func.count().filter(_view_condition(view, user, now)).label(view)
        for view in REQUEST_VIEWS
        if view != "handoffs"
    ]
    columns.append(handoffs_for_me.label("handoffs"))
    in_a_view = or_(
        and_(Request.team_id == team.id, Request.status.in_(OPEN_STATUSES)),
        and_(Request.team_id == team.id, Request.resolved_at >= now - RECENTLY),
    )
    query = access.requests_visible_to(user).with_only_columns(*columns).where(in_a_view)
    return dict(db.session.execute(query).one()._mapping)


@dataclass(frozen=True)
class QuietAccount:
    account: Account
    last_contact_at: datetime | None
    waiting_at_risk: int  # open requests near their target with no answer from the team


def _quiet(requests, accounts, quiet_days: int, now: datetime, *columns):
    """The quiet-accounts rule: `columns` of the accounts among `accounts` (a select of
    Account ids) with an open request of `requests` (a select of Request) nearing its target
    with no answer yet, or no word from the team in `quiet_days` days."""
    visible = requests.subquery()
    at_risk = (
        select(visible.c.account_id, func.count().label("waiting"))
        .where(
            visible.c.status.in_((NEW, OPEN)),
            visible.c.first_response_at.is_(None),
            visible.c.next_at_risk_at <= now,
        )
        .group_by(visible.c.account_id)
        .subquery()
    )
    return (
        select(*columns, func.coalesce(at_risk.c.waiting, 0))
        .outerjoin(at_risk, at_risk.c.account_id == Account.id)
        .where(
            Account.id.in_(accounts),
            or_(
                at_risk.c.waiting > 0,
                Account.last_contact_at.is_(None),
                Account.last_contact_at < now - timedelta(days=quiet_days),
            ),
        )
    )


def quiet_accounts(user: User, team: Team, quiet_days: int, now: datetime | None = None):
    """Accounts the team risks forgetting (`_quiet`), as `user` may see them. Longest
    silence first."""
    now = now or utcnow()
    rows = db.session.execute(
        _quiet(
            access.requests_visible_to(user).where(Request.team_id == team.id),
            access.accounts_visible_to(user)
            .where(Account.team_id == team.id)
            .with_only_columns(Account.id),
            quiet_days,
            now,
            Account,
            Account.last_contact_at,
        )
        .options(joinedload(Account.tier))
        .order_by(Account.last_contact_at.is_not(None), Account.last_contact_at)
    )
    return [QuietAccount(account, last, waiting) for account, last, waiting in rows]


def quiet_counts(team_ids: list[int], quiet_days: int, now: datetime) -> dict[int, int]:
    """How many accounts each team risks forgetting (`_quiet`), every team in one query:
    a figure for comparing teams, read by no one's visibility (it names no account)."""
    quiet = _quiet(
        select(Request).where(Request.team_id.in_(team_ids)),
        select(Account.id).where(Account.team_id.in_(team_ids)),
        quiet_days,
        now,
        Account.team_id,
    ).subquery()
    query = select(quiet.c.team_id, func.count()).group_by(quiet.c.team_id)
    return {team_id: count for team_id, count in db.session.execute(query)}
