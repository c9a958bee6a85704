"""The demo organisation: three teams serving thirty accounts, deterministic for screenshots."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select, update

from ..auth.passwords import hash_password
from ..extensions import db
from ..models import (
    COACH,
    CONTACT,
    MEMBER,
    STAFF,
    Account,
    Contact,
    Function,
    Membership,
    Notification,
    ReferenceMembership,
    ServiceLevel,
    Skill,
    Team,
    Tier,
    User,
    utcnow,
)
from .follow_ups import seed as seed_follow_ups
from .insights import seed as seed_insights
from .people import seed as seed_people
from .procedures import seed_procedures
from .relationships import seed_relationships
from .requests import seed_monday, seed_requests

# Printed by `make demo`; long enough for the password rule, obviously a demo.
DEMO_PASSWORD = "onestop-demo-2026"  # noqa: S105

FUNCTIONS = [
    ("Sales", "an order or a quote", "New orders, quotes, changes to what you buy."),
    ("Billing", "a bill or a payment", "Invoices, payments, credit notes, disputes."),
    ("Service & repair", "a repair or a fault", "Faults, repairs, maintenance visits."),
    ("Credit", "credit or payment terms", "Credit limits, terms, account holds."),
    ("Delivery", "a delivery", "Delivery slots, tracking, missing or damaged goods."),
]

TIERS = [
    ("Key", 1, "Our largest partners: the fastest service levels."),
    ("Loyal", 2, "Long-standing customers with regular business."),
    ("Standard", 3, "Every other customer."),
]
# The tier rule (issue 18): profitable and loyal first. By tier name: (margin %, years).
TIER_RULE = {"Key": (25.0, 5), "Loyal": (None, 2)}
# Believable economics by tier: revenue range, margin range (%), years as a customer.
ECONOMICS = {
    "Key": ((2_000_000, 8_000_000), (22, 40), (4, 15)),
    "Loyal": ((400_000, 2_000_000), (14, 30), (2, 9)),
    "Standard": ((40_000, 500_000), (5, 26), (0, 4)),
}

TEAMS = [
    ("Team North", "Europe/London", "Serves customers in the north: wholesale and retail."),
    ("Team Harbour", "Europe/Amsterdam", "Serves port, logistics and marine customers."),
    ("Team Summit", "Europe/Berlin", "Serves industrial and manufacturing customers."),
]

# (first response, resolution) in business minutes for Key; Loyal doubles, Standard quadruples.
KEY_SERVICE_LEVELS = {
    "critical": (30, 240),
    "high": (60, 480),
    "normal": (120, 960),
    "low": (240, 2400),
}

STAFF_PEOPLE = [
    # name, team index, coach?, {function: level}
    ("Amira Haddad", 0, True, {"Sales": 2, "Billing": 3}),
    ("Ben Okafor", 0, False, {"Billing": 3, "Credit": 2}),
    ("Chloe Martin", 0, False, {"Service & repair": 3, "Delivery": 1}),
    ("Dev Patel", 0, False, {"Delivery": 3, "Sales": 1}),
    ("Elena Rossi", 1, True, {"Credit": 3, "Sales": 2}),
    ("Farid Nasser", 1, False, {"Delivery": 2, "Service & repair": 2}),
    ("Grace Liu", 1, False, {"Billing": 2, "Credit": 1}),
    ("Hugo Berg", 1, False, {"Sales": 3}),
    ("Ines Duarte", 2, True, {"Service & repair": 2, "Delivery": 2}),
    ("Jonas Weber", 2, False, {"Billing": 1, "Sales": 2, "Credit": 2}),
    ("Kemi Adeyemi", 2, False, {"Service & repair": 3}),
    ("Lars Holm", 2, False, {"Delivery": 3, "Billing": 2}),
]

ACCOUNT_NAMES = [
    "Northwind Traders",
    "Baltic Provisions",
    "Crescent Foods",
    "Dalby Hardware",
    "Elm & Oak",
    "Fjord Fisheries",
    "Granite Works",
    "Harbourside Marine",
    "Isle Logistics",
    "Juniper Retail",
    "Keel & Anchor",
    "Lighthouse Supply",
    "Meridian Shipping",
    "Nordic Bakeries",
    "Orchard Grocers",
    "Pier Seven",
    "Quarry Tools",
    "Ridge Engineering",
    "Saltmarsh Cafés",
    "Tidewater Freight",
    "Upland Dairies",
    "Vale Machining",
    "Westgate Pharmacy",
    "Yarrow Textiles",
    "Zephyr Cycles",
    "Anvil Fabrication",
    "Beacon Electrical",
    "Copperline Plumbing",
    "Driftwood Hotels",
    "Evergreen Nurseries",
]

FIRST = [
    "Alex",
    "Sam",
    "Priya",
    "Tom",
    "Mei",
    "Omar",
    "Lena",
    "Raj",
    "Sofia",
    "Noah",
    "Zara",
    "Ivan",
    "Nora",
    "Luis",
    "Hana",
    "Kofi",
    "Maya",
    "Erik",
    "Aisha",
    "Jon",
]
LAST = [
    "Smith",
    "Jones",
    "Khan",
    "Nowak",
    "Silva",
    "Berg",
    "Ito",
    "Moreau",
    "Costa",
    "Brown",
    "Fischer",
    "Larsen",
    "Novak",
    "Reyes",
    "Sato",
    "Ward",
]


def _slug(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def seed(rng_seed: int = 2026) -> None:
    rng = random.Random(rng_seed)
    password_hash = hash_password(DEMO_PASSWORD)  # hashed once: scrypt is slow on purpose

    functions = {
        name: Function(name=name, customer_label=label, description=desc)
        for name, label, desc in FUNCTIONS
    }
    tiers = [
        Tier(
            name=name,
            rank=rank,
            description=desc,
            min_gross_margin=TIER_RULE.get(name, (None, None))[0],
            min_years=TIER_RULE.get(name, (None, None))[1],
        )
        for name, rank, desc in TIERS
    ]
    # Each team takes mail at its own address (`make demo` runs the LMTP listener).
    teams = [
        Team(
            name=name,
            timezone=tz,
            description=desc,
            mail_address=f"{name.split()[-1].lower()}@support.example",
        )
        for name, tz, desc in TEAMS
    ]
    db.session.add_all([*functions.values(), *tiers, *teams])
    for factor, tier in zip((1, 2, 4), tiers, strict=True):
        for urgency, (first, resolve) in KEY_SERVICE_LEVELS.items():
            db.session.add(
                ServiceLevel(
                    tier=tier,
                    urgency=urgency,
                    first_response_minutes=first * factor,
                    resolution_minutes=resolve * factor,
                )
            )

    admin = User(
        email="admin@onestop.example",
        name="Avery Admin",
        kind=STAFF,
        is_admin=True,
        password_hash=password_hash,
    )
    db.session.add(admin)
    for name, team_index, coach, skills in STAFF_PEOPLE:
        first = name.split()[0].lower()
        user = User(
            email=f"{first}@onestop.example", name=name, kind=STAFF, password_hash=password_hash
        )
        db.session.add(user)
        db.session.add(
            Membership(team=teams[team_index], user=user, role=COACH if coach else MEMBER)
        )
        for function_name, level in skills.items():
            db.session.add(Skill(user=user, function=functions[function_name], level=level))
    db.session.flush()

    tier_weights = [1, 2, 4]
    contact_number = 0
    # Its own generator, so the rest of the demo is as it was before accounts had figures.
    money = random.Random(rng_seed + 18)
    today = utcnow().date()
    for index, account_name in enumerate(ACCOUNT_NAMES):
        tier = rng.choices(tiers, tier_weights)[0] if index >= 3 else tiers[0]
        revenue, margin, years = ECONOMICS[tier.name]
        account = Account(
            name=account_name,
            team=teams[index % len(teams)],
            tier=tier,
            shares_visibility=index % 3 == 0,
            yearly_revenue=money.randrange(*revenue, 10_000),
            gross_margin=round(money.uniform(*margin), 1),
            order_volume=money.randrange(12, 600),
            customer_since=today - timedelta(days=money.randint(years[0] * 365, years[1] * 365)),
            renewal_on=today + timedelta(days=money.randint(20, 360)) if index % 2 else None,
        )
        db.session.add(account)
        for position in range(2):
            first = FIRST[contact_number % len(FIRST)]
            last = LAST[(contact_number * 7) % len(LAST)]
            contact_number += 1
            user = User(
                email=f"{first.lower()}.{last.lower()}@{_slug(account_name)}.example",
                name=f"{first} {last}",
                kind=CONTACT,
                password_hash=password_hash,
            )
            db.session.add(user)
            db.session.add(
                Contact(
                    user=user,
                    account=account,
                    sees_account_requests=position == 0 and account.shares_visibility,
                )
            )
    db.session.flush()
    seed_requests()
    seed_monday(rng)
    seed_procedures()
    seed_insights(rng)
    seed_relationships()
    seed_follow_ups(rng)
    seed_people()
    # The history the demo made up told staff things (notifications, listed as read or
    # not); it is history, so the first tick does not mail all of it.
    db.session.execute(update(Notification).values(mailed_at=utcnow()))


def sign_in_details() -> list[tuple[str, str, str]]:
    """One person per role, as printed by `make demo`: (role, email, a note). Two contacts:
    one in a team's reference group (they review procedures) and one who is not, so both
    customer sides can be tried."""
    coach = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == COACH)
        .order_by(User.id)
    )
    member = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == MEMBER)
        .order_by(User.id)
    )
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
    in_group = select(ReferenceMembership.user_id).where(ReferenceMembership.left_at.is_(None))
    reviewer = db.session.execute(
        select(User, Team.name)
        .join(ReferenceMembership, ReferenceMembership.user_id == User.id)
        .join(Team, Team.id == ReferenceMembership.team_id)
        .where(User.kind == CONTACT, ReferenceMembership.left_at.is_(None))
        .order_by(User.id)
    ).first()
    outsider = db.session.scalar(
        select(User).where(User.kind == CONTACT, User.id.not_in(in_group)).order_by(User.id)
    )
    rows = [
        ("admin", admin, "admin: teams, people, service levels"),
        ("coach", coach, "coach of their team"),
        ("member", member, "member: the team's inbox"),
    ]
    if reviewer is not None:
        rows.append(("contact", reviewer[0], f"contact in {reviewer[1]}'s reference group"))
    rows.append(("contact", outsider, "contact, not in a reference group"))
    return [(role, user.email, note) for role, user, note in rows if user is not None]
