"""Demo requests: a few per team in every state, with service clocks set, and a few hundred
more across every account so the demo inbox looks like a real Monday morning."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Account, Contact, Function, Handoff, Membership

DEMO_REQUESTS = [
    # subject, function, urgency, hours ago, status, chases, description
    (
        "Invoice 4471 charges last year's prices",
        "Billing",
        "high",
        3,
        "open",
        0,
        "Our invoice **4471** uses the old price list. Could you send a corrected one?",
    ),
    (
        "Pallet arrived damaged",
        "Delivery",
        "normal",
        26,
        "new",
        3,
        "Two boxes on the pallet delivered this morning were crushed. Photos to follow.",
    ),
    (
        "Raise our credit limit before the spring order",
        "Credit",
        "normal",
        50,
        "waiting_on_customer",
        0,
        "We plan a large order in March and would like the limit raised to 50,000.",
    ),
    (
        "Freezer unit 3 makes a grinding noise",
        "Service & repair",
        "critical",
        1,
        "new",
        0,
        "The compressor on unit 3 started grinding an hour ago. We are moving stock.",
    ),
    (
        "Quote for 200 extra crates",
        "Sales",
        "low",
        80,
        "open",
        1,
        "Please quote 200 crates of the usual size, delivered in two batches.",
    ),
    (
        "Wrong VAT number on statements",
        "Billing",
        "normal",
        200,
        "resolved",
        0,
        "Our statements show an old VAT number.",
    ),
    (
        "Change our delivery address",
        "Delivery",
        "low",
        400,
        "closed",
        0,
        "From next month, please deliver to our new warehouse on Quay Road.",
    ),
]


def _add_raised(item, replied_by: int | None, reply: str) -> None:
    """Store a seeded request with the entries every request has: its "raised" event and,
    once answered, the team's first reply."""
    from ..models import Entry

    db.session.add(item)
    db.session.flush()
    db.session.add(
        Entry(
            request_id=item.id,
            author_id=item.requester_id,
            kind="event",
            public=True,
            event="raised",
            created_at=item.created_at,
        )
    )
    if item.first_response_at:
        db.session.add(
            Entry(
                request_id=item.id,
                author_id=replied_by,
                kind="reply",
                public=True,
                body=reply,
                created_at=item.first_response_at,
            )
        )


def _start_clock(item, now) -> None:
    """The service clock of a seeded request, paused while it waits on its customer."""
    from ..requests import clock

    if item.status == "waiting_on_customer":
        clock.pause(item)
    db.session.flush()
    clock.recompute(item, now)


def seed_requests(now=None) -> None:
    """A few requests per team in every state, with service clocks set, for the demo."""
    from uuid import UUID

    from ..models import Entry, Request, utcnow

    now = now or utcnow()
    accounts = db.session.scalars(select(Account).order_by(Account.id)).all()
    functions = {f.name: f for f in db.session.scalars(select(Function))}
    # The first account (the demo contact's) gets one request in every state; the next
    # eleven one each, so every team's inbox has work in it.
    plan = [(accounts[0], spec) for spec in DEMO_REQUESTS] + [
        (account, DEMO_REQUESTS[n % len(DEMO_REQUESTS)]) for n, account in enumerate(accounts[1:12])
    ]
    for index, (account, spec) in enumerate(plan):
        contact = db.session.scalar(
            select(Contact).where(Contact.account_id == account.id).order_by(Contact.id)
        )
        subject, function_name, urgency, hours, status, chases, description = spec
        members = db.session.scalars(
            select(Membership.user_id).where(Membership.team_id == account.team_id)
        ).all()
        created = now - timedelta(hours=hours)
        item = Request(
            account_id=account.id,
            requester_id=contact.user_id,
            team_id=account.team_id,
            function_id=functions[function_name].id,
            subject=subject,
            description=description,
            urgency=urgency,
            status=status,
            assignee_id=None if status == "new" else members[index % len(members)],
            chase_count=chases,
            idempotency_key=UUID(int=index).hex,
            created_at=created,
            last_activity_at=created,
            first_response_at=None if status == "new" else created + timedelta(minutes=40),
            resolved_at=created + timedelta(hours=20) if status in ("resolved", "closed") else None,
            closed_at=created + timedelta(hours=40) if status == "closed" else None,
        )
        _add_raised(item, item.assignee_id, "Thanks for letting us know. I am looking into it now.")
        if item.first_response_at:
            db.session.add(
                Entry(
                    request_id=item.id,
                    author_id=item.assignee_id,
                    kind="note",
                    public=False,
                    body="Checked the account history: nothing similar in the last year.",
                    created_at=item.first_response_at + timedelta(minutes=5),
                )
            )
        for n in range(chases):
            db.session.add(
                Entry(
                    request_id=item.id,
                    author_id=contact.user_id,
                    kind="event",
                    public=True,
                    event="chase",
                    created_at=created + timedelta(hours=n + 1),
                )
            )
        _start_clock(item, now)
    db.session.flush()


