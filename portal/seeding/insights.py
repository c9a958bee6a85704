"""Demo history for insights: a year of resolved requests, ratings, handoffs, surveys,
internal checks and goals (some on track, some off), so the dashboard shows trends.

Called once from portal/seeding/demo.py's seed; deterministic for a given random generator.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import insert, select

from ..domain.insights import period_containing
from ..extensions import db
from ..insights import internal_checks, services
from ..models import (
    COACH,
    HANDOFF_DONE,
    Account,
    Contact,
    Entry,
    Function,
    Goal,
    Handoff,
    InternalCheck,
    Membership,
    Rating,
    Request,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyScore,
    Team,
    utcnow,
)
from ..requests import activity, last_contact
from ..tokens import new_token

MONTHS = 12
COMMENTS = [
    "Quick and friendly, thank you.",
    "Sorted first time.",
    "Took three calls before anyone owned it.",
    "Good outcome but nobody told us it was done.",
    "",
    "",
]
SURVEY_COMMENTS = [
    "One contact point makes a real difference.",
    "Deliveries are still hard to plan with you.",
    "Billing questions take too long to settle.",
    "",
]


def seed(rng: random.Random, now: datetime | None = None) -> None:
    now = now or utcnow()
    services.ensure_dimensions()
    services.backfill_first_response_minutes()  # the live inbox's requests, seeded directly
    teams = db.session.scalars(select(Team).order_by(Team.id)).all()
    functions = db.session.scalars(select(Function).order_by(Function.id)).all()
    for position, team in enumerate(teams):
        # Team North improves through the year; the others hold steady or slip.
        improving = position == 0
        _history(rng, team, functions, now, improving)
        _surveys(rng, team, now, improving)
        _checks(rng, team, now)
        _goals(team, now)
    db.session.flush()
    last_contact.refresh(db.session)  # the history's replies went in by bulk insert
    activity.touch(db.session, None)  # and so did its requests


def _team_people(team: Team):
    rows = db.session.execute(
        select(Membership.user_id, Membership.role).where(Membership.team_id == team.id)
    ).all()
    return [uid for uid, _ in rows], next((uid for uid, role in rows if role == COACH), None)


def _history(rng, team, functions, now, improving) -> None:
    members, _ = _team_people(team)
    contacts = db.session.execute(
        select(Contact.account_id, Contact.user_id)
        .join(Account, Account.id == Contact.account_id)
        .where(Account.team_id == team.id)
        .order_by(Contact.id)
    ).all()
    if not members or not contacts:
        return
    start = now - timedelta(days=365)
    requests, ratings, handoffs, entries = [], [], [], []
    for n in range(MONTHS * 30):
        created = start + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
        age = (created - start).days / 365  # 0 a year ago, 1 now
        skill = 0.5 + 0.45 * age if improving else 0.75 - 0.1 * age
        account_id, contact_id = rng.choice(contacts)
        first_minutes = int(rng.expovariate(1 / (60 + 200 * (1 - skill))))
        first_at = created + timedelta(minutes=first_minutes * 2)
        resolve_hours = rng.expovariate(1 / (6 + 30 * (1 - skill)))
        resolved = created + timedelta(hours=2 + resolve_hours)
        if resolved > now - timedelta(hours=2):
            continue  # the live inbox holds the open work
        due = created + timedelta(hours=24)
        expected_by = (created + timedelta(days=rng.choice([1, 2, 3]))).date() if n % 3 else None
        request_id = len(requests)  # an index until the rows are inserted
        assignee = members[n % len(members)]
        requests.append(
            {
                "account_id": account_id,
                "requester_id": contact_id,
                "team_id": team.id,
                "function_id": rng.choice(functions).id,
                "subject": rng.choice(
                    ["Invoice query", "Delivery slot", "Repair visit", "Credit limit", "New order"]
                ),
                "description": "From the demo history.",
                "urgency": rng.choice(["low", "normal", "normal", "high"]),
                "status": "closed",
                "assignee_id": assignee,
                "routing_reason": "",
                "chase_count": 1 if rng.random() > skill else 0,
                "idempotency_key": UUID(int=rng.getrandbits(128)).hex,
                "version": 1,
                "created_at": created,
                "last_activity_at": resolved,
                "first_response_at": first_at,
                "first_response_minutes": first_minutes,
                "first_response_due_at": created + timedelta(hours=4),
                "resolution_due_at": due,
                "resolved_at": resolved,
                "closed_at": resolved + timedelta(days=1),
                "expected_by": expected_by,
                "expected_outcome": "",
            }
        )
        entries.append(
            {
                "request_id": request_id,
                "author_id": assignee,
                "kind": "reply",
                "public": True,
                "body": "Thanks, this is sorted now.",
                "event": None,
                "data": {},
                "created_at": first_at,
            }
        )
        if rng.random() < 0.6:
            score = min(5, max(1, round(rng.gauss(2.6 + 2.2 * skill, 0.8))))
            ratings.append(
                {
                    "request_id": request_id,
                    "contact_id": contact_id,
                    "score": score,
                    "comment": rng.choice(COMMENTS),
                    "created_at": resolved + timedelta(hours=3),
                    "updated_at": resolved + timedelta(hours=3),
                }
            )
        if rng.random() < 0.25:
            handoff_due = created + timedelta(hours=8)
            late = rng.random() > skill
            handoffs.append(
                {
                    "request_id": request_id,
                    "function_id": rng.choice(functions).id,
                    "owner_id": rng.choice(members),
                    "created_by_id": assignee,
                    "what_is_needed": "Please check this part.",
                    "status": HANDOFF_DONE,
                    "due_at": handoff_due,
                    "outcome": "Done.",
                    "created_at": created,
                    "completed_at": handoff_due + timedelta(hours=3 if late else -2),
                }
            )
    if not requests:
        return
    ids = db.session.scalars(
        insert(Request).returning(Request.id, sort_by_parameter_order=True), requests
    ).all()
    for model, rows in ((Entry, entries), (Rating, ratings), (Handoff, handoffs)):
        for row in rows:
            row["request_id"] = ids[row["request_id"]]
        if rows:
            db.session.execute(insert(model), rows)


def _surveys(rng, team, now, improving) -> None:
    dimensions = services.dimensions()
    accounts = db.session.scalars(
        select(Account).where(Account.team_id == team.id).order_by(Account.id)
    ).all()
    _, coach = _team_people(team)
    for quarter in range(4):
        sent = now - timedelta(days=30 + 90 * (3 - quarter))
        for account in accounts[quarter % 2 :: 2][:4]:
            survey = Survey(
                team_id=team.id,
                account_id=account.id,
                sent_by_id=coach,
                sent_at=sent,
                expires_at=sent + timedelta(days=21),
            )
            db.session.add(survey)
            db.session.flush()
            for contact in account.contacts:
                _, token_hash = new_token()
                answered = rng.random() < 0.7
                db.session.add(
                    SurveyInvitation(
                        survey_id=survey.id,
                        contact_id=contact.user_id,
                        token_hash=token_hash,
                        created_at=sent,
                        used_at=sent + timedelta(days=2) if answered else None,
                    )
                )
                if not answered:
                    continue
                response = SurveyResponse(
                    survey_id=survey.id,
                    contact_id=contact.user_id,
                    team_id=team.id,
                    comment=rng.choice(SURVEY_COMMENTS),
                    created_at=sent + timedelta(days=2),
                )
                lift = (quarter - 1.5) * 0.6 if improving else -0.3
                for index, dimension in enumerate(dimensions):
                    expectation = rng.choice([5, 6, 6, 7])
                    shortfall = 1.2 if index in (1, 4) else 0.2  # responsiveness, ease
                    perception = round(expectation - shortfall + lift + rng.uniform(-1, 1))
                    response.scores.append(
                        SurveyScore(
                            dimension_id=dimension.id,
                            expectation=expectation,
                            perception=min(7, max(1, perception)),
                        )
                    )
                db.session.add(response)
    db.session.flush()


def _checks(rng, team, now) -> None:
    _, coach = _team_people(team)
    if coach is None:
        return
    sample = db.session.scalars(
        select(Request)
        .where(Request.team_id == team.id, Request.resolved_at >= now - timedelta(days=60))
        .order_by(Request.id)
        .limit(12)
    ).all()
    for item in sample:
        marks = {key: rng.random() < 0.85 for key in internal_checks.CHECKLIST}
        db.session.add(
            InternalCheck(
                request_id=item.id,
                team_id=team.id,
                member_id=item.assignee_id,
                reviewer_id=coach,
                passed=all(marks.values()),
                note="" if all(marks.values()) else "Tell the customer when the next update comes.",
                created_at=min(item.resolved_at + timedelta(days=1), now),
                **marks,
            )
        )


def _goals(team, now) -> None:
    year_start = date(now.year, 1, 1)
    this_month = period_containing("month", now.date())
    goals = [
        ("median_first_response", "month", 2.0, "at_most"),
        ("csat", "month", 4.5, "at_least"),
        ("survey_gap", "quarter", 0.0, "at_least"),
        ("resolved_in_sla", "month", 85.0, "at_least"),
    ]
    _, coach = _team_people(team)
    for measure, kind, target, direction in goals:
        db.session.add(
            Goal(
                team_id=team.id,
                measure=measure,
                period_kind=kind,
                period_start=min(year_start, this_month.start),
                period_end=period_containing(kind, date(now.year, 12, 1)).end,
                target=target,
                direction=direction,
                created_by_id=coach,
            )
        )
