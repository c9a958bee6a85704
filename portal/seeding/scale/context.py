"""What the scale generator's steps share: the plan (`Scale`), its sizes and word lists,
the people the bench signs in as, and the chunked bulk insert every step writes with."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert

from ...domain.business_hours import Calendar
from ...extensions import db

CHUNK = 5000
# Bump when the generated data changes shape: the bench's cache is keyed on it.
GENERATOR_VERSION = 5
EMAIL_DOMAIN = "scale.example"
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


def insert_rows(model, rows: list[dict]) -> None:
    table = model.__table__
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start : start + CHUNK])


def accounts_by_team(scale: Scale) -> dict[int, list[int]]:
    by_team: dict[int, list[int]] = {}
    for account_id in range(1, scale.accounts + 1):
        by_team.setdefault(scale.account_team[account_id], []).append(account_id)
    return by_team
