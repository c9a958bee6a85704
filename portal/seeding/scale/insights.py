"""Insights data: relationship surveys and their answers, team goals, internal checks."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import (
    Goal,
    InternalCheck,
    ServiceDimension,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyScore,
)
from .context import Scale, accounts_by_team, insert_rows

SURVEYS_PER_QUARTER = 3  # accounts surveyed per team per quarter, over the last four quarters


def surveys_goals_and_checks(scale: Scale) -> None:
    """Relationship surveys (invitations, responses, a score per active dimension), four
    goals per team as the demo sets them, and the coach's checks of recent resolved work."""
    from ...domain.insights import period_containing
    from ...insights.services import ensure_dimensions

    rng, now = scale.rng, scale.now
    ensure_dimensions()  # migration 0013 inserts them; a database made by create_all has none
    dimensions = db.session.scalars(
        select(ServiceDimension.id)
        .where(ServiceDimension.active.is_(True))
        .order_by(ServiceDimension.position, ServiceDimension.id)
    ).all()
    surveys, invitations, responses, scores, goals, checks = [], [], [], [], [], []
    this_month = period_containing("month", now.date())
    for team_id, accounts in sorted(accounts_by_team(scale).items()):
        coach = scale.members_by_team[team_id][0]
        for quarter in range(4):
            sent = now - timedelta(days=5 + 90 * quarter)
            for account_id in rng.sample(accounts, min(SURVEYS_PER_QUARTER, len(accounts))):
                survey_id = len(surveys) + 1
                surveys.append(
                    {
                        "id": survey_id,
                        "team_id": team_id,
                        "account_id": account_id,
                        "sent_by_id": coach,
                        "sent_at": sent,
                        "expires_at": sent + timedelta(days=21),
                    }
                )
                for contact in scale.contacts_by_account[account_id]:
                    answered = rng.random() < 0.7
                    invitations.append(
                        {
                            "survey_id": survey_id,
                            "contact_id": contact,
                            "token_hash": f"{rng.getrandbits(256):064x}",
                            "used_at": sent + timedelta(days=2) if answered else None,
                            "created_at": sent,
                        }
                    )
                    if not answered:
                        continue
                    response_id = len(responses) + 1
                    responses.append(
                        {
                            "id": response_id,
                            "survey_id": survey_id,
                            "contact_id": contact,
                            "team_id": team_id,
                            "comment": "" if rng.random() < 0.7 else "Billing takes too long.",
                            "created_at": sent + timedelta(days=2),
                        }
                    )
                    for dimension_id in dimensions:
                        expectation = rng.choice((5, 6, 6, 7))
                        perception = expectation + rng.choice((-2, -1, -1, 0, 0, 1))
                        scores.append(
                            {
                                "response_id": response_id,
                                "dimension_id": dimension_id,
                                "expectation": expectation,
                                "perception": min(7, max(1, perception)),
                            }
                        )
        for measure, kind, target, direction, dimension in (
            ("median_first_response", "month", 2.0, "at_most", None),
            ("csat", "month", 4.5, "at_least", None),
            ("survey_gap", "quarter", 0.0, "at_least", dimensions[0] if dimensions else None),
            ("resolved_in_sla", "month", 85.0, "at_least", None),
        ):
            goals.append(
                {
                    "team_id": team_id,
                    "measure": measure,
                    "dimension_id": dimension,
                    "period_kind": kind,
                    "period_start": period_containing(kind, date(now.year, 1, 1)).start,
                    "period_end": period_containing(
                        kind, this_month.start + timedelta(days=200)
                    ).end,
                    "target": target,
                    "direction": direction,
                    "created_by_id": coach,
                    "created_at": now - timedelta(days=60),
                }
            )
        for request_id, assignee, resolved_at in scale.recent_resolved.get(team_id, [])[:12]:
            marks = {
                key: rng.random() < 0.85
                for key in ("answered_question", "correct", "kept_informed", "tone")
            }
            checks.append(
                {
                    "request_id": request_id,
                    "team_id": team_id,
                    "member_id": assignee,
                    "reviewer_id": coach,
                    "passed": all(marks.values()),
                    "note": "",
                    "created_at": min(now, resolved_at + timedelta(days=1)),
                    **marks,
                }
            )
    insert_rows(Survey, surveys)
    insert_rows(SurveyInvitation, invitations)
    insert_rows(SurveyResponse, responses)
    insert_rows(SurveyScore, scores)
    insert_rows(Goal, goals)
    insert_rows(InternalCheck, checks)
