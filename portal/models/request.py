"""Requests and their timelines: what a contact raises and everything that happens to it."""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

# Re-exported: callers have always found references with the models.
from ..domain.references import REFERENCE_OFFSET, id_from_reference, reference_for  # noqa: F401
from ..extensions import db
from ..richtext import stored_html
from .account import Account
from .base import UTCDateTime, utcnow
from .function import Function
from .team import Team
from .user import User

# Internal statuses, and the words a customer sees for each.
NEW = "new"
OPEN = "open"
WAITING_ON_CUSTOMER = "waiting_on_customer"
RESOLVED = "resolved"
CLOSED = "closed"
STATUSES = (NEW, OPEN, WAITING_ON_CUSTOMER, RESOLVED, CLOSED)
OPEN_STATUSES = (NEW, OPEN, WAITING_ON_CUSTOMER)
# The partial index below, migration 0038 and `is_open_request()` must print this alike:
# a database uses the index only when the query's list matches its own, item by item.
OPEN_SQL = "status IN ({})".format(", ".join(f"'{status}'" for status in OPEN_STATUSES))
CUSTOMER_STATUS = {
    NEW: "Received",
    OPEN: "In progress",
    WAITING_ON_CUSTOMER: "Waiting for you",
    RESOLVED: "Resolved",
    CLOSED: "Closed",
}

# The same statuses in the team's words: staff pages, filters and badges all use these.
STAFF_STATUS = {
    NEW: "New",
    OPEN: "Open",
    WAITING_ON_CUSTOMER: "Waiting on customer",
    RESOLVED: "Resolved",
    CLOSED: "Closed",
}

# How much the request affects the customer, in their words; service levels key on these.
URGENCIES = {
    "low": "A little: no rush",
    "normal": "It slows us down",
    "high": "It affects our business badly",
    "critical": "We are stopped",
}

# How a request reached the team: the portal's form, a mail to the team's address, or a
# member logging it for the customer (a call, a visit).
CHANNELS = {
    "web": "Portal",
    "email": "Email",
    "phone": "Phone",
    "visit": "In person",
    "api": "API",
}

# The same urgencies in the team's words.
STAFF_URGENCY = {"low": "Low", "normal": "Normal", "high": "High", "critical": "Critical"}

# Entry kinds: a public reply, an internal note, or an event (public or internal).
REPLY = "reply"
NOTE = "note"
EVENT = "event"


class Request(db.Model):
    __tablename__ = "request"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new', 'open', 'waiting_on_customer', 'resolved', 'closed')",
            name="status",
        ),
        CheckConstraint("urgency IN ('low', 'normal', 'high', 'critical')", name="urgency"),
        # A double click or a retried post carries the same key: one request, never two.
        UniqueConstraint("requester_id", "idempotency_key"),
        Index("ix_request_account_activity", "account_id", "last_activity_at"),
        # A contact's open requests (My requests, its poll) are read by account and requester
        # among the open ones only, not through the account's whole history.
        Index(
            "ix_request_account_open",
            "account_id",
            "requester_id",
            postgresql_where=text(OPEN_SQL),
            sqlite_where=text(OPEN_SQL),
        ),
        Index("ix_request_team_status_due", "team_id", "status", "next_due_at"),
        # The insights measures aggregate a team's requests by when they arrived, were first
        # answered and were resolved; each index covers what its measures read, so a year of
        # requests is counted from the index alone.
        Index(
            "ix_request_team_created",
            "team_id",
            "created_at",
            "chase_count",
            "function_id",
            "assignee_id",
        ),
        Index(
            "ix_request_team_resolved",
            "team_id",
            "resolved_at",
            "merged_into_id",
            "created_at",
            "resolution_due_at",
            "expected_by",
            "assignee_id",
            "account_id",
            # The measures join each request to its rating and its handoffs by id.
            postgresql_include=["id"],
        ),
        Index(
            "ix_request_team_first_response",
            "team_id",
            "first_response_at",
            "first_response_minutes",
            "first_response_due_at",
            "assignee_id",
        ),
        # Covers the inbox's view counts (inbox.queries.view_counts).
        Index(
            "ix_request_team_view_counts",
            "team_id",
            "status",
            "assignee_id",
            "next_at_risk_at",
            "resolved_at",
            "last_activity_at",
            "version",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    function_id: Mapped[int | None] = mapped_column(ForeignKey("function.id"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    # What the customer expects, so satisfaction can later be measured against it.
    expected_by: Mapped[date | None]
    expected_outcome: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(24), default=NEW)
    channel: Mapped[str] = mapped_column(String(10), default="web", server_default="web")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    routing_reason: Mapped[str] = mapped_column(String(200), default="")
    chase_count: Mapped[int] = mapped_column(default=0)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business minutes from raising to the first reply, pauses left out (for the median).
    first_response_minutes: Mapped[int | None]
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The service clock, recomputed on every change that affects it. `next_due_at` is the
    # target the request is racing now and orders the inbox; None while the clock stands
    # still (waiting on the customer, resolved) or no service level applies.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A duplicate merged into another request points at the survivor and is closed.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"))
    # When under a quarter of the current target will be left: "at risk" from then on.
    next_at_risk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[Team] = relationship()
    function: Mapped[Function | None] = relationship()

    # Optimistic locking: a stale write raises StaleDataError instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        return reference_for(self.id)

    @property
    def customer_status(self) -> str:
        return CUSTOMER_STATUS[self.status]

    @property
    def staff_status(self) -> str:
        return STAFF_STATUS[self.status]

    @property
    def staff_urgency(self) -> str:
        return STAFF_URGENCY[self.urgency]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Request {self.id} {self.status}>"


def is_open_request():
    """`Request.status IN` the open statuses, with the statuses written into the SQL, not
    sent as parameters: only then can either database prove that a query stays inside
    `ix_request_account_open` (a prepared statement's generic plan knows no parameter)."""
    return Request.status.in_(bindparam(None, OPEN_STATUSES, expanding=True, literal_execute=True))


class Entry(db.Model):
    __tablename__ = "entry"
    __table_args__ = (
        CheckConstraint("kind IN ('reply', 'note', 'event')", name="kind"),
        # Notes are internal by definition; the rule lives in the schema too.
        CheckConstraint("kind <> 'note' OR public = false", name="note_internal"),
        Index("ix_entry_request_created", "request_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(10))
    public: Mapped[bool] = mapped_column(default=True)
    body: Mapped[str] = mapped_column(Text, default="")
    # `render_html(body)`, kept by requests/timeline.py's hooks (installed by create_app)
    # whenever the ORM writes the entry, so a page prints it instead of rendering markdown
    # per entry per view. NULL for rows written around the ORM, which `html` renders on the
    # spot.
    body_html: Mapped[str | None] = mapped_column(Text)
    # For events: what happened ("status", "assigned", "chase", ...) and its details.
    event: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Request] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def html(self) -> Markup:
        """The body as safe HTML for a template."""
        return stored_html(self.body_html, self.body)
