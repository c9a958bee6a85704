"""Load by function for a team's insights: its handoffs of the last days, by function and by
the team's own days (the rules: portal/domain/function_load.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from .. import reference
from ..domain import function_load as rules
from ..extensions import db
from ..models import HANDOFF_CANCELLED, HANDOFF_OPEN, Function, Handoff, Request, Team, utcnow

LOAD_DAYS = 14


def function_load(team: Team, now: datetime | None = None) -> dict:
    """The last LOAD_DAYS days of the team's handoffs, by function and by the team's days:
    arrivals, finishes, what is open now, the median time to done, and clump days."""
    now = now or utcnow()
    zone = ZoneInfo(team.timezone)
    today = now.astimezone(zone).date()
    days = [today - timedelta(days=n) for n in range(LOAD_DAYS - 1, -1, -1)]
    since = datetime.combine(days[0], time(), zone)
    rows = db.session.execute(
        select(
            Function.name,
            Handoff.created_at,
            Handoff.completed_at,
            Handoff.started_at,
            Handoff.waits_for_id,
        )
        .join(Function, Function.id == Handoff.function_id)
        .join(Request, Request.id == Handoff.request_id)
        .where(
            Request.team_id == team.id,
            Handoff.status != HANDOFF_CANCELLED,
            or_(
                Handoff.created_at >= since,
                Handoff.completed_at >= since,
                Handoff.status == HANDOFF_OPEN,
            ),
        )
    )
    pieces = [
        rules.Piece(name, created, finished, started, waits is not None and started is None)
        for name, created, finished, started, waits in rows
    ]
    names = [f.name for f in reference.functions() if f.active]
    return {
        "days": days,
        "loads": rules.load_by_function(
            pieces, days, names, lambda moment: moment.astimezone(zone).date()
        ),
    }
