"""The organisation: reference data (functions, tiers, service levels), teams with their
hours and holidays, staff with skills, and accounts with their contacts."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from types import SimpleNamespace

from ...models import (
    COACH,
    CONTACT,
    MEMBER,
    STAFF,
    Account,
    Contact,
    Function,
    Holiday,
    Membership,
    ServiceLevel,
    Skill,
    Team,
    Tier,
    User,
    WorkingHours,
)
from ...requests import clock
from .context import EMAIL_DOMAIN, Scale, email, insert_rows

TEAM_ZONES = ("Europe/London", "Europe/Amsterdam", "Europe/Berlin", "Europe/Madrid", "UTC")
TIER_SHARES = (("Key", 1, 0.1), ("Loyal", 2, 0.3), ("Standard", 3, 0.6))


def reference_data(scale: Scale) -> None:
    """Functions, tiers (with the demo's tier rule) and the tier x urgency service-level
    grid (as the demo's)."""
    from ..demo import FUNCTIONS, KEY_SERVICE_LEVELS, TIER_RULE

    insert_rows(
        Function,
        [
            {"id": n, "name": name, "customer_label": label, "description": desc, "active": True}
            for n, (name, label, desc) in enumerate(FUNCTIONS, start=1)
        ],
    )
    scale.function_ids = list(range(1, len(FUNCTIONS) + 1))
    insert_rows(
        Tier,
        [
            {
                "id": rank,
                "name": name,
                "rank": rank,
                "description": f"{name} accounts.",
                "min_gross_margin": TIER_RULE.get(name, (None, None))[0],
                "min_years": TIER_RULE.get(name, (None, None))[1],
            }
            for name, rank, _ in TIER_SHARES
        ],
    )
    scale.tier_ids = [rank for _, rank, _ in TIER_SHARES]
    rows = []
    for factor, tier_id in zip((1, 2, 4), scale.tier_ids, strict=True):
        for urgency, (first, resolve) in KEY_SERVICE_LEVELS.items():
            scale.levels[(tier_id, urgency)] = (first * factor, resolve * factor)
            rows.append(
                {
                    "tier_id": tier_id,
                    "urgency": urgency,
                    "first_response_minutes": first * factor,
                    "resolution_minutes": resolve * factor,
                }
            )
    insert_rows(ServiceLevel, rows)


def teams_and_staff(scale: Scale) -> None:
    """Teams (some with their own hours and holidays), staff, memberships and skills."""
    from ...auth.passwords import hash_password
    from ..demo import DEMO_PASSWORD

    rng, now = scale.rng, scale.now
    scale.password_hash = hash_password(DEMO_PASSWORD)  # once: scrypt is slow on purpose
    teams, hours, holidays = [], [], []
    for n in range(1, scale.teams + 1):
        teams.append(
            {
                "id": n,
                "name": f"Team {n:02d}",
                "description": f"Customer team {n}.",
                "timezone": TEAM_ZONES[n % len(TEAM_ZONES)],
                "automatic_routing": n % 4 != 0,
                "created_at": now - timedelta(days=800),
            }
        )
        if n % 2 == 0:  # half the teams set hours: a long day Monday to Thursday, short Friday
            for weekday in range(5):
                closes = time(15) if weekday == 4 else time(18)
                hours.append({"team_id": n, "weekday": weekday, "opens": time(8), "closes": closes})
        for year in (now.year - 2, now.year - 1, now.year):
            holidays.append({"team_id": n, "day": date(year, 12, 25), "name": "Christmas Day"})
            holidays.append({"team_id": n, "day": date(year, 1, 1), "name": "New Year's Day"})
    insert_rows(Team, teams)
    insert_rows(WorkingHours, hours)
    insert_rows(Holiday, holidays)
    scale.team_ids = [t["id"] for t in teams]
    for team in teams:
        scale.calendars[team["id"]] = clock.team_calendar(
            SimpleNamespace(id=team["id"], timezone=team["timezone"])
        )

    users = [
        {
            "id": 1,
            "email": f"admin@{EMAIL_DOMAIN}",
            "name": "Scale Admin",
            "kind": STAFF,
            "is_admin": True,
            "password_hash": scale.password_hash,
            "away": False,
            "created_at": now - timedelta(days=800),
        }
    ]
    memberships, skills = [], []
    member_number = 0
    for index in range(scale.staff):
        user_id = len(users) + 1
        team_id = scale.team_ids[index % scale.teams]
        coach = index < scale.teams
        if coach:
            address = email("coach", team_id)
        else:
            member_number += 1
            address = email("member", member_number)
        users.append(
            {
                "id": user_id,
                "email": address,
                "name": f"{'Coach' if coach else 'Member'} {index + 1}",
                "kind": STAFF,
                "is_admin": False,
                "password_hash": scale.password_hash,
                "away": not coach and index % 37 == 0,
                "created_at": now - timedelta(days=700),
            }
        )
        memberships.append(
            {"team_id": team_id, "user_id": user_id, "role": COACH if coach else MEMBER}
        )
        scale.members_by_team.setdefault(team_id, []).append(user_id)
        scale.staff_ids.append(user_id)
        for function_id in rng.sample(scale.function_ids, rng.randint(1, 3)):
            skills.append(
                {"user_id": user_id, "function_id": function_id, "level": rng.randint(1, 3)}
            )
    insert_rows(User, users)
    insert_rows(Membership, memberships)
    insert_rows(Skill, skills)
    scale.next_user_id = len(users) + 1


def accounts_and_contacts(scale: Scale) -> None:
    from ..demo import ECONOMICS

    rng, now = scale.rng, scale.now
    # Figures from a generator of their own: the rest of the data is as before they existed.
    money = random.Random(f"economics-{scale.seed}")  # noqa: S311 (demo figures, not secrets)
    tiers = [tier_id for tier_id in scale.tier_ids]
    shares = [share for _, _, share in TIER_SHARES]
    accounts = []
    scale.account_team = [0]
    scale.account_tier = [0]
    for n in range(1, scale.accounts + 1):
        team_id = scale.team_ids[(n - 1) % scale.teams]
        tier_id = tiers[0] if n == 1 else rng.choices(tiers, shares)[0]
        revenue, margin, years = ECONOMICS[TIER_SHARES[tier_id - 1][0]]
        accounts.append(
            {
                "id": n,
                "name": f"Account {n:05d} Ltd",
                "team_id": team_id,
                "tier_id": tier_id,
                "shares_visibility": n % 5 == 1,
                "active": True,
                "created_at": now - timedelta(days=760),
                "yearly_revenue": money.randrange(*revenue, 10_000),
                "gross_margin": round(money.uniform(*margin), 1),
                "order_volume": money.randrange(12, 600),
                "customer_since": now.date()
                - timedelta(days=money.randint(years[0] * 365, years[1] * 365)),
            }
        )
        scale.account_team.append(team_id)
        scale.account_tier.append(tier_id)
    insert_rows(Account, accounts)
    users, contacts = [], []
    user_id = scale.next_user_id
    for n in range(1, scale.contacts + 1):
        account_id = (n - 1) % scale.accounts + 1
        users.append(
            {
                "id": user_id,
                "email": email("contact", n),
                "name": f"Contact {n}",
                "kind": CONTACT,
                "is_admin": False,
                "password_hash": scale.password_hash,
                "created_at": now - timedelta(days=750),
            }
        )
        contacts.append(
            {
                "id": n,
                "user_id": user_id,
                "account_id": account_id,
                "sees_account_requests": n <= scale.accounts and account_id % 5 == 1,
                "created_at": now - timedelta(days=750),
            }
        )
        scale.contacts_by_account.setdefault(account_id, []).append(user_id)
        user_id += 1
    insert_rows(User, users)
    insert_rows(Contact, contacts)
