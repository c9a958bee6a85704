"""The demo's relationship pages: the first account of each team has its key people, two
meetings and the plans agreed at them, one of them done."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import (
    Account,
    AccountMeeting,
    AgreedPlan,
    KeyPerson,
    Membership,
    Team,
    utcnow,
)

PEOPLE = [
    ("Head of purchasing", "Decides what is ordered and when; wants one invoice a month."),
    ("Finance lead", "Signs off credit above the limit. Prefers mail to calls."),
    ("Site manager", "Takes the deliveries. Dock 3, before 9:00."),
]
NAMES = ["Robin Hale", "Sasha Quint", "Morgan Ives"]


def seed_relationships() -> None:
    today = utcnow().date()
    for team in db.session.scalars(select(Team).order_by(Team.id)):
        account = db.session.scalar(
            select(Account).where(Account.team_id == team.id).order_by(Account.id).limit(1)
        )
        members = db.session.scalars(
            select(Membership.user_id).where(Membership.team_id == team.id).order_by(Membership.id)
        ).all()
        if account is None or not members:
            continue
        slug = account.name.split()[0].lower()
        for name, (role, note) in zip(NAMES, PEOPLE, strict=True):
            first = name.split()[0].lower()
            db.session.add(
                KeyPerson(
                    account_id=account.id,
                    name=name,
                    role=role,
                    email=f"{first}@{slug}.example",
                    note=note,
                    created_by_id=members[0],
                )
            )
        review = AccountMeeting(
            account_id=account.id,
            held_on=today - timedelta(days=41),
            title="Quarterly review",
            attendees=f"{NAMES[0]}, {NAMES[1]} and the team",
            notes=(
                "- Deliveries were late **three times** in October; all were Monday runs.\n"
                "- Credit checks held two orders for a day each.\n\n"
                "They would like a single monthly invoice."
            ),
            created_by_id=members[0],
        )
        visit = AccountMeeting(
            account_id=account.id,
            held_on=today - timedelta(days=6),
            title="Site visit: the new dock",
            attendees=NAMES[2],
            notes="Dock 3 opens at 7:00. Drivers should call ahead from the ring road.",
            created_by_id=members[-1],
        )
        db.session.add_all([review, visit])
        db.session.flush()
        db.session.add_all(
            [
                AgreedPlan(
                    account_id=account.id,
                    meeting_id=review.id,
                    what="Move Monday deliveries to Tuesday morning",
                    owner_id=members[-1],
                    due_on=today - timedelta(days=20),
                    status="done",
                    outcome="Done from 3 November; no late delivery since.",
                    closed_at=utcnow() - timedelta(days=21),
                    created_by_id=members[0],
                ),
                AgreedPlan(
                    account_id=account.id,
                    meeting_id=review.id,
                    what="One invoice a month instead of one per delivery",
                    owner_id=members[0],
                    due_on=today + timedelta(days=9),
                    created_by_id=members[0],
                ),
                AgreedPlan(
                    account_id=account.id,
                    meeting_id=visit.id,
                    what="Tell drivers to call ahead from the ring road",
                    owner_id=members[-1],
                    due_on=today - timedelta(days=1),
                    created_by_id=members[-1],
                ),
            ]
        )
