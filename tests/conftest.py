"""Fixtures: one app and one migrated database per run, emptied between tests.

The database is SQLite (a file, so a live server thread sees the test's rows) unless
TEST_DATABASE_URL points at PostgreSQL; then the run creates and drops its own database.
"""

from __future__ import annotations

import contextvars
import os
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

from portal import caching, create_app
from portal.extensions import db, limiter
from portal.models import COACH, User

from . import factories


def pytest_collection_modifyitems(config, items):
    """tests/cluster/ (marked `cluster`) starts app servers, HAProxy and Redis and takes a
    minute or two: it runs when asked for by marker (`-m cluster`, as `make test-cluster`
    does), never as part of a plain run."""
    if "cluster" in (config.option.markexpr or ""):
        return
    cluster = [item for item in items if item.get_closest_marker("cluster")]
    if cluster:
        config.hook.pytest_deselected(items=cluster)
        items[:] = [item for item in items if not item.get_closest_marker("cluster")]


def _postgres_database(base_url: str, name: str) -> tuple[str, callable]:
    """Create database `name` next to `base_url`'s; return its URL and a dropper."""
    parts = urlsplit(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(urlunsplit(parts), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = urlunsplit(parts._replace(path="/" + name))

    def drop():
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        url, drop = _postgres_database(pg, f"onestop_test_{uuid.uuid4().hex[:10]}")
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "RATELIMIT_ENABLED": False,
    "MAIL_BACKEND": "console",
    "BASE_URL": "http://localhost",
    "SERVER_NAME": None,
    # Tests' receivers listen on 127.0.0.1 over plain http; tests send with deliver_due().
    "WEBHOOK_ALLOW_LOOPBACK": True,
    "WEBHOOKS_AFTER_RESPONSE": False,
    "MAIL_SEND_AFTER_RECEIPT": False,
}


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as it would in production.

    A test holds an app context for its factories; Flask would reuse it for requests made
    inside the test, sharing `g` (and the signed-in user) between them. Running each request
    in a fresh context avoids that. The test's pending rows are committed first so the request
    sees them, and the test's objects are expired after so it sees the request's writes.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            if has_app_context():
                db.session.expire_all()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Every test starts on empty tables, inside a request context so `url_for` works."""
    with app.test_request_context():
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    if limiter.enabled:
        limiter.reset()
    caching.clear()  # ids and stamps repeat between tests; cached values must not
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def login_as(client):
    """Sign a person in on `client` the way the sign-in view does (a session row, its token
    in the cookie), without hashing a password."""
    from portal.auth.services import open_session
    from portal.sessions import SESSION_ROW_KEY

    def sign_in(user: User, on=None):
        target = on or client
        token = open_session(user)
        db.session.commit()
        with target.session_transaction() as session:
            session.clear()
            now = time.time()
            session.update(
                {
                    "_user_id": user.get_id(),
                    "_fresh": True,
                    "auth_at": now,
                    "seen_at": now,
                    SESSION_ROW_KEY: token,
                }
            )
            session.permanent = True
        return target

    return sign_in


@pytest.fixture
def limited_app(app):
    """An app built as in production, with rate limits on. The suite's app runs with
    RATELIMIT_ENABLED=False, and Flask-Limiter then never initialises on it (no storage, no
    hooks, every request exempt), so flipping `limiter.enabled` on that app tests nothing.
    The shared limiter is turned off again afterwards."""
    throwaway = create_app(
        {
            **TEST_CONFIG,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )
    limiter.reset()
    try:
        yield throwaway
    finally:
        limiter.reset()
        limiter.enabled = False
        with throwaway.app_context():
            db.engine.dispose()


@dataclass
class World:
    """Two teams, two accounts in Team X and one in Team Y, one person per role: the cast of
    the access matrix. Account A2 shares Team X with Account A: most leaks hide between two
    accounts of one team, where every team-level check passes."""

    team_x: object
    team_y: object
    tier: object
    account_a: object
    account_a2: object
    account_b: object
    contact_a: User
    contact_a2: User
    contact_b: User
    member_x: User
    member_y: User
    coach_x: User
    admin: User
    function: object


@pytest.fixture
def world(app) -> World:
    team_x = factories.make_team("Team X")
    team_y = factories.make_team("Team Y")
    tier = factories.make_tier("Key", 1)
    account_a = factories.make_account(team_x, tier, "Account A")
    account_a2 = factories.make_account(team_x, tier, "Account A2")
    account_b = factories.make_account(team_y, tier, "Account B")
    w = World(
        team_x=team_x,
        team_y=team_y,
        tier=tier,
        account_a=account_a,
        account_a2=account_a2,
        account_b=account_b,
        contact_a=factories.make_contact(account_a, name="Contact A"),
        contact_a2=factories.make_contact(account_a2, name="Contact A2"),
        contact_b=factories.make_contact(account_b, name="Contact B"),
        member_x=factories.make_member(team_x, name="Member X"),
        member_y=factories.make_member(team_y, name="Member Y"),
        coach_x=factories.make_member(team_x, role=COACH, name="Coach X"),
        admin=factories.make_user(is_admin=True, name="Admin"),
        function=factories.make_function("Billing", customer_label="a bill"),
    )
    db.session.commit()
    return w


def outbox(app):
    """Messages queued so far, oldest first."""
    from portal.models import OutboxMessage

    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
