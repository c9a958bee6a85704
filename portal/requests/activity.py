"""Each team's `activity` number: it moves with every change to the team's requests or
handoffs, in the same transaction as the change.

The inbox's poll answered "has anything changed?" by aggregating the team's open requests
(counts, versions, the latest activity) on every poll of every member; its page built the
same counts on every load. Both now compare this number instead, and the inbox keeps what
it rendered for a given number (portal/caching.py). A timestamp such as the latest
`updated_at` would not do: a transaction that began earlier can commit later with an older
stamp, and two servers' clocks differ. An increment cannot go backwards.

Changes made through the ORM are counted here, whatever made them (a service, the demo, a
test), when their transaction commits; a bulk write that bypasses the ORM calls `touch`
itself.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..models import HANDOFF_OPEN, Handoff, Request, Team, utcnow
from .listing import shown

_PENDING = "onestop.activity_teams"  # in session.info: teams changed, counted at commit


def touch(session: Session, team_ids) -> None:
    """Count a change for these teams (all teams when `team_ids` is None)."""
    statement = update(Team).values(activity=Team.activity + 1)
    if team_ids is not None:
        team_ids = sorted(set(team_ids))  # one order for every writer: no lock cycles
        if not team_ids:
            return
        statement = statement.where(Team.id.in_(team_ids))
    session.connection().execute(statement.execution_options(synchronize_session=False))


def changed(session: Session, *team_ids: int) -> None:
    """Count a change for these teams when the transaction commits: what the flush hook
    collects, and a change the ORM cannot see (a row written with Core)."""
    session.info.setdefault(_PENDING, set()).update(team_ids)


def _teams_of(session: Session, request_ids: set[int]) -> set[int]:
    if not request_ids:
        return set()
    return set(
        session.connection().scalars(select(Request.team_id).where(Request.id.in_(request_ids)))
    )


_UNKNOWN = object()


def _before(state, name: str):
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.added:  # set while unloaded (after a commit, say): the old value was not read
        return _UNKNOWN
    return getattr(state.obj(), name)


def _out_of_sight(request: Request, now) -> bool:
    """An edit to a long-closed request that no view lists, before or after the edit (a
    handoff still open on it keeps it in Handoffs for me, checked by the caller). When the
    old state is unknown the edit counts."""
    state = inspect(request)
    if state.pending:
        return False
    before = (_before(state, "status"), _before(state, "resolved_at"))
    if _UNKNOWN in before:
        return False
    return not shown(request.status, request.resolved_at, now) and not shown(*before, now)


def _count_changes(session: Session, _context) -> None:
    now = utcnow()
    teams: set[int] = set()
    handed: set[int] = set()
    unseen: dict[int, int] = {}  # request id -> team id, for edits no view may show
    written = [*session.new, *session.deleted]
    written += [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in written:
        if isinstance(obj, Request):
            if _out_of_sight(obj, now):
                unseen[obj.id] = obj.team_id
                continue
            teams.add(obj.team_id)
            # A request moved to another team leaves the old team's inbox too.
            teams.update(t for t in inspect(obj).attrs.team_id.history.deleted if t)
        elif isinstance(obj, Handoff):
            handed.add(obj.request_id)
            handed.update(r for r in inspect(obj).attrs.request_id.history.deleted if r)
    if unseen:
        still_handed = session.connection().scalars(
            select(Handoff.request_id).where(
                Handoff.request_id.in_(unseen), Handoff.status == HANDOFF_OPEN
            )
        )
        teams.update(unseen[request_id] for request_id in still_handed)
    teams |= _teams_of(session, handed - {None})
    teams.discard(None)
    changed(session, *teams)


def _count_at_commit(session: Session) -> None:
    # The team's row is updated as the transaction ends, not at its first flush: on
    # PostgreSQL, writers to one team then queue for the commit alone, not for each
    # other's whole transaction.
    session.flush()  # what the commit would flush is collected first
    teams = session.info.pop(_PENDING, None)
    if teams:
        touch(session, teams)


def _forget(session: Session, previous_transaction) -> None:
    # Only the whole transaction's rollback: a savepoint rolled back inside it leaves the
    # changes flushed before it, which will still commit.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def install() -> None:
    """Called by `create_app`: the session hooks that count each team's changes."""
    for name, hook in (
        ("after_flush", _count_changes),
        ("before_commit", _count_at_commit),
        ("after_soft_rollback", _forget),
    ):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
