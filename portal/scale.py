"""`flask --app portal seed-scale`: a large, deterministic organisation for the benchmark.

About 10 teams, 150 staff with skills, 5,000 accounts across tiers, 20,000 contacts and, at
200,000 requests, about 1,000,000 entries, with handoffs, clock pauses and ratings. Rows go
in with SQLAlchemy Core `insert()` executemany in chunks, never through the ORM, so 200,000
requests take well under 3 minutes on SQLite.

The generator is a list of steps, one per aggregate (`STEPS`); each takes the shared
`Scale` context, appends its rows and records in the context what later steps need. A new
aggregate (procedures, rounds, stances) is one more step appended to the list.

Service clocks are computed with the same calendars and rules as portal/requests/clock.py
(`recompute`): due times are business time from creation, the running target first
response until answered then resolution, nothing running while paused or done. A request is
one bisect in a precomputed table of the team's working intervals instead of a day-by-day
walk (`FastClock`); tests/bench/test_scale.py checks it against `add_business_time`.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text

from .domain.business_hours import Calendar, add_business_time, working_intervals
from .domain.service_clock import AT_RISK_SHARE
from .extensions import db
from .models import (
    COACH,
    CONTACT,
    MEMBER,
    STAFF,
    Account,
    ClockPause,
    Contact,
    Entry,
    Function,
    Handoff,
    Holiday,
    Membership,
    Rating,
    Request,
    ServiceLevel,
    Skill,
    Team,
    Tier,
    User,
    WorkingHours,
)
from .requests import last_contact

CHUNK = 5000
# Bump when the generated data changes shape: the bench's cache is keyed on it.
GENERATOR_VERSION = 1
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
    clocks: dict[int, FastClock] = field(default_factory=dict)
    members_by_team: dict[int, list[int]] = field(default_factory=dict)
    staff_ids: list[int] = field(default_factory=list)
    account_team: list[int] = field(default_factory=list)  # index = account id
    account_tier: list[int] = field(default_factory=list)
    contacts_by_account: dict[int, list[int]] = field(default_factory=dict)
    # (id, requester, status, created, first_response_at, resolved_at, assignee, team) rows.
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


class FastClock:
    """`add_business_time` for one calendar over a fixed range, by bisection.

    Equal to `add_business_time(calendar, start, duration, pauses)` for at most one pause
    (tested); outside the precomputed range it falls back to the real function.
    """

    def __init__(self, calendar: Calendar, first_day: date, last_day: date):
        self.calendar = calendar
        self.begins: list[datetime] = []
        self.ends_cum: list[timedelta] = []
        self.before: list[timedelta] = []
        total = timedelta(0)
        for begin, end in working_intervals(calendar, first_day, last_day):
            self.begins.append(begin)
            self.before.append(total)
            total += end - begin
            self.ends_cum.append(total)
        self.lengths = [c - b for c, b in zip(self.ends_cum, self.before, strict=True)]

    def _worked(self, moment: datetime) -> timedelta:
        """Business time from the range start to `moment`."""
        i = bisect_right(self.begins, moment) - 1
        if i < 0:
            return timedelta(0)
        return self.before[i] + min(moment - self.begins[i], self.lengths[i])

    def _instant(self, worked: timedelta) -> datetime | None:
        j = bisect_left(self.ends_cum, worked)
        if j >= len(self.begins):
            return None
        return self.begins[j] + (worked - self.before[j])

    def add(self, start: datetime, duration: timedelta, pause=None) -> datetime:
        result = None
        if self.begins and self.begins[0] <= start and (pause is None or pause[0] >= start):
            target = self._worked(start) + duration
            if pause is not None and target > self._worked(pause[0]):
                # The working time inside the pause does not count: skip over it.
                target += self._worked(pause[1]) - self._worked(pause[0])
            result = self._instant(target)
        if result is None:
            return add_business_time(self.calendar, start, duration, [pause] if pause else [])
        return result


def service_clock(scale: Scale, team_id: int, tier_id: int, urgency: str, row: dict, pause):
    """The clock fields `clock.recompute` would set on `row`."""
    level = scale.levels.get((tier_id, urgency))
    if level is None:
        return dict.fromkeys(
            ("first_response_due_at", "resolution_due_at", "next_due_at", "next_at_risk_at")
        )
    first, resolution = level
    fast = scale.clocks[team_id]
    created = row["created_at"]
    fields = {
        "first_response_due_at": fast.add(created, timedelta(minutes=first), pause),
        "resolution_due_at": fast.add(created, timedelta(minutes=resolution), pause),
        "next_due_at": None,
        "next_at_risk_at": None,
    }
    if row["status"] in ("new", "open") and pause is None:
        target = first if row["first_response_at"] is None else resolution
        fields["next_due_at"] = fast.add(created, timedelta(minutes=target))
        fields["next_at_risk_at"] = fast.add(
            created, timedelta(minutes=target * (1 - AT_RISK_SHARE))
        )
    return fields


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
    from .auth.passwords import hash_password
    from .demo import DEMO_PASSWORD
    from .requests.clock import team_calendar

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
    first_day = (now - timedelta(days=2 * 366 + 5)).date()
    last_day = (now + timedelta(days=400)).date()
    for team in teams:
        calendar = team_calendar(SimpleNamespace(id=team["id"], timezone=team["timezone"]))
        scale.clocks[team["id"]] = FastClock(calendar, first_day, last_day)

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
        pause = None
        if status == "waiting_on_customer":
            started = min(now, last + timedelta(minutes=1))
            pauses.append({"request_id": request_id, "started_at": started, "ended_at": None})
            pause = (started, now)
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
        row.update(
            service_clock(scale, team_id, scale.account_tier[account_id], urgency, row, pause)
        )
        requests.append(row)
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


# The generator, in order. Procedures, review rounds and stances add a step here.
STEPS: list[Callable[[Scale], None]] = [
    reference_data,
    teams_and_staff,
    accounts_and_contacts,
    requests_and_timelines,
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
    db.session.commit()
    # Planner statistics; on PostgreSQL VACUUM also sets the visibility map, without which
    # no index-only scan happens until autovacuum gets round to it.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE")
        )
    for model in (Team, User, Account, Contact, Request, Entry, Handoff, Rating):
        scale.counts[model.__tablename__] = db.session.scalar(
            select(func.count()).select_from(model)
        )
    return scale
