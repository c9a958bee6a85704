"""Several app servers behind HAProxy, on PostgreSQL and Redis, all on loopback.

`make cluster` runs this in the foreground until Ctrl-C: it checks that PostgreSQL and Redis
answer (and says how to start them when not), creates and migrates its own database
(`onestop_cluster`), seeds the demo when the database is empty, then starts two gunicorn app
servers (sync workers, `wsgi:app`) and HAProxy in front of them, which health-checks each
server's `/health` and fails over. tests/cluster/ starts the same `Cluster` on ports of its own.

    python bench/cluster.py [--port 8080] [--servers 8001,8002] [--workers 2]
        [--database postgresql://postgres@127.0.0.1:5432/onestop_cluster]
        [--redis redis://127.0.0.1:6379/0] [--tick-every 60]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/onestop_cluster"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
HEALTH = "/health"

# A POST is retried on the other server only when the server it went to died before answering
# and the form carries an idempotency key (raising a request): a retried key settles on the
# request it already made. Any other POST that lost its server answers 502 rather than risk
# doing its work twice. `http-buffer-request` keeps the body so it can be inspected and resent.
HAPROXY_CONFIG = """\
global
    maxconn 1024
    stats socket {socket} mode 600 level admin
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout check 2s
    retries 3
    option redispatch 1

frontend portal
    bind 127.0.0.1:{port}
    default_backend app_servers

backend app_servers
    balance roundrobin
    option forwardfor
    option http-buffer-request
    retry-on conn-failure empty-response
    acl keyed req.body -m sub idempotency_key= 'name="idempotency_key"'
    http-request disable-l7-retry if !METH_GET !METH_HEAD !keyed
    option httpchk
    http-check send meth GET uri {health} ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2
{servers}
"""


class ClusterError(RuntimeError):
    """Something the cluster needs is missing or did not start; the message says what to do."""


def die_with_parent() -> None:
    """For `preexec_fn`: the child gets SIGTERM when the process that started it dies, even
    by `kill -9`, so no server outlives its launcher (Linux; elsewhere nothing happens)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_haproxy() -> str | None:
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_postgresql(url: str) -> None:
    """The server answers (the database itself may not exist yet)."""
    import psycopg

    parts = urlsplit(url)
    try:
        psycopg.connect(urlunsplit(parts._replace(path="/postgres")), connect_timeout=3).close()
    except psycopg.Error as error:
        raise ClusterError(
            f"PostgreSQL does not answer at {parts.hostname}:{parts.port or 5432} ({error}).\n"
            "Start it with: pg_ctlcluster --skip-systemctl-redirect "
            "$(ls /etc/postgresql) main start\n"
            "(elsewhere: apt-get install -y postgresql, then the same command)"
        ) from None


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise ClusterError(
            f"Redis does not answer at {url} ({error}).\n"
            "Start it with: redis-server --bind 127.0.0.1 --port 6379 --daemonize yes\n"
            "(elsewhere: apt-get install -y redis-server first)"
        ) from None