MONDAY_SUBJECTS = [
    ("Billing", "Credit note for returned goods"),
    ("Billing", "Payment shows as unpaid"),
    ("Delivery", "Driver could not find our dock"),
    ("Delivery", "Split the next delivery in two"),
    ("Sales", "Price for a larger volume"),
    ("Sales", "Add a product to our standing order"),
    ("Service & repair", "Cooling unit alarm at night"),
    ("Service & repair", "Annual maintenance visit"),
    ("Credit", "Temporary limit for the season"),
    ("Credit", "Account on hold by mistake?"),
]
MONDAY_STATES = ["new"] * 5 + ["open"] * 8 + ["waiting_on_customer"] * 3 + ["resolved"] * 5
MONDAY_STATES += ["closed"] * 2

# How the running clocks of the Monday requests read: a healthy queue has a few requests
# late and a few close to it, not half of them red (which reads as a broken demo).
LATE_SHARE = 0.12
AT_RISK_SHARE = 0.10


def _business_time_before(calendar, now, duration):
    """The instant `duration` of business time before `now` (the calendar's start of
    history when there is not that much)."""
    from datetime import timedelta

    today = now.astimezone(calendar.zone).date()
    timeline = calendar.timeline(today - timedelta(days=90), today + timedelta(days=1))
    worked = timeline.worked(now) - duration
    if worked <= timedelta(0):
        return timeline.begins[0]
    return timeline.reached(worked)


def _raised_at(rng: random.Random, calendar, targets, answered: bool, now):
    """When a running (new or open) request was raised: so long ago in business time that
    its clock reads late (LATE_SHARE of them), at risk (AT_RISK_SHARE) or on track."""
    from datetime import timedelta

    from ..domain.service_clock import AT_RISK_SHARE as RISK_WINDOW

    minutes = targets.resolution_minutes if answered else targets.first_response_minutes
    draw = rng.random()
    if draw < LATE_SHARE:
        used = rng.uniform(1.05, 2.5)
    elif draw < LATE_SHARE + AT_RISK_SHARE:
        used = rng.uniform(1 - RISK_WINDOW + 0.03, 0.97)
    else:
        used = rng.uniform(0.02, 1 - RISK_WINDOW - 0.03)
    return _business_time_before(calendar, now, timedelta(minutes=minutes * used))


def _credit_then_delivery(rng, item, functions, staff, created) -> None:
    """An order: credit clears it, then delivery books it. Half are still with credit (the
    delivery waiting, its clock not started); the rest have delivery under way."""
    opened = created + timedelta(minutes=20)
    cleared = rng.random() < 0.5
    credit = Handoff(
        request_id=item.id,
        function_id=functions["Credit"].id,
        owner_id=rng.choice(staff),
        created_by_id=item.assignee_id or staff[0],
        what_is_needed="Clear the order against the account's credit limit.",
        status="done" if cleared else "open",
        due_in_hours=4,
        created_at=opened,
        started_at=opened,
        due_at=opened + timedelta(hours=4),
        completed_at=opened + timedelta(hours=3) if cleared else None,
        outcome="Within the limit; cleared." if cleared else "",
    )
    started = credit.completed_at
    db.session.add(credit)
    db.session.add(
        Handoff(
            request_id=item.id,
            function_id=functions["Delivery"].id,
            owner_id=rng.choice(staff),
            created_by_id=item.assignee_id or staff[0],
            what_is_needed="Book a delivery slot once credit has cleared the order.",
            due_in_hours=8,
            waits_for=credit,
            created_at=opened,
            started_at=started,
            due_at=started + timedelta(hours=8) if started else None,
        )
    )


