"""Writes for insights: goals, surveys and their answers, internal checks.

Each service takes the acting person, enforces the rule, records an audit event and
flushes; the view commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import bindparam, func, select

from .. import acting, audit, follow_up_opening
from ..domain import insights as rules
from ..domain import time_words
from ..domain.insights import InsightError
from ..extensions import db
from ..locks import only_one
from ..mail import queue_mail
from ..models import (
    DEFAULT_DIMENSIONS,
    DIRECTIONS,
    PERIOD_KINDS,
    Account,
    Contact,
    Goal,
    Request,
    ServiceDimension,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveySchedule,
    SurveyScore,
    Team,
    User,
    UTCDateTime,
    utcnow,
)
from ..reader_zone import zone_of
from ..requests.clock import business_minutes_since_raised
from ..tokens import hash_token, new_token
from .measures import MEASURES

SURVEY_DAYS = 21


# --- service dimensions -------------------------------------------------------------------


def ensure_dimensions() -> None:
    """The default dimensions, when none exist at all (a new or emptied database)."""
    if db.session.scalar(select(ServiceDimension.id).limit(1)) is None:
        for position, (name, description) in enumerate(DEFAULT_DIMENSIONS):
            db.session.add(ServiceDimension(name=name, description=description, position=position))
        db.session.flush()


def dimensions(active_only: bool = True) -> list[ServiceDimension]:
    query = select(ServiceDimension).order_by(ServiceDimension.position, ServiceDimension.id)
    if active_only:
        query = query.where(ServiceDimension.active.is_(True))
    return list(db.session.scalars(query))


def save_dimension(
    actor: User,
    dimension: ServiceDimension | None,
    name: str,
    description: str,
    active: bool = True,
) -> ServiceDimension:
    name = name.strip()
    clash = db.session.scalar(
        select(ServiceDimension.id).where(func.lower(ServiceDimension.name) == name.lower())
    )
    if clash is not None and (dimension is None or clash != dimension.id):
        raise InsightError(f"There is already a dimension called {name}.")
    if dimension is None:
        position = db.session.scalar(select(func.max(ServiceDimension.position))) or 0
        dimension = ServiceDimension(position=position + 1)
        db.session.add(dimension)
    dimension.name, dimension.description, dimension.active = name, description.strip(), active
    db.session.flush()
    audit.record(actor, "dimension.saved", dimension, name=name, active=active)
    return dimension


# --- goals --------------------------------------------------------------------------------


def create_goal(
    actor: User,
    team: Team,
    *,
    measure: str,
    period_kind: str,
    first: date | None,
    last: date | None,
    target: float | None,
    direction: str,
    dimension_id: int | None = None,
) -> Goal:
    if measure not in MEASURES:
        raise InsightError("Choose a measure from the list.", "measure")
    if period_kind not in PERIOD_KINDS:
        raise InsightError("Choose monthly or quarterly periods.", "period_kind")
    if direction not in DIRECTIONS:
        raise InsightError("Choose 'at least' or 'at most'.", "direction")
    target = rules.check_target(target)
    start, end = rules.goal_span(period_kind, first, last)
    if not MEASURES[measure].by_dimension:
        dimension_id = None
    elif dimension_id is not None and db.session.get(ServiceDimension, dimension_id) is None:
        raise InsightError("Choose a dimension from the list.", "dimension")
    goal = Goal(
        team_id=team.id,
        measure=measure,
        dimension_id=dimension_id,
        period_kind=period_kind,
        period_start=start,
        period_end=end,
        target=target,
        direction=direction,
        created_by_id=actor.id,
    )
    db.session.add(goal)
    db.session.flush()
    audit.record(actor, "goal.created", goal, measure=measure, target=target)
    return goal


def delete_goal(actor: User, goal: Goal) -> None:
    audit.record(actor, "goal.deleted", goal, measure=goal.measure, target=goal.target)
    db.session.delete(goal)
    db.session.flush()


# --- surveys ------------------------------------------------------------------------------


def _survey_link(token: str) -> str:
    return current_app.config["BASE_URL"] + url_for("insights.survey", token=token)


def send_survey(actor: User | None, team: Team, account: Account, now: datetime | None = None):
    """Send the relationship survey to every active contact of `account`: one link each,
    by mail through the outbox. Returns (survey, how many were invited)."""
    now = now or utcnow()
    if account.team_id != team.id:
        raise InsightError("That account is not served by this team.")
    ensure_dimensions()
    contacts = db.session.scalars(
        select(User)
        .join(Contact, Contact.user_id == User.id)
        .where(Contact.account_id == account.id, User.active.is_(True))
        .order_by(User.id)
    ).all()
    if not contacts:
        raise InsightError(f"{account.name} has no active contacts to ask yet.")
    survey = Survey(
        team_id=team.id,
        account_id=account.id,
        sent_by_id=actor.id if actor else None,
        sent_at=now,
        expires_at=now + timedelta(days=SURVEY_DAYS),
    )
    db.session.add(survey)
    db.session.flush()
    for contact in contacts:
        token, token_hash = new_token()
        db.session.add(
            SurveyInvitation(survey_id=survey.id, contact_id=contact.id, token_hash=token_hash)
        )
        queue_mail(
            contact.email,
            f"How are we doing? A two-minute survey from {team.name}",
            f"Hello {contact.name},\n\n{team.name} serves {account.name}. Tell us, for a few "
            "things that matter in good service, what you expect and what you experience. "
            "It takes two minutes and shows us where we fall short.\n\n"
            f"{_survey_link(token)}\n\nThe link works until "
            f"{time_words.day(survey.expires_at, zone_of(contact))}.\n",
        )
    db.session.flush()
    audit.record(actor, "survey.sent", survey, account=account.id, invited=len(contacts))
    return survey, len(contacts)


def invitation_for(token: str) -> SurveyInvitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token))
    )


def invitation_problem(invitation: SurveyInvitation, now: datetime | None = None) -> str | None:
    """Why a survey link can no longer be answered, in words for the contact. A link answers
    for its contact only while they may still speak for the survey's account."""
    now = now or utcnow()
    if invitation.used_at is not None:
        return "You have already answered this survey. Thank you: each person answers once."
    if invitation.survey.expires_at <= now:
        return "This survey has closed, so answers are no longer taken. Thank you all the same."
    if not acting.speaks_for(invitation.contact, invitation.survey.account_id):
        return (
            f"This link no longer answers for {invitation.survey.account.name}: your access "
            "to it has ended. Thank you all the same."
        )
    return None


