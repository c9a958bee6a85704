"""`make bench`: Onestop against a bare Flask baseline, at scale, in the same run.

1. Data: `flask seed-scale` into a database kept under bench/data/, keyed on the seed, the
   size, the schema head and the generator's version (PostgreSQL: a template database). Each
   run works on a copy, so posted requests never leak into the next run.
2. Onestop (wsgi:app) and the baseline (bench/baseline.py) are served by gunicorn, 2 sync
   workers each, on free 127.0.0.1 ports.
3. People sign in through the real form (CSRF and all); their cookies go to `wrk`, which
   drives each endpoint from a second process: a warm-up, then `--runs` bounded runs of
   `--duration` seconds with `--connections` connections, every run under `timeout`. Reads go
   in rounds (every endpoint, then again) so noise spreads evenly; posts come last.
4. SQL statements per request are counted in-process with Flask's test client on the same
   database; worker memory is the peak resident size (VmHWM) of each gunicorn worker.
5. bench/results/latest.md and latest.json: each endpoint's median req/s and its ratio to the
   baseline page (or to /hello for the 304 poll), p50/p95/p99, bytes, SQL, budget, verdict.

Adding an endpoint is one `Endpoint(...)` in ENDPOINTS, plus the ids it needs in `targets()`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

# The data size the budgets are set for.
BUDGET_SIZE = 200_000
ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WRK = BENCH / "wrk"
PASSWORD = "onestop-demo-2026"  # the demo's, printed by `make demo` too  # noqa: S105
SEARCH_TERM = "pallet"
LIBRARY_TERM = "return"  # in some procedures' titles and steps (portal/seeding/scale.py)
POST_SUBJECT = "Bench: pallet count is short"


@dataclass
class Endpoint:
    """One measured URL. `path` is formatted with `targets()`; `compare` names the baseline
    the ratio is taken against ("page", "hello", or another endpoint's key)."""

    key: str
    title: str
    role: str | None  # "member", "coach", "contact", or None (no sign-in)
    path: str
    server: str = "onestop"  # or "baseline"
    compare: str | None = "page"
    min_ratio: float | None = None
    max_p95_ms: float | None = None
    max_sql: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    post: bool = False
    etag: bool = False  # send If-None-Match with the ETag of a first fetch (expects 304)
    # A latency budget is measured with one connection per worker, so p95 is the time a
    # request takes, not the time it queues behind 15 others.
    connections: int | None = None
    # A server-time budget: the median in-process render time (test client, one at a time).
    max_server_ms: float | None = None


HX = {"HX-Request": "true"}
ENDPOINTS = [
    Endpoint("page", "Baseline: 50 newest requests + account", None, "/requests", "baseline", None),
    Endpoint("hello", "Baseline: /hello", None, "/hello", "baseline", None),
    Endpoint(
        "inbox",
        "Inbox, default view (50 rows)",
        "member",
        "/teams/{team}/inbox",
        min_ratio=0.6,
        max_sql=6,
    ),
    Endpoint(
        "inbox_filtered",
        "Inbox, function + search term",
        "member",
        "/teams/{team}/inbox?function={function}&q=" + SEARCH_TERM,
        max_sql=6,
    ),
    Endpoint(
        "inbox_search",
        "Inbox search (p95)",
        "member",
        "/teams/{team}/inbox?q=" + SEARCH_TERM,
        max_p95_ms=50,
        max_sql=6,
        connections=2,
    ),
    Endpoint(
        "inbox_deep",
        "Inbox, deep page (keyset) vs page 1",
        "member",
        "/teams/{team}/inbox?after={deep_cursor}",
        compare="inbox",
        min_ratio=0.8,
        max_sql=6,
    ),
    Endpoint(
        "request_page",
        "Request page, 30 entries (member)",
        "member",
        "/teams/{team}/requests/{long_request}",
        min_ratio=0.45,
        max_sql=8,
    ),
    Endpoint("team_page", "Team workspace page (coach)", "coach", "/teams/{team}"),
    Endpoint(
        "my_requests", "Customer: My requests", "contact", "/portal/", min_ratio=0.55, max_sql=8
    ),
    Endpoint(
        "customer_request",
        "Customer: request page, 30 entries",
        "contact",
        "/portal/requests/{long_request}",
        min_ratio=0.55,
        max_sql=8,
    ),
    Endpoint(
        "poll_304",
        "htmx poll answered 304",
        "contact",
        "/portal/requests/{long_request}/updates",
        compare="hello",
        min_ratio=0.5,
        headers=HX,
        etag=True,
    ),
    Endpoint(
        "round_page",
        "Reference-group round page (contact)",
        "contact",
        "/portal/reference-group/rounds/{round}",
    ),
    Endpoint("library_search", "Library search (member)", "member", "/library?q=" + LIBRARY_TERM),
    Endpoint(
        "insights",
        "Team dashboard, monthly (coach)",
        "coach",
        "/teams/{team}/insights",
        max_server_ms=300,
    ),
    Endpoint("insights_review", "Weekly review (coach)", "coach", "/teams/{team}/insights/review"),
    Endpoint(
        "post_request",
        "Posting a new request (16 clients)",
        "contact",
        "/portal/requests/new",
        # A ratio, since machines differ: accepted posts per second against the page's.
        min_ratio=0.15,
        post=True,
    ),
]


# ---- data -------------------------------------------------------------------------------


def schema_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def data_key(args) -> str:
    from portal.seeding.scale import GENERATOR_VERSION

    # Any change to a migration (an index added in place, say) makes new data.
    migrations = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        migrations.update(path.read_bytes())
    text = (
        f"{args.seed}-{args.requests}-{schema_head()}-{migrations.hexdigest()}-"
        f"{GENERATOR_VERSION}-{args.db}"
    )
    return f"{args.requests}r-s{args.seed}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def flask(env: dict, *command: str, log=None) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", *command],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
        timeout=1800,
    )


