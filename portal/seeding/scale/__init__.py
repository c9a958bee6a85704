"""`flask --app portal seed-scale`: a large, deterministic organisation for the benchmark.

About 10 teams, 150 staff with skills, 5,000 accounts across tiers, 20,000 contacts and, at
200,000 requests, about 1,000,000 entries, with handoffs, clock pauses and ratings. Rows go
in with SQLAlchemy Core `insert()` executemany in chunks, never through the ORM, so 200,000
requests take well under 3 minutes on SQLite.

The generator is a list of steps, one per aggregate (`STEPS`); each takes the shared
`Scale` context (context.py), appends its rows and records in the context what later
steps need. The steps live by what they seed: organisation.py, timelines.py (requests),
reviews.py (procedures and the reference group) and insights.py. A new aggregate is one
more step appended to the list.

Service clocks come from the app's own code: each team's calendar from
`clock.team_calendar`, each request's due times from `clock.due_times_for` and its
first-response minutes from `clock.business_minutes`, the functions `clock.recompute` and
the services use (tests/bench/test_scale.py checks the rows against `recompute`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from ...extensions import db
from ...models import (
    Account,
    Contact,
    Entry,
    Goal,
    Handoff,
    Procedure,
    ProcedureVersion,
    Rating,
    ReferenceMembership,
    Request,
    ReviewRound,
    Stance,
    StanceAnswer,
    StanceChange,
    Survey,
    SurveyResponse,
    SurveyScore,
    Team,
    User,
)
from ...requests import activity, last_contact
from .context import BENCH_PEOPLE, GENERATOR_VERSION, LONG_REQUEST_ENTRIES, Scale
from .insights import surveys_goals_and_checks
from .organisation import accounts_and_contacts, reference_data, teams_and_staff
from .reviews import procedures_and_rounds, reference_groups
from .timelines import requests_and_timelines

__all__ = ["BENCH_PEOPLE", "GENERATOR_VERSION", "LONG_REQUEST_ENTRIES", "Scale", "seed_scale"]

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
