"""PostgreSQL ends every app server connection (`pg_terminate_backend`, as a restart does):
the next requests succeed, with no ping per checkout. Only a request that was using its
connection at that moment may fail (a 500, nothing half-written), at most one per worker.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from flask import url_for

from portal.extensions import db
from portal.models import COACH
from tests import factories

from .conftest import browser_at
from .web import Browser

pytestmark = pytest.mark.cluster


@pytest.fixture
def server_connections(app, cluster):
    """Ends the app servers' connections to the cluster database, from a connection of its
    own; returns how many it ended (waiting until the server has let them go)."""
    admin = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    name = db.engine.url.database

    def terminate() -> list[int]:
        db.session.remove()
        db.engine.dispose()  # the test's own pool is not a server's
        with admin.connect() as conn:
            pids = conn.scalars(
                sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = :name "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                ),
                {"name": name},
            ).all()
            conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) pid"),
                {"pids": pids},
            )
            deadline = time.monotonic() + 10
            while conn.scalar(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": pids},
            ):
                assert time.monotonic() < deadline, "PostgreSQL kept the connections"
                time.sleep(0.05)
                conn.rollback()
        return pids

    yield terminate
    admin.dispose()


def _people(tag: str):
    team = factories.make_team(f"Restart {tag}")
    account = factories.make_account(team, name=f"Restart account {tag}")
    contact = factories.make_contact(account)
    for n in range(3):
        factories.make_request(account, contact, status="open", subject=f"Restart {tag} {n}")
    coach = factories.make_member(team, role=COACH)
    db.session.commit()
    return team.id, coach.email


def test_the_next_requests_after_the_connections_end_succeed(cluster, server_connections):
    team_id, email = _people("next")
    coach = Browser(cluster.url).sign_in(email)
    inbox = url_for("inbox.index", team_id=team_id)
    servers = [browser_at(cluster, name, coach) for name in cluster.servers]
    for at in servers:  # every worker holds a pooled connection
        assert [at.get(inbox).status for _ in range(6)] == [200] * 6

    ended = server_connections()
    assert len(ended) >= len(servers), "the servers had no connections to end"

    for at in servers:
        assert [at.get(inbox).status for _ in range(6)] == [200] * 6
    assert Browser(cluster.url).get(url_for("main.health")).status == 200
    # Both stay in the proxy's rotation. A health check that was using its connection at
    # that moment may have failed once, which shows as "UP 1/2" until the next check.
    states = cluster.states()
    assert all(state.startswith("UP") for state in states.values()), states


def test_only_requests_in_flight_may_fail(cluster, server_connections):
    team_id, email = _people("flight")
    coach = Browser(cluster.url).sign_in(email)
    inbox = url_for("inbox.index", team_id=team_id)
    answers: list[tuple[float, int | str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    ended_at = {}

    def reader(at: Browser) -> None:
        for _ in range(400):  # bounded, whatever the clock says
            if stop.is_set():
                return
            started = time.monotonic()
            try:
                status = at.get(inbox).status
            except OSError as error:
                status = type(error).__name__
            with lock:
                answers.append((started, status))

    threads = [
        threading.Thread(target=reader, args=(browser_at(cluster, name, coach),), daemon=True)
        for name in cluster.servers
        for _ in range(2)  # as many readers as each server has workers
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        ended_at["start"] = time.monotonic()
        ended = server_connections()
        ended_at["done"] = time.monotonic()
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    workers = sum(server.workers for server in cluster.servers.values())
    failed = [(t, s) for t, s in answers if s != 200]
    assert ended, "nothing to end"
    assert len(failed) <= workers, f"{len(failed)} failed: {failed}"
    # Each failure was a request already under way when the connections were ended.
    assert all(t <= ended_at["done"] for t, _ in failed), (failed, ended_at)
    after = [s for t, s in answers if t > ended_at["done"]]
    assert after and set(after) == {200}
    print(f"\n{len(answers)} requests, {len(failed)} failed in flight: {[s for _, s in failed]}")