def base_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "DATABASE_URL")}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-" + "x" * 40,
        ONESTOP_ENV="development",
        RATELIMIT_ENABLED="false",  # 16 clients post as one contact: measure the app, not the limit
        MAIL_BACKEND="console",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def seed(url: str, args, say) -> None:
    env = base_env(url)
    started = time.perf_counter()
    say(f"generating {args.requests:,} requests (seed {args.seed}) ...")
    flask(env, "db", "upgrade", log=subprocess.DEVNULL)
    flask(env, "seed-scale", "--requests", str(args.requests), "--seed", str(args.seed))
    say(f"generated in {time.perf_counter() - started:.0f} s")


def _pg_admin(base: str):
    import sqlalchemy as sa

    url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def _pg_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/" + name))


@contextmanager
def working_database(args, say):
    """A fresh copy of the cached data for this run; the cache is made when missing."""
    key = data_key(args)
    if args.db == "sqlite":
        data = Path(args.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        pristine = data / f"onestop-{key}.sqlite3"
        if args.no_cache:
            pristine = data / f"once-{os.getpid()}.sqlite3"
        if args.no_cache or not pristine.exists():
            making = data / f"making-{key}.sqlite3"
            making.unlink(missing_ok=True)
            seed(f"sqlite:///{making}", args, say)
            conn = sqlite3.connect(making)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            for suffix in ("-wal", "-shm"):
                Path(f"{making}{suffix}").unlink(missing_ok=True)
            making.rename(pristine)
        else:
            say(f"cached data: {pristine.name}")
        work = data / f"run-{os.getpid()}.sqlite3"
        if args.no_cache:
            pristine.rename(work)
        else:
            shutil.copyfile(pristine, work)
        try:
            yield f"sqlite:///{work}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{work}{suffix}").unlink(missing_ok=True)
        return
    import sqlalchemy as sa

    base = args.pg_url
    admin = _pg_admin(base)
    name = f"onestop_bench_{key.replace('-', '_')}"
    run = f"onestop_bench_run_{os.getpid()}"
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if args.no_cache:  # generated into the run's own database, dropped with it
            conn.execute(sa.text(f'CREATE DATABASE "{run}"'))
            seed(_pg_url(base, run), args, say)
        elif not exists:
            making = name + "_making"
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{making}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{making}"'))
            seed(_pg_url(base, making), args, say)
            conn.execute(sa.text(f'ALTER DATABASE "{making}" RENAME TO "{name}"'))
        else:
            say(f"cached data: database {name}")
        if not args.no_cache:
            conn.execute(sa.text(f'CREATE DATABASE "{run}" TEMPLATE "{name}"'))
    try:
        yield _pg_url(base, run)
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": run},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{run}"'))
        admin.dispose()


