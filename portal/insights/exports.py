"""The team's insights as CSV files: measures by period, goals, checks and survey
answers. Every cell a person typed is neutralised so a spreadsheet never runs it."""

from __future__ import annotations

import csv
import io
import re

from flask import Response, abort
from flask_login import current_user
from sqlalchemy import select

from .. import access
from ..access import TEAM_MEMBER, policy
from ..domain.insights import neutralise_cell
from ..extensions import db
from ..models import Account, ServiceDimension, Survey, SurveyResponse, SurveyScore, User
from . import bp, reports
from .measures import GROUPS
from .views import period_kind


def _csv(filename: str, header: list[str], rows) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise_cell(h) for h in header])
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _round(value):
    return None if value is None else round(value, 2)


EXPORTS = {
    "measures": "Measures by period",
    "sla-by-tier": "Resolved within service level, by tier",
    "gap-by-dimension": "Satisfaction gap by dimension",
    "csat": "CSAT distribution",
    "volumes": "Requests received by function",
    "goals": "Goals",
    "members": "Per-member measures",
    "survey-responses": "Survey responses",
}


@bp.route("/teams/<int:team_id>/insights/export/<name>.csv")
@policy(TEAM_MEMBER)
def export(team_id: int, name: str):
    team = access.get_team(team_id)
    if name not in EXPORTS:
        abort(404)
    kind = period_kind()
    # Only plain letters, digits and dashes: a header must not carry quotes or other scripts.
    stem = re.sub(r"[^a-z0-9]+", "-", f"{team.name}-{name}".lower()).strip("-") or name
    if name == "members":
        if not access.is_coach_of(current_user, team.id):
            abort(403)
        data = reports.member_table(team, kind)
        return _csv(
            f"{stem}-{data['period'].start:%Y-%m}.csv",
            ["Member", *[f"{m.label} ({m.unit})" for m in data["columns"]]],
            [[person.name, *map(_round, values)] for person, values in data["rows"]],
        )
    if name == "survey-responses":
        return _survey_csv(team, stem)
    data = reports.dashboard(current_user, team, kind)
    if name == "measures":
        periods = data["periods"]
        rows = [
            [
                GROUPS[row.measure.group],
                row.measure.label,
                row.measure.unit,
                *map(_round, row.values),
            ]
            for _, group_rows in data["table"]
            for row in group_rows
        ]
        return _csv(f"{stem}.csv", ["Group", "Measure", "Unit", *[p.label for p in periods]], rows)
    if name == "goals":
        rows = [
            [
                g.label,
                g.goal.direction.replace("_", " "),
                g.goal.target,
                _round(g.current),
                g.status,
                g.trend or "",
                g.goal.period_kind,
                g.goal.period_start.isoformat(),
                g.goal.period_end.isoformat(),
            ]
            for g in data["goals"]
        ]
        header = [
            "Goal",
            "Direction",
            "Target",
            "Current",
            "Status",
            "Trend",
            "Checked",
            "From",
            "Until (exclusive)",
        ]
        return _csv(f"{stem}.csv", header, rows)
    label = data["period"].label
    tables = {
        "sla-by-tier": (
            ["Tier", f"Resolved within service level % ({label})"],
            data["sla_by_tier"],
        ),
        "gap-by-dimension": (
            ["Dimension", f"Gap ({data['survey_period'].label})"],
            data["gap_by_dimension"],
        ),
        "csat": (["Rating", f"Ratings ({label})"], list(data["csat"].items())),
        "volumes": (["Function", f"Requests received ({label})"], data["volumes"]),
    }
    header, rows = tables[name]
    return _csv(
        f"{stem}.csv", header, [[a, _round(b) if isinstance(b, float) else b] for a, b in rows]
    )


def _survey_csv(team, stem: str) -> Response:
    rows = db.session.execute(
        select(
            SurveyResponse.created_at,
            Account.name,
            User.name,
            ServiceDimension.name,
            SurveyScore.expectation,
            SurveyScore.perception,
            SurveyResponse.comment,
        )
        .join(SurveyScore, SurveyScore.response_id == SurveyResponse.id)
        .join(ServiceDimension, ServiceDimension.id == SurveyScore.dimension_id)
        .join(User, User.id == SurveyResponse.contact_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Account, Account.id == Survey.account_id)
        .where(SurveyResponse.team_id == team.id)
        .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id, ServiceDimension.position)
    )
    return _csv(
        f"{stem}.csv",
        [
            "Answered (UTC)",
            "Account",
            "Contact",
            "Dimension",
            "Expected",
            "Experienced",
            "Gap",
            "Comment",
        ],
        [
            [at.strftime("%Y-%m-%d %H:%M"), account, contact, dimension, e, p, p - e, comment]
            for at, account, contact, dimension, e, p, comment in rows
        ],
    )
