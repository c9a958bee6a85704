"""The audit log: every audit event services wrote, newest first, for admins to read.

Pages are keyset pages: "older" asks for events with an id below the last one shown, so a
page costs the same on the first and the thousandth screen and an event written meanwhile
never shifts a page (OFFSET would show it twice or skip one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..access import ADMIN, policy
from ..domain.audit_words import action_words, changes_words, subject_words
from ..extensions import db
from ..htmx import render_page
from ..models import Account, AuditEvent, Function, Team, Tier, User
from ..reader_zone import reader_zone
from ..web import filter_id
from . import bp
from .forms import AuditFilter

PAGE_SIZE = 50


def _midnight(day: date) -> datetime:
    """The start of `day` on the reader's clock, the one the log's times are shown on."""
    return datetime.combine(day, time(), reader_zone()).astimezone(UTC)


@dataclass(frozen=True)
class Filters:
    person: str = ""
    subject: str = ""
    subject_id: int | None = None
    since: date | None = None
    until: date | None = None

    @property
    def args(self) -> dict:
        """The filters as query arguments (for the "older" link), blanks left out."""
        values = {
            "person": self.person,
            "subject": self.subject,
            "subject_id": self.subject_id,
            "since": self.since and self.since.isoformat(),
            "until": self.until and self.until.isoformat(),
        }
        return {key: value for key, value in values.items() if value}


def read_filters(form: AuditFilter) -> Filters:
    """What the form asks for, each field with an error left out."""
    form.validate()

    def good(field):
        return None if field.errors else field.data

    return Filters(
        person=(good(form.person) or "")[:120],
        subject=good(form.subject) or "",
        subject_id=filter_id(good(form.subject_id) or ""),
        since=good(form.since),
        until=good(form.until),
    )


def events_page(filters: Filters, before: int | None, size: int | None = None):
    """One page of events matching `filters` older than the event `before` (ids only grow),
    and whether there are older ones."""
    size = size or PAGE_SIZE
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(size + 1)
    )
    if filters.person:
        people = select(User.id).where(
            or_(
                User.name.icontains(filters.person, autoescape=True),
                User.email.icontains(filters.person, autoescape=True),
            )
        )
        query = query.where(AuditEvent.actor_id.in_(people))
    if filters.subject:
        query = query.where(AuditEvent.subject_type == filters.subject)
    if filters.subject_id is not None:
        query = query.where(AuditEvent.subject_id == filters.subject_id)
    if filters.since:
        query = query.where(AuditEvent.created_at >= _midnight(filters.since))
    if filters.until:  # the whole "to" day counts
        query = query.where(AuditEvent.created_at < _midnight(filters.until + timedelta(days=1)))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query))
    return events[:size], len(events) > size


# Subjects with an admin page: their names are read (one query per kind on the page) and
# they link there.
NAMED = {"team": Team, "user": User, "account": Account, "tier": Tier, "function": Function}


def _admin_url(kind: str, obj) -> str | None:
    if kind == "team":
        return url_for("admin.team", team_id=obj.id)
    if kind == "user":
        return url_for("admin.person", user_id=obj.id) if obj.is_staff else None
    if kind == "account":
        return url_for("admin.account", account_id=obj.id)
    return url_for(f"admin.{kind}", item_id=obj.id)  # tier, function: their inline row


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    what: str
    changes: list[str]
    subject: str
    subject_name: str | None
    subject_url: str | None


def rows(events: list[AuditEvent]) -> list[Row]:
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.subject_type in NAMED and event.subject_id is not None:
            wanted.setdefault(event.subject_type, set()).add(event.subject_id)
    found: dict[tuple[str, int], object] = {}
    for kind, ids in wanted.items():
        model = NAMED[kind]
        for obj in db.session.scalars(select(model).where(model.id.in_(ids))):
            found[(kind, obj.id)] = obj
    out = []
    for event in events:
        obj = found.get((event.subject_type, event.subject_id))
        out.append(
            Row(
                event=event,
                what=action_words(event.action),
                changes=changes_words(event.detail),
                subject=subject_words(event.subject_type),
                subject_name=obj.name if obj is not None else None,
                subject_url=_admin_url(event.subject_type, obj) if obj is not None else None,
            )
        )
    return out


@bp.route("/audit")
@policy(ADMIN)
def audit_log():
    form = AuditFilter(request.args)
    filters = read_filters(form)
    before = request.args.get("before", type=filter_id)
    events, more = events_page(filters, before)
    older = (
        url_for("admin.audit_log", **filters.args, before=events[-1].id)
        if more and events
        else None
    )
    return render_page(
        "admin/audit.html",
        "admin/_audit_results.html",
        filters=form,
        chosen=filters,
        rows=rows(events),
        paged=before is not None,
        newest_url=url_for("admin.audit_log", **filters.args),
        older_url=older,
        left_out=[f.label.text for f in form if f.errors],
    )