def create_database(url: str) -> bool:
    """Create the database `url` names when it does not exist; True when it was created."""
    import sqlalchemy as sa

    parts = urlsplit(sqlalchemy_url(url))
    name = parts.path.lstrip("/")
    admin = sa.create_engine(
        urlunsplit(parts._replace(path="/postgres")), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return not exists
    finally:
        admin.dispose()


def flask(env: dict, *command: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def get(port: int, path: str, timeout: float = 5) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _gunicorn_options() -> list[str]:
    """Recent gunicorn (27 here) opens a control socket at one fixed path per user, which
    every server on the machine would share; ours need none."""
    from gunicorn.config import Config

    return ["--no-control-socket"] if "control_socket_disable" in Config().settings else []


class AppServer:
    """One gunicorn app server (its master and sync workers, a process group of their own)."""

    def __init__(self, name: str, port: int, workers: int, env: dict, log: Path):
        self.name, self.port, self.workers, self.env, self.log = name, port, workers, env, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--worker-class",
                    "sync",
                    "--graceful-timeout",
                    "5",
                    "--chdir",
                    str(ROOT),
                    *_gunicorn_options(),
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: `kill` reaches every worker
                preexec_fn=die_with_parent,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def healthy(self) -> bool:
        try:
            return get(self.port, HEALTH, timeout=2)[0] == 200
        except OSError:
            return False

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if not self.alive():
                raise ClusterError(f"app server {self.name} exited; see {self.log}")
            if time.monotonic() > deadline:
                raise ClusterError(f"app server {self.name} is not healthy; see {self.log}")
            time.sleep(0.2)

    def kill(self) -> None:
        """`kill -9` of the whole server, master and workers, as when its machine dies."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class Cluster:
    """Two (or more) app servers and HAProxy in front, on loopback ports; `start()` returns
    once the proxy sees every server healthy. Use as a context manager so it always stops.

    `env` is added to each server's environment (and `tick`'s): DATABASE_URL, SECRET_KEY and
    anything else; every server gets the same, which is the point.
    """

    def __init__(
        self,
        database_url: str,
        redis_url: str,
        *,
        port: int = 0,
        server_ports: tuple[int, ...] = (0, 0),
        workers: int = 2,
        env: dict | None = None,
        workdir: Path | None = None,
    ):
        self.haproxy = find_haproxy()
        if self.haproxy is None:
            raise ClusterError(
                "HAProxy is not installed: `make cluster-deps` (apt-get install -y haproxy)"
            )
        self.port = port or free_port()
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="onestop-cluster-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = self._environment(database_url, redis_url, env or {})
        self.servers = {
            name: AppServer(
                name,
                server_port or free_port(),
                workers,
                self.env,
                self.workdir / f"server-{name}.log",
            )
            for name, server_port in zip("abcdefgh", server_ports, strict=False)
        }
        self.proxy: subprocess.Popen | None = None

    def _environment(self, database_url: str, redis_url: str, extra: dict) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "DATABASE_URL")}
        env.update(
            DATABASE_URL=database_url,
            RATELIMIT_STORAGE_URI=redis_url,
            TRUSTED_PROXIES="1",  # HAProxy's X-Forwarded-For names the client
            BASE_URL=f"http://127.0.0.1:{self.port}",
            PYTHONPATH=str(ROOT),  # this checkout's portal/, whatever else is installed
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update({k: str(v) for k, v in extra.items()})
        return env

    # --- addresses --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def socket_path(self) -> Path:
        return self.workdir / "haproxy.sock"

    # --- life cycle -------------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, timeout: float = 90) -> None:
        for server in self.servers.values():
            server.start()
        for server in self.servers.values():
            server.wait_healthy(timeout)
        self._start_proxy()
        self.wait_for_proxy(timeout=timeout)

    def _start_proxy(self) -> None:
        config = self.workdir / "haproxy.cfg"
        servers = "\n".join(
            f"    server {s.name} 127.0.0.1:{s.port} check" for s in self.servers.values()
        )
        config.write_text(
            HAPROXY_CONFIG.format(
                socket=self.socket_path, port=self.port, health=HEALTH, servers=servers
            )
        )
        checked = subprocess.run(
            [self.haproxy, "-c", "-q", "-f", str(config)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if checked.returncode != 0:
            raise ClusterError(f"HAProxy refused {config}:\n{checked.stdout}{checked.stderr}")
        with (self.workdir / "haproxy.log").open("a") as log:
            self.proxy = subprocess.Popen(
                [self.haproxy, "-db", "-f", str(config)],  # -db: in the foreground
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    def stop(self) -> None:
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.terminate()
            try:
                self.proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
                self.proxy.wait(timeout=10)
        for server in self.servers.values():
            server.stop()
        if self._own_workdir and os.environ.get("CLUSTER_KEEP_LOGS") is None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- what the proxy sees ----------------------------------------------------------------

    def proxy_command(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(self.socket_path))
            s.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def states(self) -> dict[str, str]:
        """Each server's state as HAProxy has it: UP, DOWN, "UP 1/2" (going down) …"""
        text = self.proxy_command("show stat").lstrip("# ")
        rows = csv.DictReader(text.splitlines())
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == "app_servers" and row["svname"] in self.servers
        }

    def wait_for_proxy(self, up: set[str] | None = None, timeout: float = 30) -> None:
        """Until HAProxy reports exactly `up` (default: every server) UP, the rest DOWN."""
        up = set(self.servers) if up is None else up
        deadline = time.monotonic() + timeout
        states: dict[str, str] = {}
        while True:
            if self.proxy is None or self.proxy.poll() is not None:
                raise ClusterError(f"HAProxy exited; see {self.workdir / 'haproxy.log'}")
            try:
                states = self.states()
            except OSError:
                states = {}
            if states and all(
                (state == "UP") == (name in up) and state in ("UP", "DOWN")
                for name, state in states.items()
            ):
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"HAProxy sees {states}, expected {sorted(up)} UP")
            time.sleep(0.1)

    # --- the periodic task, as cron on each server would run it -------------------------------

    def tick(self, env: dict | None = None) -> subprocess.Popen:
        """Start `flask tick` as one server's cron would (returns at once)."""
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "tick"],
            cwd=ROOT,
            env={**self.env, **{k: str(v) for k, v in (env or {}).items()}},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=die_with_parent,
        )


