"""Server time of Onestop pages in process, without HTTP or load: for profiling one page.

`make bench` measures throughput against the baseline; this answers "how long does this
page take to build, and with how many statements" on the same data, e.g.

    DATABASE_URL=sqlite:///bench/data/<file>.sqlite3 .venv/bin/python bench/inprocess.py \
        --as member /teams/{team}/inbox "/teams/{team}/inbox?q=invoice" /teams/{team}/insights

`{team}` is the signed-in person's first team. `--without FRAGMENTS` (any region of
portal/caching.py, repeatable) shows what a cache saves. Add `--profile` for a pyinstrument
profile of the first path (pyinstrument is in the dev extras), or `--calls N` for cProfile's
N costliest functions (exact call counts, for "how many times is this drawn"), by their own
time or, with `--sort cumulative`, with what they call.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import event, select


def _person(kind: str):
    """The person `make bench` signs in as for `kind` (on its seed), else the first of that
    kind; with their first team."""
    from portal.extensions import db
    from portal.models import COACH, Contact, Membership, User
    from portal.seeding.scale import BENCH_PEOPLE

    bench = db.session.scalar(select(User).where(User.email == BENCH_PEOPLE[kind]))
    if bench is not None:
        team_id = db.session.scalar(
            select(Membership.team_id).where(Membership.user_id == bench.id).order_by(Membership.id)
        )
        return bench, team_id
    if kind == "contact":
        contact = db.session.scalar(select(Contact).order_by(Contact.id).limit(1))
        return db.session.get(User, contact.user_id), None
    query = select(Membership).order_by(Membership.id).limit(1)
    if kind == "coach":
        query = query.where(Membership.role == COACH)
    membership = db.session.scalar(query)
    return db.session.get(User, membership.user_id), membership.team_id


def _slowest(app, client, url: str, n: int, headers) -> None:
    """Each statement of one render with its own time and parameters, slowest first: what
    to EXPLAIN."""
    from portal.extensions import db

    timed: list[tuple[float, str, object]] = []

    def before(conn, _cursor, statement, parameters, _context, _many):
        conn.info["started"] = time.perf_counter()

    def after(conn, _cursor, statement, parameters, _context, _many):
        took = (time.perf_counter() - conn.info.pop("started")) * 1000
        timed.append((took, statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    client.get(url, headers=headers)
    for took, statement, parameters in sorted(timed, key=lambda t: -t[0])[:n]:
        print(f"--- {took:.1f} ms  {parameters!r}\n{statement}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--as", dest="kind", choices=("member", "coach", "contact"))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--slowest", type=int, default=0, help="the first path's N slowest statements, timed"
    )
    parser.add_argument(
        "--calls", type=int, default=0, help="cProfile's N costliest functions of the first path"
    )
    parser.add_argument(
        "--sort",
        default="tottime",
        choices=("tottime", "cumulative"),
        help="--calls ordered by time in the function itself, or with what it calls",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help='sent with every request, e.g. "HX-Request: true" and "If-None-Match: "...""',
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="REGION",
        help="a region of portal/caching.py to switch off (e.g. FRAGMENTS): what it saves",
    )
    args = parser.parse_args()

    from portal import caching, create_app
    from portal.auth.services import open_session
    from portal.extensions import db
    from portal.sessions import SESSION_ROW_KEY

    for name in args.without:  # every lookup builds afresh, as with no cache at all
        region = getattr(caching, name)
        region.get = lambda make, **_inputs: make()
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        person, team_id = _person(args.kind or "member")
        user_id = person.get_id()
        token = open_session(person)  # a session row, as a real sign-in writes
        db.session.commit()
    client = app.test_client()
    headers = [tuple(part.strip() for part in h.split(":", 1)) for h in args.header]
    with client.session_transaction() as session:
        now = time.time()
        session.update({"_user_id": user_id, "_fresh": True, "auth_at": now, "seen_at": now})
        session[SESSION_ROW_KEY] = token
        session["staff"] = team_id is not None  # as a real sign-in leaves it
        session.permanent = True

    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for path in args.paths:
        url = path.format(team=team_id)
        response = client.get(url, headers=headers)
        if response.status_code not in (200, 304):
            print(f"{url}: HTTP {response.status_code}")
            continue
        timings = []
        for _ in range(args.repeat):
            statements.clear()
            started = time.perf_counter()
            client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{url:<48} median {statistics.median(timings):7.1f} ms   "
            f"min {min(timings):7.1f} ms   {len(statements)} statements   "
            f"{len(response.data):,} bytes, HTTP {response.status_code}"
        )
    if args.slowest:
        _slowest(app, client, args.paths[0].format(team=team_id), args.slowest, headers)
    if args.calls:
        import cProfile
        import pstats

        url = args.paths[0].format(team=team_id)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            client.get(url, headers=headers)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.calls)
    if args.profile:
        from pyinstrument import Profiler

        url = args.paths[0].format(team=team_id)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.repeat):
            client.get(url, headers=headers)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
