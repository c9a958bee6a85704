"""The cluster suite's world: a PostgreSQL database of its own, a Redis of its own (so a test
may restart it), and two gunicorn app servers behind HAProxy (bench/cluster.py), started once
for the session and always stopped.

Missing HAProxy, PostgreSQL or redis-server skips the suite, except under CI, where it fails.
The in-process `app` here is bound to the cluster's database: tests build their people and
requests with the usual factories, then act only through HTTP.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from bench.cluster import (
    Cluster,
    ClusterError,
    die_with_parent,
    find_haproxy,
    free_port,
    sqlalchemy_url,
)
from portal import create_app
from portal.extensions import db
from tests.conftest import TEST_CONFIG, _postgres_database

from .web import Browser

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _missing(what: str) -> None:
    message = f"cluster suite: {what}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (under CI that is a failure)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _stop_cleanly_on_sigterm():
    """A run stopped with SIGTERM (a timeout, CI) unwinds like Ctrl-C, so the fixtures stop
    the servers they started; a SIGKILL is covered by the servers' parent-death signal."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def cluster_database():
    try:
        sa.create_engine(sqlalchemy_url(ADMIN_URL)).connect().close()
    except sa.exc.OperationalError as error:
        _missing(f"PostgreSQL does not answer at {ADMIN_URL}: {error.orig}")
    url, drop = _postgres_database(ADMIN_URL, f"onestop_cluster_test_{uuid.uuid4().hex[:10]}")
    yield url
    drop()


@pytest.fixture(scope="session")
def app(cluster_database, tmp_path_factory):
    """In-process, on the cluster's database: for factories and for reading what was stored."""
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": cluster_database,
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Replaces the suite's: the servers share this database for the whole session, so
    nothing is wiped; each test makes its own team, accounts and people."""
    with app.test_request_context():
        yield
        db.session.rollback()
        db.session.remove()


class RedisServer:
    """A redis-server of the tests' own on a loopback port, appending every write to disk
    (appendfsync always), so a restart keeps what it had."""

    def __init__(self, directory: Path):
        self.binary = shutil.which("redis-server")
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own redis-server, our arguments)
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "yes",
            ],
            stdout=(self.directory / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.client().ping():
                    return
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise ClusterError(
                        f"redis-server did not start; see {self.directory}"
                    ) from None
                time.sleep(0.05)

    def kill(self) -> None:
        """`kill -9`: what fsync'ed to its append-only file is all it keeps."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis-server shuts down cleanly
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    if shutil.which("redis-server") is None:
        _missing("redis-server is not installed (apt-get install -y redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster(app, cluster_database, redis_server, tmp_path_factory):
    if find_haproxy() is None:
        _missing("HAProxy is not installed (make cluster-deps)")
    workdir = tmp_path_factory.mktemp("cluster")  # logs stay for a look after a failure
    env = {
        "SECRET_KEY": "cluster-tests-" + uuid.uuid4().hex,
        "UPLOAD_FOLDER": str(workdir / "uploads"),
        "MAIL_BACKEND": "console",
    }
    with Cluster(cluster_database, redis_server.url, env=env, workdir=workdir) as running:
        yield running


@pytest.fixture
def proxy(cluster) -> Browser:
    """A fresh browser (no cookies) pointed at HAProxy."""
    return Browser(cluster.url)


def browser_at(cluster, name: str, like: Browser | None = None) -> Browser:
    """A browser addressing app server `name` directly, with `like`'s cookies if given."""
    url = cluster.servers[name].url
    return like.at(url) if like is not None else Browser(url)