def prepare(database_url: str, env: dict, say=print) -> None:
    """Create, migrate and (when it has nobody yet) seed the cluster's own database."""
    if create_database(database_url):
        say(f"created database {urlsplit(database_url).path.lstrip('/')}")
    flask(env, "db", "upgrade")
    seeded = flask(env, "seed-demo")
    say(seeded.stdout.strip())


def _ticking(cluster: Cluster, every: float, stop: threading.Event, say) -> None:
    """Run `tick` on every server at once, every `every` seconds, as each server's cron would."""
    while not stop.wait(every):
        ticks = [cluster.tick() for _ in cluster.servers]
        for name, tick in zip(cluster.servers, ticks, strict=True):
            try:
                output, _ = tick.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                tick.kill()
                output, _ = tick.communicate()
            say(f"tick on {name}: {(output or '').strip().splitlines()[-1:]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="HAProxy's port")
    parser.add_argument("--servers", default="8001,8002", help="the app servers' ports")
    parser.add_argument("--workers", type=int, default=2, help="sync workers per app server")
    parser.add_argument("--database", default=os.environ.get("CLUSTER_DATABASE_URL"))
    parser.add_argument("--redis", default=os.environ.get("CLUSTER_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--tick-every", type=float, default=60, help="seconds; 0: no tick")
    args = parser.parse_args(argv)
    database = args.database or DEFAULT_DATABASE

    def say(message: str) -> None:
        print(f"[cluster] {message}", flush=True)

    try:
        check_postgresql(database)
        check_redis(args.redis)
        ports = tuple(int(p) for p in args.servers.split(","))
        workdir = ROOT / "instance" / "cluster"
        cluster = Cluster(
            database,
            args.redis,
            port=args.port,
            server_ports=ports,
            workers=args.workers,
            workdir=workdir,
        )
        say(f"database {database}; Redis {args.redis}; logs in {workdir}")
        prepare(database, cluster.env, say)
    except (ClusterError, subprocess.CalledProcessError) as error:
        details = getattr(error, "stderr", "") or ""
        print(f"[cluster] {error}\n{details}", file=sys.stderr)
        return 1

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with cluster:
            for server in cluster.servers.values():
                say(f"app server {server.name}: {server.url} ({args.workers} sync workers)")
            say(f"HAProxy: {cluster.url}  <- open this (Ctrl-C stops everything)")
            if args.tick_every:
                threading.Thread(
                    target=_ticking, args=(cluster, args.tick_every, stop, say), daemon=True
                ).start()
            while not stop.wait(2):
                for server in cluster.servers.values():
                    if not server.alive():
                        say(f"app server {server.name} has exited; see {server.log}")
                        stop.set()
    except KeyboardInterrupt:
        pass
    except ClusterError as error:
        print(f"[cluster] {error}", file=sys.stderr)
        return 1
    finally:
        stop.set()
    say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
