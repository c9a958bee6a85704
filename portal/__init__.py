"""Onestop: the customer team portal."""

from __future__ import annotations

import select
from pathlib import Path

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from . import config as config_module
from .extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config_module.load(Path(app.instance_path), config))
    _configure_database(app)

    db.init_app(app)
    from .requests.search import include_object

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), include_object=include_object)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are revoked by version instead
    csrf.init_app(app)
    limiter.init_app(app)

    from . import caching, static_files, web
    from .requests import activity, last_contact, timeline

    # Session hooks: the cache stamps, Team.activity and Account.last_contact_at; a mapper
    # hook: each entry's drawn body.
    caching.install(app)
    activity.install()
    last_contact.install()
    timeline.install()
    web.install(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    static_files.install(app)

    from .cli import register as register_cli

    register_cli(app)

    from .access import check_every_view_has_a_policy

    check_every_view_has_a_policy(app)
    from .revalidation import check_registered_policies

    check_registered_policies(app)
    return app


def _configure_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        # A writer waits for the lock instead of failing at once under concurrent posts.
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    for target, name, hook in (
        (Engine, "connect", _sqlite_pragmas),
        (Engine, "savepoint", _sqlite_savepoint),
        (Pool, "checkout", _drop_connections_the_server_closed),
    ):
        if not event.contains(target, name, hook):
            event.listen(target, name, hook)


def _sqlite_pragmas(dbapi_connection, _record):
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _drop_connections_the_server_closed(dbapi_connection, _record, _proxy):
    """A pooled PostgreSQL connection the server has ended (a restart, `pg_terminate_backend`,
    an idle timeout) is replaced before the request uses it, without a round trip.

    An idle connection has nothing to read: every answer was read with its statement, and we
    never LISTEN. So anything waiting on its socket is the server's goodbye (its FATAL
    message, then end of file). Raising DisconnectionError here is SQLAlchemy's documented
    way for a checkout check to refuse a connection: the pool discards it and connects
    afresh. `pool_pre_ping` asked the server instead, a round trip on every checkout.

    A connection that dies while a request is using it still fails that request (a 500, its
    transaction rolled back); SQLAlchemy then invalidates the pool's older connections, and
    this check replaces them one by one as they are checked out.
    """
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("the connection is closed")
    try:
        waiting = select.poll()
        waiting.register(dbapi_connection.fileno(), select.POLLIN)
        closed_by_server = bool(waiting.poll(0))
    except Exception:  # no socket left to ask (psycopg, the OS or select may say so)
        closed_by_server = True
    if closed_by_server:
        raise exc.DisconnectionError("the server closed the connection")


def _sqlite_savepoint(conn, _name):
    """Python's sqlite3 (before 3.12's `autocommit=False`) opens a transaction only before
    INSERT, UPDATE and DELETE. A SAVEPOINT sent outside one starts a transaction of its own,
    and its RELEASE commits it: a `begin_nested()` that is the request's first write would
    commit its rows at once, apart from everything written after it (a request without its
    events and its outbox mail). BEGIN IMMEDIATE opens the real transaction first, taking
    the write lock under the busy timeout, as the INSERT that follows would anyway.

    Only here, not for every transaction (SQLAlchemy's "emit BEGIN yourself" recipe): reads
    then stay outside transactions, so a write never has to upgrade a read snapshot, which
    SQLite refuses at once ("database is locked") when another writer committed meanwhile.
    """
    raw = conn.connection.dbapi_connection
    if type(raw).__module__ == "sqlite3" and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def _register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .customer import bp as customer_bp
    from .handoffs import bp as handoffs_bp
    from .inbox import bp as inbox_bp
    from .insights import bp as insights_bp
    from .invitations import bp as invitations_bp
    from .main import bp as main_bp
    from .procedures import bp as procedures_bp
    from .reference_group import bp as reference_bp
    from .workspace import bp as workspace_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(customer_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(handoffs_bp)
    app.register_blueprint(procedures_bp)
    app.register_blueprint(reference_bp)
    app.register_blueprint(insights_bp)


def _register_template_helpers(app: Flask) -> None:
    from .caching import drawn
    from .forms import TYPING_ATTRS, shortcuts_on
    from .htmx import is_partial
    from .inbox import timelines
    from .navigation import navigation_for
    from .richtext import render_markdown

    app.jinja_env.globals["is_partial"] = is_partial
    app.jinja_env.globals["shortcuts_on"] = shortcuts_on
    app.jinja_env.globals["typing_attrs"] = TYPING_ATTRS
    app.jinja_env.globals["timeline_drawn"] = timelines.drawn
    app.jinja_env.globals["drawn"] = drawn
    app.jinja_env.filters["markdown"] = render_markdown

    @app.context_processor
    def page_context():
        from flask_login import current_user

        return {"navigation": navigation_for(current_user)}