@dataclass(frozen=True)
class Answer:
    dimension_id: int
    expectation: object
    perception: object


def answer_survey(
    invitation: SurveyInvitation, answers: list[Answer], comment: str
) -> SurveyResponse:
    problem = invitation_problem(invitation)
    if problem:
        raise InsightError(problem)
    asked = {d.id for d in dimensions()}
    given = {a.dimension_id for a in answers}
    if given != asked:
        raise InsightError("Score every line: what you expect and what you experience.")
    checked = [
        (
            a.dimension_id,
            rules.check_score(a.expectation, "a score for what you expect"),
            rules.check_score(a.perception, "a score for what you experience"),
        )
        for a in answers
    ]
    response = SurveyResponse(
        survey_id=invitation.survey_id,
        contact_id=invitation.contact_id,
        team_id=invitation.survey.team_id,
        comment=comment.strip()[:2000],
    )
    response.scores = [
        SurveyScore(dimension_id=d, expectation=e, perception=p) for d, e, p in checked
    ]
    db.session.add(response)
    invitation.used_at = utcnow()
    db.session.flush()
    audit.record(invitation.contact, "survey.answered", response, survey=invitation.survey_id)
    # Same transaction: a shortfall answered is a follow-up opened, or neither is saved.
    follow_up_opening.after_survey_answer(response, invitation.survey.account)
    return response


def team_surveys(team: Team, limit: int = 50):
    """Recent surveys with how many were asked and how many answered (one query)."""
    invited = select(func.count()).where(SurveyInvitation.survey_id == Survey.id).scalar_subquery()
    answered = (
        select(func.count())
        .where(SurveyInvitation.survey_id == Survey.id, SurveyInvitation.used_at.is_not(None))
        .scalar_subquery()
    )
    return db.session.execute(
        select(Survey, Account.name, invited, answered)
        .join(Account, Account.id == Survey.account_id)
        .where(Survey.team_id == team.id)
        .order_by(Survey.sent_at.desc(), Survey.id.desc())
        .limit(limit)
    ).all()


