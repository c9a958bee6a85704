"""The demo's named members and follow-ups: most accounts name a member of their team; the
history's low ratings and survey shortfalls of the last two months opened follow-ups, as
they would have; each team's latest two are still open, the others were closed with what
came of them (unless the account names nobody: those wait for a named member)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..domain import follow_ups as rules
from ..extensions import db
from ..models import (
    COACH,
    Account,
    FollowUp,
    Membership,
    NamedMember,
    Rating,
    Request,
    ServiceDimension,
    SurveyResponse,
    Team,
    utcnow,
)

WINDOW = timedelta(days=60)
STILL_OPEN = 2  # each team's latest ones wait for the demo's visitor to close them
OUTCOMES = [
    "Called them: the late delivery came from a missed credit check. Credit now clears "
    "their orders the same day; they were happy with that.",
    "Visited the site with the repair engineer; agreed a fixed weekly delivery slot.",
    "Spoke to their buyer. A credit note went out for the wrong invoice, and billing "
    "questions now come straight to me.",
    "Left two messages, then reached them by mail: they want one monthly call, booked.",
]


def seed(rng: random.Random, now: datetime | None = None) -> None:
    now = now or utcnow()
    for team in db.session.scalars(select(Team).order_by(Team.id)):
        named = _name_members(team)
        _open_for_history(rng, team, named, now)
    db.session.flush()


def _name_members(team: Team) -> dict[int, int | None]:
    """Members (coaches last) take turns; every fifth account names nobody yet, so the
    demo shows what a coach is asked to do then. Returns account id -> named person."""
    memberships = db.session.scalars(
        select(Membership).where(Membership.team_id == team.id).order_by(Membership.id)
    ).all()
    memberships.sort(key=lambda m: m.role == COACH)
    accounts = db.session.scalars(
        select(Account).where(Account.team_id == team.id).order_by(Account.id)
    ).all()
    named: dict[int, int | None] = {}
    for index, account in enumerate(accounts):
        if not memberships or index % 5 == 4:
            named[account.id] = None
            continue
        membership = memberships[index % len(memberships)]
        db.session.add(NamedMember(account_id=account.id, membership_id=membership.id))
        named[account.id] = membership.user_id
    return named


def _open_for_history(rng, team, named, now) -> None:
    zone = ZoneInfo(team.timezone)
    since = now - WINDOW
    low = db.session.execute(
        select(Rating.id, Rating.created_at, Request.account_id)
        .join(Request, Request.id == Rating.request_id)
        .where(
            Request.team_id == team.id,
            Rating.score <= rules.LOW_RATING,
            Rating.created_at >= since,
        )
    ).all()
    names = dict(db.session.execute(select(ServiceDimension.id, ServiceDimension.name)).all())
    sources = [(at, account_id, {"rating_id": rid}) for rid, at, account_id in low]
    for response in db.session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.team_id == team.id, SurveyResponse.created_at >= since
        )
    ):
        scores = [(names[s.dimension_id], s.expectation, s.perception) for s in response.scores]
        if rules.response_opens_follow_up(scores):
            source = {"survey_response_id": response.id}
            sources.append((response.created_at, response.survey.account_id, source))
    sources.sort(key=lambda s: s[0])
    for position, (opened, account_id, source) in enumerate(sources):
        owner = named.get(account_id)
        follow_up = FollowUp(
            team_id=team.id,
            account_id=account_id,
            owner_id=owner,
            opened_at=opened,
            due_on=rules.due_on(opened.astimezone(zone).date()),
            **source,
        )
        if position < len(sources) - STILL_OPEN and owner is not None:
            follow_up.closed_at = opened + timedelta(days=rng.choice([1, 2, 3]), hours=3)
            follow_up.closed_by_id = owner
            follow_up.outcome = rng.choice(OUTCOMES)
        db.session.add(follow_up)