def seed_monday(rng: random.Random, count: int = 300, now=None) -> None:
    """A few hundred more requests across every account and state, some handed off, some
    late, so the demo inbox looks like a real Monday morning."""
    from uuid import UUID

    from ..domain.service_clock import Targets
    from ..models import Request, ServiceLevel, Team, utcnow
    from ..requests import clock

    now = now or utcnow()
    accounts = db.session.scalars(select(Account).order_by(Account.id)).all()
    functions = {f.name: f for f in db.session.scalars(select(Function))}
    contacts = {
        c.account_id: c.user_id
        for c in db.session.scalars(select(Contact).order_by(Contact.id.desc()))
    }
    members: dict[int, list[int]] = {}
    for team_id, user_id in db.session.execute(select(Membership.team_id, Membership.user_id)):
        members.setdefault(team_id, []).append(user_id)
    staff = [uid for ids in members.values() for uid in ids]
    calendars = {t.id: clock.team_calendar(t) for t in db.session.scalars(select(Team))}
    levels = {
        (level.tier_id, level.urgency): Targets(
            level.first_response_minutes, level.resolution_minutes
        )
        for level in db.session.scalars(select(ServiceLevel))
    }
    for n in range(count):
        account = accounts[rng.randrange(len(accounts))]
        function_name, subject = rng.choice(MONDAY_SUBJECTS)
        status = rng.choice(MONDAY_STATES)
        created = now - timedelta(minutes=rng.randrange(10, 60 * 24 * 12))
        answered = status != "new" and rng.random() < 0.85
        urgency = rng.choice(["low", "normal", "normal", "high", "critical"])
        targets = levels.get((account.tier_id, urgency))
        if status in ("new", "open") and targets:
            created = _raised_at(rng, calendars[account.team_id], targets, answered, now)
        first_response_at = None
        if answered:
            first_response_at = min(created + timedelta(minutes=rng.randrange(5, 300)), now)
        item = Request(
            account_id=account.id,
            requester_id=contacts[account.id],
            team_id=account.team_id,
            function_id=functions[function_name].id,
            subject=subject,
            description=f"{subject}. Reference on our side: PO-{4000 + n}.",
            urgency=urgency,
            status=status,
            assignee_id=None if status == "new" else rng.choice(members[account.team_id]),
            chase_count=rng.choice([0, 0, 0, 1, 2]),
            idempotency_key=UUID(int=10_000 + n).hex,
            created_at=created,
            last_activity_at=min(created + timedelta(minutes=30), now),
            first_response_at=first_response_at,
            resolved_at=created + timedelta(hours=30) if status in ("resolved", "closed") else None,
            closed_at=created + timedelta(hours=60) if status == "closed" else None,
        )
        _add_raised(item, item.assignee_id or staff[0], "Thank you, we are on it.")
        if status in ("open", "waiting_on_customer") and function_name == "Sales":
            _credit_then_delivery(rng, item, functions, staff, created)
        elif status in ("open", "waiting_on_customer") and rng.random() < 0.25:
            other = rng.choice([f for f in functions.values() if f.name != function_name])
            done = rng.random() < 0.4
            db.session.add(
                Handoff(
                    request_id=item.id,
                    function_id=other.id,
                    owner_id=rng.choice(staff),
                    created_by_id=item.assignee_id or staff[0],
                    what_is_needed=f"Please check the {other.name.lower()} side.",
                    status="done" if done else "open",
                    due_at=created + timedelta(hours=8),
                    completed_at=created + timedelta(hours=6) if done else None,
                    outcome="Checked, all in order." if done else "",
                )
            )
        _start_clock(item, now)
    clock.record_breaches(now)
    db.session.flush()
