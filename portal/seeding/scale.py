"""`flask --app portal seed-scale`: a large, deterministic organisation for the benchmark.

About 10 teams, 150 staff with skills, 5,000 accounts across tiers, 20,000 contacts and, at
200,000 requests, about 1,000,000 entries, with handoffs, clock pauses and ratings. Rows go
in with SQLAlchemy Core `insert()` executemany in chunks, never through the ORM, so 200,000
requests take well under 3 minutes on SQLite.

The generator is a list of steps, one per aggregate (`STEPS`); each takes the shared
`Scale` context, appends its rows and records in the context what later steps need. A new
aggregate (procedures, rounds, stances) is one more step appended to the list.

Service clocks come from the app's own code: each team's calendar from
`clock.team_calendar`, each request's due times from `clock.due_times_for` and its
first-response minutes from `clock.business_minutes`, the functions `clock.recompute` and
the services use (tests/bench/test_scale.py checks the rows against `recompute`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text

from ..domain.business_hours import Calendar
from ..extensions import db
from ..models import (
    COACH,
    CONTACT,
    MEMBER,
    STAFF,
    Account,
    ClockPause,
    Contact,
    Entry,
    Function,
    Goal,
    Handoff,
    Holiday,
    InternalCheck,
    Membership,
    Procedure,
    ProcedureVersion,
    Rating,
    ReferenceMembership,
    Request,
    ReviewRound,
    ServiceDimension,
    ServiceLevel,
    Skill,
    Stance,
    StanceAnswer,
    StanceChange,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyScore,
    Team,
    Tier,
    User,
    WorkingHours,
)
from ..requests import activity, clock, last_contact
from ..richtext import render_html

CHUNK = 5000
# Bump when the generated data changes shape: the bench's cache is keyed on it.
GENERATOR_VERSION = 3
EMAIL_DOMAIN = "scale.example"

TEAM_ZONES = ("Europe/London", "Europe/Amsterdam", "Europe/Berlin", "Europe/Madrid", "UTC")
TIER_SHARES = (("Key", 1, 0.1), ("Loyal", 2, 0.3), ("Standard", 3, 0.6))
URGENCY_WEIGHTS = (("low", 2), ("normal", 5), ("high", 2), ("critical", 1))
WORDS = [
    "invoice",
    "price",
    "delivery",
    "pallet",
    "credit",
    "limit",
    "quote",
    "order",
    "repair",
    "engineer",
    "visit",
    "payment",
    "statement",
    "warehouse",
    "driver",
    "dock",
    "crate",
    "freezer",
    "unit",
    "alarm",
    "contract",
    "discount",
    "refund",
    "account",
    "address",
    "schedule",
    "slot",
    "return",
    "damaged",
    "missing",
    "late",
    "urgent",
    "spare",
    "part",
    "filter",
    "compressor",
    "label",
    "barcode",
    "tracking",
    "customs",
    "shipment",
    "batch",
    "sample",
]
SUBJECTS = (
    "Invoice {n} shows the wrong price",
    "Pallet {n} arrived damaged",
    "Raise our credit limit for order {n}",
    "Unit {n} makes a grinding noise",
    "Quote for {n} extra crates",
    "Payment {n} shows as unpaid",
    "Driver could not find dock {n}",
    "Split delivery {n} in two",
    "Annual maintenance visit for site {n}",
    "Account on hold since order {n}?",
)
REPLIES = (
    "Thanks for letting us know. I am looking into it now.",
    "I have checked the {w} and will come back to you today.",
    "Could you send us a photo of the {w}?",
    "Here it is; the {w} is attached to our records now.",
    "We have arranged a new {w} for Thursday morning.",
    "That works for us, thank you.",
    "The corrected {w} is on its way.",
)
NOTES = (
    "Checked the account history: nothing similar in the last year.",
    "Asked the warehouse about the {w}.",
    "Customer prefers calls before noon.",
)


@dataclass
class Scale:
    """What the steps share: the plan, the random source, and the ids made so far."""

    requests: int
    seed: int
    now: datetime
    teams: int = 10
    staff: int = 150
    accounts: int = 5000
    contacts: int = 20000
    rng: random.Random = field(init=False)
    counts: dict[str, int] = field(default_factory=dict)
    # Filled in by the steps, read by later ones.
    function_ids: list[int] = field(default_factory=list)
    tier_ids: list[int] = field(default_factory=list)
    levels: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)
    team_ids: list[int] = field(default_factory=list)
    calendars: dict[int, Calendar] = field(default_factory=dict)
    members_by_team: dict[int, list[int]] = field(default_factory=dict)
    staff_ids: list[int] = field(default_factory=list)
    account_team: list[int] = field(default_factory=list)  # index = account id
    account_tier: list[int] = field(default_factory=list)
    contacts_by_account: dict[int, list[int]] = field(default_factory=dict)
    # (id, requester, status, created, first_response_at, resolved_at, assignee, team) rows.
    # Per team: (request id, assignee, resolved_at) of a few recently resolved requests.
    recent_resolved: dict[int, list[tuple[int, int, datetime]]] = field(default_factory=dict)
    # Per team: the reference group's current members as (user, account, tier).
    groups: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    password_hash: str = ""
    next_user_id: int = 1
    long_request: int | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 (benchmark data, not secrets)
        # Smaller runs (tests, the smoke bench) shrink the population with the requests.
        if self.requests < 200_000:
            share = max(self.requests / 200_000, 0.0)
            self.accounts = max(20, int(self.accounts * share))
            self.contacts = max(self.accounts * 2, int(self.contacts * share))
            self.teams = min(self.teams, max(2, self.accounts // 10))
            self.staff = max(self.teams * 4, min(self.staff, self.accounts))


def email(kind: str, number: int) -> str:
    return f"{kind}{number}@{EMAIL_DOMAIN}"


# The people the bench signs in as: team 1's coach and first member, account 1's contact.
BENCH_PEOPLE = {
    "member": email("member", 1),
    "coach": email("coach", 1),
    "contact": email("contact", 1),
}
# A request of contact 1 with this many entries, for the request-page measurements.
LONG_REQUEST_ENTRIES = 30


def _insert(model, rows: list[dict]) -> None:
    table = model.__table__
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start : start + CHUNK])


# ---- steps, one per aggregate -------------------------------------------------------------


def reference_data(scale: Scale) -> None:
    """Functions, tiers and the tier x urgency service-level grid (as the demo's)."""
    from .demo import FUNCTIONS, KEY_SERVICE_LEVELS

    _insert(
        Function,
        [
            {"id": n, "name": name, "customer_label": label, "description": desc, "active": True}
            for n, (name, label, desc) in enumerate(FUNCTIONS, start=1)
        ],
    )
    scale.function_ids = list(range(1, len(FUNCTIONS) + 1))
    _insert(
        Tier,
        [
            {"id": rank, "name": name, "rank": rank, "description": f"{name} accounts."}
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
    _insert(ServiceLevel, rows)


def teams_and_staff(scale: Scale) -> None:
    """Teams (some with their own hours and holidays), staff, memberships and skills."""
    from ..auth.passwords import hash_password
    from .demo import DEMO_PASSWORD

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
    _insert(Team, teams)
    _insert(WorkingHours, hours)
    _insert(Holiday, holidays)
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
    _insert(User, users)
    _insert(Membership, memberships)
    _insert(Skill, skills)
    scale.next_user_id = len(users) + 1


def accounts_and_contacts(scale: Scale) -> None:
    rng, now = scale.rng, scale.now
    tiers = [tier_id for tier_id in scale.tier_ids]
    shares = [share for _, _, share in TIER_SHARES]
    accounts = []
    scale.account_team = [0]
    scale.account_tier = [0]
    for n in range(1, scale.accounts + 1):
        team_id = scale.team_ids[(n - 1) % scale.teams]
        tier_id = tiers[0] if n == 1 else rng.choices(tiers, shares)[0]
        accounts.append(
            {
                "id": n,
                "name": f"Account {n:05d} Ltd",
                "team_id": team_id,
                "tier_id": tier_id,
                "shares_visibility": n % 5 == 1,
                "active": True,
                "created_at": now - timedelta(days=760),
            }
        )
        scale.account_team.append(team_id)
        scale.account_tier.append(tier_id)
    _insert(Account, accounts)
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
    _insert(User, users)
    _insert(Contact, contacts)


def _status_for(rng: random.Random, age: timedelta) -> str:
    """Recent requests are mostly still open; older ones mostly done, with a small backlog."""
    if age < timedelta(days=3):
        weights = (30, 45, 15, 10, 0)
    elif age < timedelta(days=21):
        weights = (5, 35, 15, 40, 5)
    elif age < timedelta(days=90):
        weights = (0.3, 2, 1, 30, 67)
    else:
        weights = (0, 0, 0, 5, 95)
    return rng.choices(("new", "open", "waiting_on_customer", "resolved", "closed"), weights)[0]


def requests_and_timelines(scale: Scale) -> None:
    """Requests in every status, their entries (about 5 each), pauses, handoffs and ratings.

    Requests are created over two years, oldest first, so a higher id is a newer request.
    Contact 1's first request is the long one the bench opens (`LONG_REQUEST_ENTRIES`).
    """
    rng, now = scale.rng, scale.now
    span = timedelta(days=730)
    # Ages spread over two years, denser recently; sorted so ids follow creation time.
    ages = sorted(
        (
            min(span, timedelta(seconds=rng.expovariate(1 / (span.total_seconds() / 3))))
            for _ in range(scale.requests)
        ),
        reverse=True,
    )
    urgencies, urgency_weights = zip(*URGENCY_WEIGHTS, strict=True)
    # Contact 1's long request: a few days old, still open.
    long_request = max(1, scale.requests - max(1, scale.requests // 1000))
    scale.long_request = long_request
    requests, entries, pauses, handoffs, ratings = [], [], [], [], []
    entry_id = 0

    def add_entry(request_id, author_id, kind, moment, public=True, body="", event=None, data=None):
        nonlocal entry_id
        entry_id += 1
        entries.append(
            {
                "id": entry_id,
                "request_id": request_id,
                "author_id": author_id,
                "kind": kind,
                "public": public,
                "body": body,
                # Written around the ORM, so rendered here as its hook would (the bodies
                # repeat, and the renderer caches them).
                "body_html": render_html(body),
                "event": event,
                "data": data or {},
                "created_at": moment,
            }
        )

    for request_id, age in enumerate(ages, start=1):
        created = now - age - timedelta(minutes=5)
        account_id = 1 if request_id == long_request else rng.randrange(1, scale.accounts + 1)
        requester = rng.choice(scale.contacts_by_account[account_id])
        team_id = scale.account_team[account_id]
        status = _status_for(rng, age)
        if request_id == long_request:
            requester, status = scale.contacts_by_account[1][0], "open"
        urgency = rng.choices(urgencies, urgency_weights)[0]
        members = scale.members_by_team[team_id]
        assignee = None if status == "new" and rng.random() < 0.7 else rng.choice(members)
        first_response_at = None
        if status != "new" and assignee:
            first_response_at = min(now, created + timedelta(minutes=rng.randrange(5, 600)))
        resolved_at = closed_at = None
        if status in ("resolved", "closed"):
            resolved_at = min(now, created + timedelta(hours=rng.randrange(1, 24 * 12)))
            if first_response_at is None or first_response_at > resolved_at:
                first_response_at = resolved_at
            if status == "closed":
                closed_at = min(now, resolved_at + timedelta(days=rng.randrange(1, 15)))
        word = rng.choice(WORDS)
        subject = rng.choice(SUBJECTS).format(n=rng.randrange(100, 9999))
        row = {
            "id": request_id,
            "account_id": account_id,
            "requester_id": requester,
            "team_id": team_id,
            "function_id": None if rng.random() < 0.1 else rng.choice(scale.function_ids),
            "subject": subject,
            "description": f"{subject}. Please check the {word} and {rng.choice(WORDS)}.",
            "urgency": urgency,
            "expected_by": None,
            "expected_outcome": "",
            "status": status,
            "assignee_id": assignee,
            "routing_reason": "",
            "chase_count": rng.choice((0, 0, 0, 0, 1, 2)),
            "idempotency_key": f"{rng.getrandbits(128):032x}",
            "version": 1,
            "created_at": created,
            "first_response_at": first_response_at,
            # Nothing pauses before the first reply here (a pause starts after the last
            # entry), so the business minutes are the calendar's alone.
            "first_response_minutes": None
            if first_response_at is None
            else clock.business_minutes(scale.calendars[team_id], created, first_response_at, []),
            "resolved_at": resolved_at,
            "closed_at": closed_at,
            "merged_into_id": None,
        }
        # The timeline: raised, assigned, answers back and forth, then resolution.
        add_entry(request_id, requester, "event", created, event="raised")
        if assignee:
            add_entry(
                request_id,
                None,
                "event",
                created,
                event="assigned",
                data={"assignee_id": assignee, "reason": "skill and load"},
            )
        last = created
        if first_response_at:
            add_entry(request_id, assignee, "reply", first_response_at, body=REPLIES[0])
            last = first_response_at
            end = resolved_at or now
            extra = (
                LONG_REQUEST_ENTRIES - 3
                if request_id == long_request
                else rng.choice((0, 0, 0, 1, 1, 2))
            )
            for n in range(extra):
                last = min(end, last + (end - last) / (extra - n + 1))
                if n % 3 == 2:
                    add_entry(
                        request_id,
                        assignee,
                        "note",
                        last,
                        public=False,
                        body=rng.choice(NOTES).format(w=rng.choice(WORDS)),
                    )
                else:
                    author = requester if n % 2 == 0 else assignee
                    body = rng.choice(REPLIES).format(w=rng.choice(WORDS))
                    add_entry(request_id, author, "reply", last, body=body)
        if resolved_at:
            add_entry(
                request_id,
                assignee,
                "event",
                resolved_at,
                event="status",
                data={"status": "resolved"},
            )
            last = resolved_at
        if closed_at:
            add_entry(
                request_id,
                None,
                "event",
                closed_at,
                public=False,
                event="status",
                data={"status": "closed"},
            )
            last = closed_at
        paused = []  # the clock's pauses as `clock.recompute` reads them at `now`
        if status == "waiting_on_customer":
            started = min(now, last + timedelta(minutes=1))
            pauses.append({"request_id": request_id, "started_at": started, "ended_at": None})
            paused.append((started, now))
            add_entry(
                request_id,
                assignee,
                "event",
                started,
                event="status",
                data={"status": "waiting_on_customer"},
            )
            last = started
        row["last_activity_at"] = last
        due = clock.due_times_for(
            scale.calendars[team_id],
            scale.levels.get((scale.account_tier[account_id], urgency)),
            created_at=created,
            status=status,
            first_response_at=first_response_at,
            pauses=paused,
            paused=bool(paused),
        )
        row.update(due._asdict())
        requests.append(row)
        recent = scale.recent_resolved.setdefault(team_id, [])
        if resolved_at and assignee and age < timedelta(days=60) and len(recent) < 40:
            recent.append((request_id, assignee, resolved_at))
        if status in ("open", "waiting_on_customer", "resolved") and rng.random() < 0.12:
            other = rng.choice([f for f in scale.function_ids if f != row["function_id"]])
            done = status == "resolved" or rng.random() < 0.4
            owner = members[0] if rng.random() < 0.2 else rng.choice(scale.staff_ids)
            handoffs.append(
                {
                    "request_id": request_id,
                    "function_id": other,
                    "owner_id": owner,
                    "created_by_id": assignee or members[0],
                    "what_is_needed": "Please check the other side of this.",
                    "status": "done" if done else "open",
                    "due_at": created + timedelta(hours=8),
                    "outcome": "Checked, all in order." if done else "",
                    "created_at": created + timedelta(minutes=30),
                    "completed_at": created + timedelta(hours=6) if done else None,
                }
            )
        if resolved_at and rng.random() < 0.35:
            score = rng.choices((5, 4, 3, 2, 1), (45, 30, 12, 8, 5))[0]
            ratings.append(
                {
                    "request_id": request_id,
                    "contact_id": requester,
                    "score": score,
                    "comment": "" if rng.random() < 0.6 else "Quick and friendly, thank you.",
                    "created_at": resolved_at + timedelta(hours=2),
                    "updated_at": resolved_at + timedelta(hours=2),
                }
            )
        if len(entries) >= 20 * CHUNK:
            _flush_requests(requests, entries)
    _flush_requests(requests, entries)
    _insert(ClockPause, pauses)
    _insert(Handoff, handoffs)
    _insert(Rating, ratings)


def _flush_requests(requests: list[dict], entries: list[dict]) -> None:
    """Requests before their entries (foreign keys), then empty both lists."""
    _insert(Request, requests)
    _insert(Entry, entries)
    requests.clear()
    entries.clear()


# ---- procedures, the reference group, rounds and stances ----------------------------------

GROUP_SIZE = 40  # current reference-group members per team at full size
PROCEDURES_PER_TEAM = 30
# What happens to each procedure, in turn (see `_procedure_plan`).
PROCEDURE_STORIES = (
    "adopted",
    "open",
    "adopted",
    "revised_then_adopted",
    "draft",
    "closed",
    "adopted",
    "withdrawn",
    "adopted_then_open",
    "adopted",
)
PROCEDURE_TITLES = (
    "Returns of damaged pallets",
    "Raising a credit limit",
    "Changing a delivery slot",
    "Booking an engineer visit",
    "Correcting an invoice",
    "Refunds for missing parts",
    "Customs paperwork for exports",
    "Urgent freezer repairs",
    "Following up a quote",
    "Lifting an account hold",
    "Returns collected by our driver",
    "Replacing a damaged label",
)
STANCE_REASONS = (
    "Two extra steps for us: can the {w} be checked by your side?",
    "We cannot wait a week for the {w}.",
    "The form asks for the {w} twice.",
    "Who do we call when the {w} is late?",
)
ANSWERS = (
    "Thank you: we now check the {w} ourselves, so that step is gone.",
    "We will confirm the {w} within one working day instead.",
    "Fair point; the form asks once now.",
)


def _accounts_by_team(scale: Scale) -> dict[int, list[int]]:
    by_team: dict[int, list[int]] = {}
    for account_id in range(1, scale.accounts + 1):
        by_team.setdefault(scale.account_team[account_id], []).append(account_id)
    return by_team


def reference_groups(scale: Scale) -> None:
    """Each team's reference group: one contact per chosen account, account 1's first contact
    (the bench's) in its team's group, and a few who left (the group's history)."""
    rng, now = scale.rng, scale.now
    size = max(4, min(GROUP_SIZE, scale.accounts // scale.teams))
    rows = []
    for team_id, accounts in _accounts_by_team(scale).items():
        chosen = rng.sample(accounts, min(size, len(accounts)))
        if team_id == scale.account_team[1] and 1 not in chosen:
            chosen[0] = 1
        group = []
        for account_id in chosen:
            user_id = scale.contacts_by_account[account_id][0]  # contact 1 is account 1's first
            rows.append(
                {
                    "team_id": team_id,
                    "user_id": user_id,
                    "account_id": account_id,
                    "joined_at": now - timedelta(days=rng.randrange(400, 720)),
                    "left_at": None,
                }
            )
            group.append((user_id, account_id, scale.account_tier[account_id]))
        for account_id in chosen[:3]:
            others = scale.contacts_by_account[account_id][1:]
            if others:
                joined = now - timedelta(days=rng.randrange(500, 720))
                rows.append(
                    {
                        "team_id": team_id,
                        "user_id": others[0],
                        "account_id": account_id,
                        "joined_at": joined,
                        "left_at": joined + timedelta(days=rng.randrange(30, 300)),
                    }
                )
        scale.groups[team_id] = group
    _insert(ReferenceMembership, rows)


@dataclass
class _Rows:
    """The procedure step's rows, with explicit ids so they can point at each other."""

    procedures: list[dict] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)
    stances: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)

    def version(self, procedure: dict, text: dict, moment: datetime) -> dict:
        number = sum(1 for v in self.versions if v["procedure_id"] == procedure["id"]) + 1
        row = {
            "id": len(self.versions) + 1,
            "procedure_id": procedure["id"],
            "number": number,
            "created_by_id": procedure["created_by_id"],
            "created_at": moment,
            **text,
        }
        self.versions.append(row)
        return row


def _procedure_text(rng: random.Random, title: str) -> dict:
    words = [rng.choice(WORDS) for _ in range(4)]
    return {
        "title": title,
        "summary": f"How we handle {title.lower()}, step by step.",
        "body": (
            f"1. Check the {words[0]} and the {words[1]} on the account.\n"
            f"2. Confirm the {words[2]} with the customer the same day.\n"
            f"3. Record the outcome and the {words[3]} on the request."
        ),
        "customer_change": f"One call instead of two; the {words[0]} is checked by us.",
    }


def _round(
    scale: Scale,
    rows: _Rows,
    procedure: dict,
    version: dict,
    opened: datetime,
    outcome: str,
) -> datetime:
    """One review round of `version` and its stances; returns when it was decided (or now).

    `outcome` is the round's status: open (closes in the future), closed (undecided), or a
    decision (adopted, revised, withdrawn) recorded with a statement on the reviewed version.
    """
    rng, now = scale.rng, scale.now
    coach = procedure["created_by_id"]
    if outcome == "open":
        closes = now + timedelta(days=rng.randrange(3, 14), hours=rng.randrange(0, 8))
        closed_at = decided = None
    else:
        closes = opened + timedelta(days=14)
        closed_at = closes
        decided = closes + timedelta(days=rng.randrange(1, 3)) if outcome != "closed" else None
    round_id = len(rows.rounds) + 1
    rows.rounds.append(
        {
            "id": round_id,
            "procedure_id": procedure["id"],
            "version_id": version["id"],
            "status": outcome,
            "opened_by_id": coach,
            "opened_at": opened,
            "closes_at": closes,
            "closed_at": closed_at,
            "closed_early": False,
            "quorum_min": rng.choice((0, 0, 5)),
            "quorum_each_tier": False,
            "reminded_at": None,
            "decision_statement": (
                f"Decision ({outcome}): thank you all; see how your comments were answered."
                if decided
                else ""
            ),
            "decided_version_id": version["id"] if decided else None,
            "decided_by_id": coach if decided else None,
            "decided_at": decided,
        }
    )
    last = min(closes, now)
    group = scale.groups[procedure["team_id"]]
    for user_id, account_id, tier_id in rng.sample(group, int(len(group) * rng.uniform(0.3, 0.8))):
        revisions = rng.choices((1, 2, 3), (80, 15, 5))[0]
        moment = opened + (last - opened) * rng.uniform(0.05, 0.5)
        stance_id = len(rows.stances) + 1
        for revision in range(1, revisions + 1):
            kind = rng.choices(("support", "concern", "object"), (6, 3, 1))[0]
            reason = ""
            if kind != "support" or rng.random() < 0.3:
                reason = rng.choice(STANCE_REASONS).format(w=rng.choice(WORDS))
            rows.changes.append(
                {
                    "stance_id": stance_id,
                    "revision": revision,
                    "kind": kind,
                    "reason": reason,
                    "created_at": moment,
                }
            )
            if revision < revisions:
                moment += (last - moment) * rng.uniform(0.1, 0.5)
        first = rows.changes[-revisions]["created_at"]
        rows.stances.append(
            {
                "id": stance_id,
                "round_id": round_id,
                "user_id": user_id,
                "account_id": account_id,
                "tier_id": tier_id,
                "kind": kind,
                "reason": reason,
                "revision": revisions,
                "created_at": first,
                "updated_at": moment,
            }
        )
        if kind == "support":
            continue
        # Adoption needs every objection answered (at the latest revision); elsewhere some
        # comments wait, and a few answers are to a reason changed since.
        must = outcome == "adopted" and kind == "object"
        if not must and rng.random() >= (0.85 if outcome == "adopted" else 0.5):
            continue
        answered_revision = revisions
        if not must and outcome in ("open", "closed") and revisions > 1 and rng.random() < 0.4:
            answered_revision = revisions - 1
        rows.answers.append(
            {
                "stance_id": stance_id,
                "body": rng.choice(ANSWERS).format(w=rng.choice(WORDS)),
                "stance_revision": answered_revision,
                "change_number": None,
                "answered_by_id": coach,
                "answered_at": min(now, moment + timedelta(hours=rng.randrange(1, 30))),
            }
        )
    return decided or now


def _procedure_plan(story: str) -> list[str]:
    """The rounds a story goes through, oldest first."""
    return {
        "draft": [],
        "adopted": ["adopted"],
        "revised_then_adopted": ["revised", "adopted"],
        "open": ["open"],
        "adopted_then_open": ["adopted", "open"],
        "closed": ["closed"],
        "withdrawn": ["withdrawn"],
    }[story]


def procedures_and_rounds(scale: Scale) -> None:
    """Procedures in every state with their versions, review rounds, stances (with their
    history) and answers; some teams' procedures are copies of another team's (lineage).

    As the services make them: a round reviews the latest version, which is then frozen (a
    later edit or a revision makes the next version); a decision names the reviewed version;
    adoption moves `adopted_version_id` and needs every objection answered.
    """
    rng, now = scale.rng, scale.now
    per_team = max(len(PROCEDURE_STORIES), min(PROCEDURES_PER_TEAM, scale.requests // 2000))
    rows = _Rows()
    adopted_by_team: dict[int, list[dict]] = {}
    for team_id in scale.team_ids:
        coach = scale.members_by_team[team_id][0]
        copied: set[int] = set()
        for index in range(per_team):
            story = PROCEDURE_STORIES[index % len(PROCEDURE_STORIES)]
            created = now - timedelta(days=rng.randrange(120, 360))
            title = PROCEDURE_TITLES[(index + team_id) % len(PROCEDURE_TITLES)]
            text = _procedure_text(rng, title)
            source = None
            sources = [
                p
                for other, adopted in adopted_by_team.items()
                if other != team_id
                for p in adopted
                if p["id"] not in copied
            ]
            if index % 4 == 2 and sources:  # lineage: a copy of another team's procedure
                source = rng.choice(sources)
                copied.add(source["id"])
                text = dict(rows.versions[source["adopted_version_id"] - 1])
                text = {k: text[k] for k in ("title", "summary", "body", "customer_change")}
                created = max(created, source["adopted_at"] + timedelta(days=1))
            procedure = {
                "id": len(rows.procedures) + 1,
                "team_id": team_id,
                "function_id": rng.choice(scale.function_ids),
                "status": "draft",
                "adopted_from_id": source["id"] if source else None,
                "adopted_version_id": None,
                "adopted_at": None,
                "created_by_id": coach,
                "created_at": created,
            }
            rows.procedures.append(procedure)
            version = rows.version(procedure, text, created)
            moment = created
            for outcome in _procedure_plan(story):
                if outcome == "open":
                    opened = now - timedelta(days=rng.randrange(1, 10))
                elif outcome == "closed":
                    opened = now - timedelta(days=20)
                else:
                    opened = moment + timedelta(days=3)
                moment = _round(scale, rows, procedure, version, opened, outcome)
                if outcome in ("open", "closed"):
                    procedure["status"] = "in_review"
                elif outcome == "withdrawn":
                    procedure["status"] = "withdrawn"
                elif outcome == "revised":
                    procedure["status"] = "draft"
                    text = dict(text, body=text["body"] + "\n4. Tell the customer the next step.")
                    version = rows.version(procedure, text, moment)
                else:  # adopted
                    procedure["status"] = "adopted"
                    procedure["adopted_version_id"] = version["id"]
                    procedure["adopted_at"] = moment
                    if story == "adopted_then_open":  # edited after adoption: a new version
                        text = dict(text, summary=text["summary"] + " Now with photos.")
                        version = rows.version(procedure, text, moment + timedelta(days=1))
            procedure["updated_at"] = moment
            if procedure["adopted_version_id"] and procedure["status"] != "withdrawn":
                adopted_by_team.setdefault(team_id, []).append(procedure)
    # The mutual foreign keys: procedures first without their adopted version, then the
    # versions, then the adopted version set.
    adopted = {p["id"]: p["adopted_version_id"] for p in rows.procedures if p["adopted_version_id"]}
    _insert(Procedure, [p | {"adopted_version_id": None} for p in rows.procedures])
    _insert(ProcedureVersion, rows.versions)
    table = Procedure.__table__
    for procedure_id, version_id in adopted.items():
        db.session.execute(
            table.update().where(table.c.id == procedure_id).values(adopted_version_id=version_id)
        )
    _insert(ReviewRound, rows.rounds)
    _insert(Stance, rows.stances)
    _insert(StanceChange, rows.changes)
    _insert(StanceAnswer, rows.answers)


# ---- insights: surveys, goals, internal checks ----------------------------------------------

SURVEYS_PER_QUARTER = 3  # accounts surveyed per team per quarter, over the last four quarters


def surveys_goals_and_checks(scale: Scale) -> None:
    """Relationship surveys (invitations, responses, a score per active dimension), four
    goals per team as the demo sets them, and the coach's checks of recent resolved work."""
    from ..domain.insights import period_containing
    from ..insights.services import ensure_dimensions

    rng, now = scale.rng, scale.now
    ensure_dimensions()  # migration 0013 inserts them; a database made by create_all has none
    dimensions = db.session.scalars(
        select(ServiceDimension.id)
        .where(ServiceDimension.active.is_(True))
        .order_by(ServiceDimension.position, ServiceDimension.id)
    ).all()
    surveys, invitations, responses, scores, goals, checks = [], [], [], [], [], []
    this_month = period_containing("month", now.date())
    for team_id, accounts in sorted(_accounts_by_team(scale).items()):
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
    _insert(Survey, surveys)
    _insert(SurveyInvitation, invitations)
    _insert(SurveyResponse, responses)
    _insert(SurveyScore, scores)
    _insert(Goal, goals)
    _insert(InternalCheck, checks)


# The generator, in order; a new aggregate is one more step.
STEPS: list[Callable[[Scale], None]] = [
    reference_data,
    teams_and_staff,
    accounts_and_contacts,
    requests_and_timelines,
    reference_groups,
    procedures_and_rounds,
    surveys_goals_and_checks,
]


def _fix_sequences(tables: Iterable) -> None:
    """Ids were given explicitly; PostgreSQL's sequences must continue after them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c:
            continue
        # Table names come from our own metadata, never from input.
        name = table.name
        statement = (
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "  # noqa: S608
            f'COALESCE((SELECT MAX(id) FROM "{name}"), 1), '
            f'(SELECT MAX(id) FROM "{name}") IS NOT NULL)'
        )
        db.session.execute(text(statement))


def seed_scale(requests: int, seed: int, now: datetime | None = None, log=print) -> Scale:
    """Run every step into an empty, migrated database; commit; refresh planner statistics."""
    import time as timer

    if db.session.scalar(select(func.count(User.id))):
        raise RuntimeError("The database already has people; seed-scale needs an empty one.")
    now = now or datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    scale = Scale(requests=requests, seed=seed, now=now)
    for step in STEPS:
        started = timer.perf_counter()
        step(scale)
        log(f"  {step.__name__:<24} {timer.perf_counter() - started:6.1f} s")
    _fix_sequences(db.metadata.sorted_tables)
    last_contact.refresh(db.session)  # the entries went in by bulk insert, past the ORM
    activity.touch(db.session, None)  # and so did the requests
    db.session.commit()
    # Planner statistics; on PostgreSQL VACUUM also sets the visibility map, without which
    # no index-only scan happens until autovacuum gets round to it.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE")
        )
    counted = (Team, User, Account, Contact, Request, Entry, Handoff, Rating)
    counted += (ReferenceMembership, Procedure, ProcedureVersion, ReviewRound, Stance)
    counted += (StanceChange, StanceAnswer, Survey, SurveyResponse, SurveyScore, Goal)
    for model in counted:
        scale.counts[model.__tablename__] = db.session.scalar(
            select(func.count()).select_from(model)
        )
    return scale