def set_schedule(actor: User, tier, every_days: int | None) -> None:
    """Survey every account of `tier` every `every_days` days; None switches it off."""
    schedule = db.session.scalar(select(SurveySchedule).where(SurveySchedule.tier_id == tier.id))
    if every_days is None:
        if schedule is not None:
            db.session.delete(schedule)
    else:
        if not 7 <= every_days <= 730:
            raise InsightError("Send at most weekly and at least every two years (7 to 730 days).")
        if schedule is None:
            schedule = SurveySchedule(tier_id=tier.id, every_days=every_days)
            db.session.add(schedule)
        schedule.every_days = every_days
    db.session.flush()
    audit.record(actor, "survey.schedule", tier, every_days=every_days)


def schedules() -> dict[int, int]:
    """tier id -> every how many days."""
    return dict(db.session.execute(select(SurveySchedule.tier_id, SurveySchedule.every_days)).all())


def run_survey_schedules(now: datetime | None = None) -> int:
    """For each tier with a schedule, survey the accounts last surveyed longer ago than the
    schedule says (or never). Run by `tick`; returns how many surveys went out. Ticks on
    several servers take turns (`only_one`), so an account is surveyed once."""
    if not only_one("tick: survey schedules"):
        return 0
    now = now or utcnow()
    sent = 0
    last_sent = (
        select(Survey.account_id, func.max(Survey.sent_at).label("last"))
        .group_by(Survey.account_id)
        .subquery()
    )
    for schedule in db.session.scalars(select(SurveySchedule)):
        due = db.session.scalars(
            select(Account)
            .outerjoin(last_sent, last_sent.c.account_id == Account.id)
            .where(
                Account.tier_id == schedule.tier_id,
                Account.active.is_(True),
                (last_sent.c.last.is_(None))
                | (last_sent.c.last < now - timedelta(days=schedule.every_days)),
            )
        ).all()
        for account in due:
            try:
                send_survey(None, account.team, account, now)
            except InsightError:
                continue  # no contacts yet: try again next time
            sent += 1
    db.session.flush()
    return sent


def recent_answers(team: Team, limit: int = 20):
    """The team's latest survey answers: (response, account name, contact name, average
    gap), newest first, in one query."""
    average_gap = (
        select(func.avg(SurveyScore.perception - SurveyScore.expectation))
        .where(SurveyScore.response_id == SurveyResponse.id)
        .scalar_subquery()
    )
    return db.session.execute(
        select(SurveyResponse, Account.name, User.name, average_gap)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Account, Account.id == Survey.account_id)
        .join(User, User.id == SurveyResponse.contact_id)
        .where(SurveyResponse.team_id == team.id)
        .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc())
        .limit(limit)
    ).all()


def backfill_first_response_minutes(batch: int = 500) -> int:
    """Business minutes to the first reply for requests answered before they were recorded
    (the median first response counts only requests that have them). A one-off task run by
    `flask --app portal backfill-first-responses`; returns how many were filled."""
    filled = 0
    while True:
        items = db.session.scalars(
            select(Request)
            .where(Request.first_response_at.is_not(None), Request.first_response_minutes.is_(None))
            .order_by(Request.id)
            .limit(batch)
        ).all()
        if not items:
            return filled
        for item in items:
            item.first_response_minutes = business_minutes_since_raised(
                item, item.first_response_at
            )
        db.session.flush()
        filled += len(items)


# Built once: the contact's home page asks on every load, and assembling the statement cost
# as much as running it. Plain columns: what the page prints, no ORM objects (whose survey
# was loaded again per row).
_OPEN_INVITATIONS = (
    select(SurveyInvitation.id, Survey.expires_at, Team.name)
    .join(Survey, Survey.id == SurveyInvitation.survey_id)
    .join(Team, Team.id == Survey.team_id)
    .where(
        SurveyInvitation.contact_id == bindparam("contact_id"),
        SurveyInvitation.used_at.is_(None),
        Survey.expires_at > bindparam("now", type_=UTCDateTime()),
    )
    .order_by(Survey.sent_at.desc())
    .limit(5)
)


def open_invitations(user: User):
    """The surveys waiting for this contact's answer (not answered, not closed), newest
    first: (invitation id, closing time, team name) rows for their home page."""
    params = {"contact_id": user.id, "now": utcnow()}
    return db.session.connection().execute(_OPEN_INVITATIONS, params).all()
