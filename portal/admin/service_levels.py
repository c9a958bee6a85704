"""Service levels (tier x urgency) and each team's business-hours calendar.

Both are one plain form each, so they work without JavaScript; saving recomputes the
service clocks of the open requests they affect, so the queue order follows at once.
"""

from __future__ import annotations

import re
from datetime import date, time

from flask import flash, request, url_for
from flask_login import current_user
from sqlalchemy import delete, select

from .. import audit, caching
from ..access import ADMIN, policy
from ..extensions import db
from ..htmx import redirect_after_post, render_page
from ..models import URGENCIES, Account, Holiday, Request, ServiceLevel, Team, Tier, WorkingHours
from ..requests.clock import recompute_open
from . import bp

MAX_HOURS = 2000
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _hours(text: str) -> int | None:
    """'4', '0.5', '1,5' -> minutes; None for blank. Raises ValueError when unreadable."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    value = float(text)
    if not 0 < value <= MAX_HOURS:
        raise ValueError
    return round(value * 60)


@bp.route("/service-levels", methods=["GET", "POST"])
@policy(ADMIN)
def service_levels():
    tiers = db.session.scalars(select(Tier).order_by(Tier.rank)).all()
    current = {(s.tier_id, s.urgency): s for s in db.session.scalars(select(ServiceLevel))}
    values, errors = {}, {}
    for tier in tiers:
        for urgency in URGENCIES:
            level = current.get((tier.id, urgency))
            key = f"{tier.id}-{urgency}"
            if request.method == "POST":
                values[key] = (request.form.get(f"fr-{key}", ""), request.form.get(f"rs-{key}", ""))
            else:
                values[key] = (
                    _fmt(level.first_response_minutes) if level else "",
                    _fmt(level.resolution_minutes) if level else "",
                )
            if request.method != "POST":
                continue
            try:
                first, resolve = (_hours(v) for v in values[key])
            except ValueError:
                errors[key] = f"Use hours between 0 and {MAX_HOURS}, like 4 or 0.5."
                continue
            if (first is None) != (resolve is None):
                errors[key] = "Give both targets, or neither for no service level."
            elif first is not None and resolve < first:
                errors[key] = "Resolution cannot come before the first answer."
    if request.method == "POST" and not errors:
        changed = _save_levels(tiers, current, values)
        db.session.commit()
        flash(f"Service levels saved; {changed} open requests have new due times.", "success")
        return redirect_after_post(url_for("admin.service_levels"))
    return render_page(
        "admin/service_levels.html",
        status=422 if errors else 200,
        tiers=tiers,
        urgencies=URGENCIES,
        values=values,
        errors=errors,
    )


def _fmt(minutes: int) -> str:
    hours = minutes / 60
    return f"{hours:g}"


def _save_levels(tiers, current, values) -> int:
    touched_tiers = set()
    for tier in tiers:
        for urgency in URGENCIES:
            key = f"{tier.id}-{urgency}"
            first, resolve = (_hours(v) for v in values[key])
            level = current.get((tier.id, urgency))
            if first is None:
                if level is not None:
                    db.session.delete(level)
                    touched_tiers.add(tier.id)
                continue
            if level is None:
                level = ServiceLevel(tier_id=tier.id, urgency=urgency)
                db.session.add(level)
            if (level.first_response_minutes, level.resolution_minutes) != (first, resolve):
                level.first_response_minutes, level.resolution_minutes = first, resolve
                touched_tiers.add(tier.id)
    db.session.flush()
    audit.record(current_user, "service_levels.updated", None, tiers=sorted(touched_tiers))
    if not touched_tiers:
        return 0
    accounts = select(Account.id).where(Account.tier_id.in_(touched_tiers))
    return recompute_open(Request.account_id.in_(accounts))


_HOLIDAY = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(.*)$")


def _clock(text: str) -> time:
    return time.fromisoformat(text.strip())


@bp.route("/teams/<int:team_id>/hours", methods=["GET", "POST"])
@policy(ADMIN)
def team_hours(team_id: int):
    team = db.get_or_404(Team, team_id)
    hours = {
        row.weekday: row
        for row in db.session.scalars(select(WorkingHours).where(WorkingHours.team_id == team.id))
    }
    holidays = db.session.scalars(
        select(Holiday).where(Holiday.team_id == team.id).order_by(Holiday.day)
    ).all()
    days, errors = {}, {}
    if request.method == "POST":
        for n in range(7):
            is_open = request.form.get(f"open-{n}") == "on"
            opens, closes = request.form.get(f"opens-{n}", ""), request.form.get(f"closes-{n}", "")
            days[n] = (is_open, opens, closes)
            if not is_open:
                continue
            try:
                start, end = _clock(opens), _clock(closes)
            except ValueError:
                errors[n] = "Use times like 09:00 and 17:30."
                continue
            if end != time(0) and end <= start:
                errors[n] = "Closing must come after opening (00:00 means midnight)."
        holiday_text = request.form.get("holidays", "")
        parsed = []
        for line in filter(None, (raw.strip() for raw in holiday_text.splitlines())):
            match = _HOLIDAY.match(line)
            try:
                parsed.append((date.fromisoformat(match.group(1)), match.group(2)[:80]))
            except (AttributeError, ValueError):
                errors["holidays"] = f"Could not read “{line[:40]}”: use 2026-12-25 Christmas Day."
                break
        if not errors:
            _save_calendar(team, days, parsed)
            db.session.commit()
            flash(f"{team.name}'s business hours are saved; due times follow.", "success")
            return redirect_after_post(url_for("admin.team_hours", team_id=team.id))
    else:
        holiday_text = "\n".join(f"{h.day.isoformat()} {h.name}".strip() for h in holidays)
        for n in range(7):
            row = hours.get(n)
            days[n] = (
                row is not None or (not hours and n < 5),  # no rows yet: office hours
                row.opens.strftime("%H:%M") if row else "09:00",
                row.closes.strftime("%H:%M") if row else "17:00",
            )
    return render_page(
        "admin/team_hours.html",
        status=422 if errors else 200,
        team=team,
        days=days,
        weekdays=WEEKDAYS,
        holiday_text=holiday_text,
        errors=errors,
    )


def _save_calendar(team: Team, days, holidays) -> None:
    db.session.execute(delete(WorkingHours).where(WorkingHours.team_id == team.id))
    db.session.execute(delete(Holiday).where(Holiday.team_id == team.id))
    for n, (is_open, opens, closes) in days.items():
        if is_open:
            db.session.add(
                WorkingHours(team_id=team.id, weekday=n, opens=_clock(opens), closes=_clock(closes))
            )
    seen = set()
    for day, name in holidays:
        if day not in seen:
            seen.add(day)
            db.session.add(Holiday(team_id=team.id, day=day, name=name))
    db.session.flush()
    audit.record(current_user, "team.hours_updated", team)
    caching.team_changed(team.id)  # the rows went around the ORM
    recompute_open(Request.team_id == team.id)