# ---- serving ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: str

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(self.port, "/favicon.ico")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start; see {self.log}") from None
                time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def peak_rss_mb(self) -> float:
        peaks = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return round(max(peaks), 1) if peaks else 0.0


@contextmanager
def serve(name: str, app: str, url: str, out: Path, chdir: Path = ROOT):
    port = free_port()
    log = (out / f"{name}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--chdir",
            str(chdir),
            app,
        ],
        env=base_env(url),
        cwd=chdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(name, port, process, log.name)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def fetch(port, path, method="GET", headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """One person's cookies against one server, kept up to date from Set-Cookie."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, path, method="GET", form=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, content = fetch(self.port, path, method, headers, body)
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                cookie, _, _ = value.partition(";")
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        return status, dict(response_headers), content

    def fresh_cookie(self, path="/") -> str:
        """The Cookie header as this person's browser holds it now. A browser keeps each
        Set-Cookie; wrk replays one header for a whole run, so a cookie taken at sign-in
        would, after the session's one-minute idle-clock step, be rewritten on every
        request of every later run (a signature and a Set-Cookie no browser would cost).
        Taken just before each run, the cookie is as fresh as a person's in use."""
        self.request(path)
        return self.cookie_header

    def csrf(self, path) -> str:
        _, _, content = self.request(path)
        match = CSRF.search(content.decode())
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def sign_in(self, email: str) -> Browser:
        token = self.csrf("/sign-in")
        status, _, _ = self.request(
            "/sign-in",
            "POST",
            {"email": email, "password": PASSWORD, "csrf_token": token, "next": ""},
        )
        if status not in (302, 303):
            raise RuntimeError(f"sign-in as {email} answered {status}")
        return self


# ---- what to measure ---------------------------------------------------------------------


def targets(url: str) -> dict:
    """Ids and cursors the endpoint paths need, read from the working database."""
    os.environ.update(base_env(url))
    from sqlalchemy import select

    from portal import create_app
    from portal.extensions import db
    from portal.inbox import queries
    from portal.models import Contact, Function, Procedure, Request, ReviewRound, User
    from portal.seeding.scale import BENCH_PEOPLE

    app = create_app({"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(url)})
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == BENCH_PEOPLE["member"]))
        contact = db.session.scalar(select(User).where(User.email == BENCH_PEOPLE["contact"]))
        long_request = db.session.scalar(
            select(Request.id)
            .where(Request.requester_id == contact.id, Request.status == "open")
            .order_by(Request.id.desc())
        )
        team = db.session.get(Request, long_request).team
        function = db.session.scalar(select(Function.id).order_by(Function.id))
        # The deepest keyset page of the default view, up to page 500.
        filters = queries.InboxFilter()
        query = queries._filtered(member, team, filters, queries.utcnow())
        total = db.session.scalar(
            query.with_only_columns(queries.func.count(Request.id)).order_by(None)
        )
        pages = max(1, -(-total // queries.PAGE_SIZE))
        deep_page = min(500, pages)
        cursor = ""
        if deep_page > 1:
            order = (
                Request.next_due_at.is_(None),
                Request.next_due_at,
                Request.created_at,
                Request.id,
            )
            row = db.session.scalars(
                query.order_by(*order).offset((deep_page - 1) * queries.PAGE_SIZE - 1).limit(1)
            ).first()
            cursor = quote(queries.encode_cursor(row), safe="")
        # An open round of the team, whose reference group the contact is in.
        round_id = db.session.scalar(
            select(ReviewRound.id)
            .join(Procedure, Procedure.id == ReviewRound.procedure_id)
            .where(Procedure.team_id == team.id, ReviewRound.status == "open")
            .order_by(ReviewRound.id)
        )
        result = {
            "team": team.id,
            "round": round_id,
            "function": function,
            "long_request": long_request,
            "deep_cursor": cursor,
            "deep_page": deep_page,
            "open_rows": total,
            "account": db.session.scalar(
                select(Contact.account_id).where(Contact.user_id == contact.id)
            ),
        }
        db.session.remove()
        db.engine.dispose()
    return result


def _sqlalchemy_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _app(url: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(url), "RATELIMIT_ENABLED": False})


def _client(app, clients: dict, role: str, people: dict):
    """A test client signed in as `role` through the form, one per role."""
    client = clients.get(role)
    if client is None:
        client = clients[role] = app.test_client()
        html = client.get("/sign-in").get_data(as_text=True)
        client.post(
            "/sign-in",
            data={
                "email": people[role],
                "password": PASSWORD,
                "csrf_token": CSRF.search(html).group(1),
            },
        )
    return client


def count_sql(url: str, endpoints, paths, people) -> dict[str, int]:
    """Statements per request, counted in-process with the test client (after one warm-up
    request, as in steady use)."""
    from sqlalchemy import event

    from portal.extensions import db

    app = _app(url)
    with app.app_context():
        engine = db.engine
    # No app context is held around the requests: each gets its own, as in production.
    counts = {}
    clients = {}
    for endpoint in endpoints:
        if endpoint.server != "onestop" or endpoint.post:
            continue
        client = _client(app, clients, endpoint.role, people)
        headers = dict(endpoint.headers)
        first = client.get(paths[endpoint.key], headers=headers)
        if endpoint.etag and first.headers.get("ETag"):
            headers["If-None-Match"] = first.headers["ETag"]
        statements = []

        def count(*_args, statements=statements):
            statements.append(1)

        gate = app.extensions["revalidation"]  # it runs its statement outside the events
        before = gate.statements
        event.listen(engine, "before_cursor_execute", count)
        try:
            client.get(paths[endpoint.key], headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[endpoint.key] = len(statements) + gate.statements - before
    engine.dispose()
    return counts


def server_times(url: str, endpoints, paths, people, renders: int) -> dict[str, dict]:
    """Server time of the endpoints with a `max_server_ms` budget: `renders` requests one
    after another in-process (test client, no network, no queueing), after one warm-up;
    the median and the slowest, in ms. Run while the served apps are idle."""
    from portal.extensions import db

    app = _app(url)
    clients = {}
    times = {}
    for endpoint in endpoints:
        if endpoint.max_server_ms is None:
            continue
        client = _client(app, clients, endpoint.role, people)
        client.get(paths[endpoint.key], headers=endpoint.headers)
        spent = []
        for _ in range(renders):
            began = time.perf_counter()
            response = client.get(paths[endpoint.key], headers=endpoint.headers)
            spent.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{paths[endpoint.key]} answered {response.status_code}")
        times[endpoint.key] = {
            "median_ms": round(statistics.median(spent), 1),
            "max_ms": round(max(spent), 1),
            "renders": renders,
        }
    with app.app_context():
        db.engine.dispose()
    return times


# ---- wrk ------------------------------------------------------------------------------------


def wrk(port, path, headers, duration, connections, script="report.lua", script_args=()):
    command = [
        "timeout",
        str(duration + 30),
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK / script),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    drain(port)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = result["duration_us"] / 1e6
            result["rps"] = result["requests"] / seconds if seconds else 0.0
            return result
    raise RuntimeError(f"wrk gave no result for {path}: {done.stdout}\n{done.stderr}")


def drain(port) -> None:
    """Wait until requests queued when wrk stopped are served, so a slow endpoint's backlog
    is not measured against the next one: a few cheap requests in a row, each answered only
    once the workers are free."""
    for _ in range(3):
        fetch(port, "/favicon.ico")


@dataclass
class Measured:
    key: str
    runs: list[dict] = field(default_factory=list)
    bytes: int = 0
    status: int = 0
    sql: int | None = None
    extra: dict = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(run[name] for run in self.runs) if self.runs else 0.0


def post_body(browser: Browser, targets_: dict) -> str:
    token = browser.csrf("/portal/requests/new")
    return urlencode(
        {
            "csrf_token": token,
            "account": targets_["account"],
            "about": targets_["function"],
            "subject": POST_SUBJECT,
            "description": "Counted 38 pallets, the note says 40. Please check.",
            "urgency": "normal",
            "idempotency_key": "",
        }
    )


def count_posts(url: str, prefix: str) -> tuple[int, int]:
    """(rows, distinct keys) of requests whose idempotency key starts with `prefix`."""
    import sqlalchemy as sa

    engine = sa.create_engine(_sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return tuple(
                conn.execute(
                    sa.text(
                        "SELECT COUNT(*), COUNT(DISTINCT idempotency_key) FROM request "
                        "WHERE idempotency_key LIKE :p"
                    ),
                    {"p": prefix + "%"},
                ).one()
            )
    finally:
        engine.dispose()


def verify_posts(browser: Browser, body: str, url: str, clients=16, each=12) -> dict:
    """Every accepted post stored exactly once: 16 threads post distinct keys (each once,
    then a quarter of them again, as a retry after a timeout would), then the rows are
    counted key by key."""
    prefix = secrets.token_hex(8)
    results: dict[str, list[int]] = {}
    lock = threading.Lock()

    def worker(n):
        for i in range(each):
            key = f"{prefix}{n:02x}{i:014x}"
            headers = {
                "Cookie": browser.cookie_header,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            statuses = []
            for _ in range(2 if i % 4 == 0 else 1):
                status, _, _ = fetch(
                    browser.port, "/portal/requests/new", "POST", headers, body + key
                )
                statuses.append(status)
            with lock:
                results[key] = statuses

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    accepted = [k for k, s in results.items() if 303 in s]
    rows, distinct = count_posts(url, prefix)
    return {
        "posted": sum(len(s) for s in results.values()),
        "keys": len(results),
        "accepted_keys": len(accepted),
        "rows": rows,
        "distinct_keys": distinct,
        "exactly_once": rows == distinct == len(accepted) == len(results),
    }


# ---- the run --------------------------------------------------------------------------------


def measure(args, say) -> dict:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with working_database(args, say) as url:
        ids = targets(url)
        from portal.seeding.scale import BENCH_PEOPLE

        people = dict(BENCH_PEOPLE)
        paths = {e.key: e.path.format(**ids) for e in ENDPOINTS}
        say(f"deep page: {ids['deep_page']} of the default view ({ids['open_rows']:,} rows)")
        with (
            serve("onestop", "wsgi:app", url, out) as onestop,
            serve("baseline", "baseline:app", url, out, chdir=BENCH) as baseline,
        ):
            servers = {"onestop": onestop, "baseline": baseline}
            # Counted in-process while the servers boot; then wait for both.
            sql = count_sql(url, ENDPOINTS, paths, people)
            measured = {e.key: Measured(e.key, sql=sql.get(e.key)) for e in ENDPOINTS}
            for server in servers.values():
                server.wait_ready()
            for key, timing in server_times(url, ENDPOINTS, paths, people, args.renders).items():
                measured[key].extra["server_time"] = timing
            browsers = {
                role: Browser(onestop.port).sign_in(email) for role, email in people.items()
            }
            headers = {}
            for e in ENDPOINTS:
                h = dict(e.headers)
                if e.role:
                    h["Cookie"] = browsers[e.role].cookie_header
                port = servers[e.server].port
                status, response_headers, content = fetch(port, paths[e.key], headers=h)
                if e.etag:
                    h["If-None-Match"] = dict(response_headers).get("ETag", "")
                    status, _, content = fetch(port, paths[e.key], headers=h)
                measured[e.key].status, measured[e.key].bytes = status, len(content)
                headers[e.key] = h
            reads = [e for e in ENDPOINTS if not e.post]

            def drive(e, seconds):
                h = dict(headers[e.key])
                if e.role:
                    h["Cookie"] = browsers[e.role].fresh_cookie()
                return wrk(
                    servers[e.server].port,
                    paths[e.key],
                    h,
                    seconds,
                    e.connections or args.connections,
                )

            say(f"warming up {len(reads)} endpoints ...")
            if args.warmup:
                in_batches(reads, args.parallel, lambda e: drive(e, args.warmup))
            for round_ in range(1, args.runs + 1):
                say(f"round {round_}/{args.runs}")
                done = in_batches(reads, args.parallel, lambda e: drive(e, args.duration))
                for e, result in zip(reads, done, strict=True):
                    measured[e.key].runs.append(result)
                    p95 = result["p95"] / 1000
                    say(f"  {e.key:<18} {result['rps']:8.1f} req/s  p95 {p95:7.1f} ms")
            first_load = transfer_size(browsers["member"], paths["inbox"])
            for e in (e for e in ENDPOINTS if e.post):
                measure_posts(e, measured[e.key], browsers[e.role], ids, url, args, say)
            rss = {name: server.peak_rss_mb() for name, server in servers.items()}
    return report_data(args, ids, measured, first_load, rss, started)


def in_batches(items: list, size: int, run) -> list:
    """`run(item)` for every item, `size` at a time (1: one after another, as measured;
    more only to make the smoke test short: concurrent endpoints share the workers)."""
    results = []
    for start in range(0, len(items), max(1, size)):
        batch = items[start : start + max(1, size)]
        with ThreadPoolExecutor(len(batch)) as pool:
            results += list(pool.map(run, batch))
    return results


def measure_posts(e, measured, browser, ids, url, args, say):
    body = post_body(browser, ids)
    headers = {
        "Cookie": browser.cookie_header,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    for run in range(args.runs):
        prefix = secrets.token_hex(8)
        headers["Cookie"] = browser.fresh_cookie()
        result = wrk(
            browser.port,
            e.path,
            headers,
            args.duration,
            args.connections,
            "post.lua",
            (prefix, body),
        )
        rows, distinct = count_posts(url, prefix)
        seconds = result["duration_us"] / 1e6
        result["accepted_rps"] = result["accepted"] / seconds if seconds else 0.0
        result.update(rows=rows, distinct_keys=distinct)
        measured.runs.append(result)
        say(
            f"  post run {run + 1}: {result['accepted_rps']:.1f} accepted/s, "
            f"{result['accepted']} answered 303, {rows} rows, {distinct} distinct keys"
        )
    measured.extra["verify"] = verify_posts(browser, body, url, args.connections, args.verify_each)
    measured.bytes = 0
    measured.status = 303
    say(f"  exactly-once check: {measured.extra['verify']}")


def transfer_size(browser: Browser, path: str) -> dict:
    """The inbox's first load: the page, its stylesheet(s) and script(s), in bytes as they
    cross the wire to a browser (which accepts gzip), and all gzipped as a proxy might."""
    accepts = {"Accept-Encoding": "gzip, deflate, br"}
    _, headers, html = browser.request(path, headers=accepts)
    text = (gzip.decompress(html) if headers.get("Content-Encoding") == "gzip" else html).decode()
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', text)
    inline = len(re.findall(r"<script(?![^>]*src=)", text))
    sizes = {"html": len(html)}
    compressed = len(gzip.compress(text.encode(), 6))
    for asset in styles + scripts:
        _, headers, content = browser.request(asset, headers=accepts)
        sizes[asset] = len(content)  # as sent: gzipped when the app compresses it
        if headers.get("Content-Encoding") == "gzip":
            content = gzip.decompress(content)
        compressed += len(gzip.compress(content, 6))
    return {
        "bytes": sum(sizes.values()),
        "gzip_bytes": compressed,
        "parts": sizes,
        "scripts": scripts,
        "inline_scripts": inline,
    }


def report_data(args, ids, measured, first_load, rss, started) -> dict:
    rows = []
    page = measured["page"].median("rps")
    for e in ENDPOINTS:
        m = measured[e.key]
        rps = m.median("accepted_rps" if e.post else "rps")
        base = {"page": page, "hello": measured["hello"].median("rps")}.get(
            e.compare, measured[e.compare].median("rps") if e.compare in measured else None
        )
        ratio = rps / base if base else None
        checks = []
        if e.min_ratio is not None and ratio is not None:
            checks.append(ratio >= e.min_ratio)
        if e.max_p95_ms is not None:
            completed = all(r["requests"] and not r["timeout"] for r in m.runs)
            checks.append(completed and m.median("p95") / 1000 < e.max_p95_ms)
        if e.max_sql is not None and m.sql is not None:
            checks.append(m.sql <= e.max_sql)
        if e.max_server_ms is not None and "server_time" in m.extra:
            checks.append(m.extra["server_time"]["median_ms"] < e.max_server_ms)
        if e.post:
            verify = m.extra.get("verify", {})
            checks.append(bool(verify.get("exactly_once")))
        rows.append(
            {
                "key": e.key,
                "title": e.title,
                "server": e.server,
                "rps": round(rps, 1),
                "compare": e.compare,
                "ratio": round(ratio, 2) if ratio is not None else None,
                "p50_ms": round(m.median("p50") / 1000, 1),
                "p95_ms": round(m.median("p95") / 1000, 1),
                "p99_ms": round(m.median("p99") / 1000, 1),
                "bytes": m.bytes,
                "status": m.status,
                "errors": sum(r.get("status", 0) + r.get("timeout", 0) for r in m.runs),
                "timeouts": sum(r.get("timeout", 0) for r in m.runs),
                "connections": e.connections or args.connections,
                "sql": m.sql,
                "budget": budget_text(e),
                "ok": all(checks) if checks else None,
                "runs": m.runs,
                **m.extra,
            }
        )
    import platform

    from portal.seeding.scale import GENERATOR_VERSION

    return {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "seconds": round(time.time() - started),
        "database": args.db,
        "requests": args.requests,
        "seed": args.seed,
        "schema": schema_head(),
        "generator": GENERATOR_VERSION,
        "runs": args.runs,
        "duration_s": args.duration,
        "connections": args.connections,
        "parallel": args.parallel,
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "targets": ids,
        "endpoints": rows,
        "first_load": first_load | {"budget_bytes": 100 * 1024},
        "worker_rss_mb": rss | {"budget_mb": 150},
    }


def budget_text(e: Endpoint) -> str:
    parts = []
    if e.min_ratio is not None:
        against = {"page": "page", "hello": "/hello"}.get(e.compare, "page 1")
        parts.append(f"≥ {e.min_ratio} × {against}")
    if e.max_p95_ms is not None:
        parts.append(f"p95 < {e.max_p95_ms:g} ms")
    if e.post:
        parts.append("each stored once")
    if e.max_sql is not None:
        parts.append(f"SQL ≤ {e.max_sql}")
    if e.max_server_ms is not None:
        parts.append(f"server time < {e.max_server_ms:g} ms")
    return ", ".join(parts)


def verdict(ok) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def markdown(data: dict) -> str:
    lines = [
        f"# Onestop benchmark: {data['database']}, {data['requests']:,} requests",
        "",
        f"{data['when']}, {data['machine']}; gunicorn 2 sync workers per app on 127.0.0.1; "
        f"wrk 2 threads, {data['connections']} connections, median of {data['runs']} runs of "
        f"{data['duration_s']} s after a warm-up. Ratios are to the bare-Flask baseline page "
        "(to /hello for the 304 poll, to page 1 for the deep page), measured in the same run."
        + (
            f" **{data['parallel']} endpoints were driven at once (a smoke run): the figures "
            "are not comparable.**"
            if data.get("parallel", 1) > 1
            else ""
        ),
        "",
        "| endpoint | req/s | ratio | p50 ms | p95 ms | p99 ms | bytes | SQL | budget | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in data["endpoints"]:
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}"
        sql = "" if row["sql"] is None else str(row["sql"])
        title = row["title"]
        if row["key"] == "inbox_deep":
            title = f"Inbox, page {data['targets']['deep_page']} (keyset) vs page 1"
        if row["connections"] != data["connections"]:
            title += f" ({row['connections']} connections)"
        latency = f"{row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']}"
        if row["timeouts"]:
            latency = f"{row['p50_ms']} | > 10 s ({row['timeouts']} timed out) | > 10 s"
        lines.append(
            f"| {title} | {row['rps']:.1f} | {ratio} | {latency} | {row['bytes']:,} | {sql} | "
            f"{row['budget']} | {verdict(row['ok'])} |"
        )
    first, rss = data["first_load"], data["worker_rss_mb"]
    lines += [
        "",
        f"- Inbox first load: {first['bytes'] / 1024:.1f} KB transferred (HTML "
        f"{first['parts']['html'] / 1024:.1f} KB + "
        + " + ".join(
            f"{Path(k).name} {v / 1024:.1f} KB" for k, v in first["parts"].items() if k != "html"
        )
        + f"); scripts: {', '.join(Path(s).name for s in first['scripts']) or 'none'}, "
        f"inline scripts: {first['inline_scripts']}; {first['gzip_bytes'] / 1024:.1f} KB if a "
        "proxy also gzips the page (the app gzips only CSS and scripts). Budget < 100 KB as "
        "served, htmx only: "
        + verdict(
            first["bytes"] < 100 * 1024
            and len(first["scripts"]) <= 1
            and not first["inline_scripts"]
        ),
        f"- Peak worker RSS: Onestop {rss['onestop']} MB, baseline {rss['baseline']} MB. "
        f"Budget < 150 MB: {verdict(rss['onestop'] < 150)}",
    ]
    for row in data["endpoints"]:
        timing = row.get("server_time")
        if timing:
            lines.append(
                f"- {row['title']}: server time {timing['median_ms']} ms median in-process "
                f"({timing['renders']} renders one at a time, slowest {timing['max_ms']} ms; "
                f"p50 under load {row['p50_ms']} ms). Budget < "
                f"{next(e.max_server_ms for e in ENDPOINTS if e.key == row['key']):g} ms: "
                + verdict(row["ok"])
            )
    post = next((r for r in data["endpoints"] if r.get("verify")), None)
    if post:
        v = post["verify"]
        runs = "; ".join(
            f"{r['accepted']} answered 303 → {r['rows']} rows ({r['distinct_keys']} distinct keys)"
            for r in post["runs"]
        )
        lines.append(
            f"- Posting: wrk runs {runs} (a post still in flight when wrk stops is stored but "
            f"not counted). Exactly-once check: {v['posted']} posts of {v['keys']} keys "
            f"({v['posted'] - v['keys']} retried with the same key) → {v['rows']} rows, "
            f"{v['distinct_keys']} distinct keys: "
            + ("each accepted post stored exactly once." if v["exactly_once"] else "**MISMATCH**")
        )
    lines += [
        "",
        f"Data: seed {data['seed']}, schema {data['schema']}, generator v{data['generator']}; "
        f"the default view holds {data['targets']['open_rows']:,} open requests for the team. "
        f"Whole run: {data['seconds']} s. Reproduce: `make bench` (or `make bench DB=postgresql`).",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=BUDGET_SIZE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--parallel",
        type=int,
        default=1,
        help="endpoints driven at once (1 for figures; more only for a quick smoke run)",
    )
    parser.add_argument(
        "--renders", type=int, default=15, help="in-process renders for a server-time budget"
    )
    parser.add_argument("--verify-each", type=int, default=12, help="posts per client to verify")
    parser.add_argument("--data-dir", default=str(BENCH / "data"))
    parser.add_argument(
        "--no-cache", action="store_true", help="generate for this run only, keep nothing"
    )
    parser.add_argument("--out", default=str(BENCH / "results"))
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server to create the bench databases on",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: `apt-get install wrk` (make bench does it when it can)")
        return 2
    sys.path.insert(0, str(ROOT))

    began = time.monotonic()

    def say(message):
        print(f"[{time.monotonic() - began:5.0f} s] {message}", flush=True)

    data = measure(args, say)
    out = Path(args.out)
    text = markdown(data)
    # latest.* is the last run of any kind; latest-<db>.* keeps each database's last at the
    # budgets' size, and <db>-<size>.* the last at any other size, so a run at 1,000,000
    # requests leaves the 200,000-request figures it is compared with in place.
    kept = f"latest-{args.db}" if args.requests == BUDGET_SIZE else f"{args.db}-{args.requests}"
    for name in ("latest", kept):
        (out / f"{name}.json").write_text(json.dumps(data, indent=2, default=str))
        (out / f"{name}.md").write_text(text)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
