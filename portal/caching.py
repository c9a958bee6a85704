"""Every data cache of the app, in one place: named regions, keys built from declared inputs,
and one way to invalidate (version stamps the database keeps).

A region is a bounded LRU in each process. That is only correct because every key includes
the database-kept versions of what the value was built from, read in the same request (or
the rows themselves): a change moves a stamp in the same transaction, so after it commits
every process on every server builds a different key and the stale entry is never looked
up again. Nothing is ever invalidated by time; a restart starts cold.

The stamps:
- `team.activity` (portal/requests/activity.py): the team's requests and handoffs.
- `team.settings_version`: what the team's pages print of the team itself: its name, zone,
  calendar, members, accounts and canned replies.
- `site_version.version`, one row: site-wide data every team prints: functions, tiers,
  service levels, people's names and kinds (the staff pickers list every active staff
  member; inbox rows print requesters' names), and which webhook endpoints want which
  events (rare changes, read by every post that raises or changes a request).

Both are bumped here, by a flush hook installed from `create_app` (`install`), in the same
transaction as the change, when it commits (as activity does: writers queue on the row for
the commit only). Pages read them in statements they already run: the team rows come with
the signed-in person (`access.load_person`), and that same statement reads the site stamp.
While a transaction has uncounted changes, stamped regions are bypassed, so a page drawn
in the same request as a write shows the write.

What is not here, on purpose, because none of it is data from the database, so no server
can hold a stale copy: statements built once with `functools.cache`/`lru_cache` (access,
customer/services, inbox/services, admin/forms' time zones), which are query shapes;
`richtext._render`, a pure function of its text; static_files' gzipped files, keyed by
path and modification time; and the 304 gate's memos of cookie
signatures, routed paths and compiled statements (portal/revalidation.py), pure functions
of the cookie, the URL map and the statement, kept there because the gate runs before any
app context. The README's Performance section says what each region saves.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from itertools import chain

from flask import current_app, g, has_app_context, request
from jinja2 import Undefined
from markupsafe import Markup
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from .extensions import db

_stores: weakref.WeakSet[_Store] = weakref.WeakSet()  # every app's, for `clear()`


class _Store:
    """A bounded LRU, safe across threads: one region's values in one app."""

    def __init__(self, size: int):
        self.size = size
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple, object] = OrderedDict()
        _stores.add(self)


class Region:
    """A named cache whose key is exactly its declared inputs, in order. Each app (each
    `create_app`) keeps its own values, as each server does."""

    def __init__(
        self,
        name: str,
        size: int,
        inputs: tuple[str, ...],
        *,
        stamped: bool = True,
        site_only: bool = False,
    ):
        self.name = name
        self.size = size
        self.inputs = inputs
        self._names = frozenset(inputs)
        # Stamped: the key holds database versions, so a transaction with uncounted changes
        # must not read (or fill) it. Site only: the key holds the site stamp alone, so only
        # an uncounted site-wide change matters (a request's own writes do not).
        self.stamped = stamped
        self.site_only = site_only

    def _store(self) -> _Store:
        stores = current_app.extensions.setdefault("caching", {})
        store = stores.get(self)
        if store is None:
            store = stores[self] = _Store(self.size)
        return store

    def get(self, make, **inputs):
        if inputs.keys() != self._names:
            raise TypeError(f"{self.name}: key needs {self.inputs}, got {tuple(inputs)}")
        if self.stamped and (_site_uncounted() if self.site_only else _uncounted()):
            return make()
        key = tuple(inputs[name] for name in self.inputs)
        store = self._store()
        with store.lock:
            try:  # one lookup when it is there (hashing a long key is not free)
                store.items.move_to_end(key)
                return store.items[key]
            except KeyError:
                pass
        value = make()  # outside the lock: two misses at once both build, neither waits
        with store.lock:
            store.items[key] = value
            store.items.move_to_end(key)
            while len(store.items) > store.size:
                store.items.popitem(last=False)
        return value

    def clear(self) -> None:
        """This app's values of this region."""
        store = self._store()
        with store.lock:
            store.items.clear()

    def __len__(self) -> int:
        return len(self._store().items)


# ---- the regions --------------------------------------------------------------------------

# A team's inbox rows and pager (~60 KB of markup) per view and filter; the reader only for
# the views that are a person's own. `minute`: the clocks and "3 min ago" texts it prints;
# `zone`: the reader's, which its exact times are in.
INBOX_ROWS = Region(
    "inbox rows",
    256,
    ("team", "activity", "settings", "site", "minute", "zone", "reader", "filters", "script_root"),
)
# The inbox's view counts, per reader (Mine and Handoffs for me are theirs).
INBOX_COUNTS = Region(
    "inbox counts", 256, ("team", "activity", "settings", "site", "minute", "reader")
)
# A request's drawn timeline (staff, or a contact's public one): keyed by the loaded rows
# themselves (every value the block prints) and the zone its times are in, so needs no stamp.
TIMELINE = Region(
    "timeline",
    128,
    ("script_root", "request", "entries", "attachments", "reader", "zone"),
    stamped=False,
)
# Small reference tables every workspace page reads (portal/reference.py): `stamp`, the
# versions of what the value is read from (the team's include its id).
REFERENCE = Region("reference", 512, ("what", "stamp"))
# Which webhook endpoints want which events (portal/webhook_events.py), read by every post
# that raises or changes a request, mid-transaction: keyed by the site stamp alone.
WEBHOOK_SUBSCRIPTIONS = Region("webhook subscriptions", 4, ("stamp",), site_only=True)
# Whole drawn fragments that hold no per-person secret (never a CSRF token): a page's
# filter form, menus and property fields, drawn by WTForms from reference data. `inputs`,
# built by the view, is every value the block prints (the stamps of the data it lists
# among them); `name` tells one call site from another.
FRAGMENTS = Region("fragments", 512, ("name", "script_root", "inputs"))


def drawn(name: str, inputs: tuple | None, caller) -> Markup:
    """`{% call drawn(name, inputs) %}...{% endcall %}`: the block's markup, drawn once per
    `inputs`. `inputs` None draws it every time (a posted form shown with its errors)."""
    if inputs is None:
        return Markup(caller())  # noqa: S704  the template's own autoescaped output
    if isinstance(inputs, Undefined):
        # A key the view forgot: every Undefined is equal, so pages would share markup.
        raise TypeError(f"{name}: its inputs are missing")
    return FRAGMENTS.get(
        lambda: Markup(caller()),  # noqa: S704
        name=name,
        script_root=request.script_root,  # every link's prefix
        inputs=inputs,
    )


def clear() -> None:
    """Empty every region of every app: for tests, whose rebuilt rows reuse ids and stamps."""
    for store in list(_stores):
        with store.lock:
            store.items.clear()


# ---- the stamps ---------------------------------------------------------------------------

_SITE = "onestop.site_changed"  # in session.info: a site-wide change, counted at commit
_TEAMS = "onestop.settings_teams"  # team ids whose settings changed
_ACTIVITY = "onestop.activity_teams"  # portal/requests/activity.py's pending teams

# A person's columns that some page prints or a picker offers by.
_PERSON_COLUMNS = ("name", "kind", "active", "email")
# A team's own columns (not the stamps, which are written around the ORM).
_TEAM_COLUMNS = ("name", "description", "timezone", "automatic_routing")
# A webhook endpoint's columns that say what it is sent (portal/webhook_events.py).
_ENDPOINT_COLUMNS = ("events", "active")


def _site_stamp_query():
    from .models import SiteVersion

    return func.coalesce(
        select(SiteVersion.version).where(SiteVersion.id == 1).scalar_subquery(), 0
    )


def site_stamp_column():
    """The site stamp as a column, to fold into a statement the page already runs."""
    return _site_stamp_query().label("site_version")


def read_site(value: int) -> None:
    """Keep the site stamp read with the signed-in person for the rest of the request."""
    g._site_version = value


def site() -> int:
    """The site stamp: as read with the signed-in person, else read now (CLI, mail in)."""
    value = g.get("_site_version") if has_app_context() else None
    if value is None:
        value = db.session.scalar(select(_site_stamp_query()))
        if has_app_context():
            g._site_version = value
    return value


def team_stamp(team) -> tuple:
    """A team's settings as a key: its creation time tells a rebuilt database's team 1 from
    the old one."""
    return (team.id, team.created_at, team.settings_version)


def site_changed() -> None:
    """Count a site-wide change the ORM cannot see (a Core write)."""
    db.session.info[_SITE] = True


def team_changed(*team_ids: int) -> None:
    """Count a change to these teams' settings that the ORM cannot see (a Core write)."""
    db.session.info.setdefault(_TEAMS, set()).update(team_ids)


def _site_uncounted() -> bool:
    return bool(db.session.info.get(_SITE))


def _uncounted() -> bool:
    info = db.session.info
    return bool(info.get(_SITE) or info.get(_TEAMS) or info.get(_ACTIVITY))


def _changed(obj, columns) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in columns)


def _collect(session: Session, _context) -> None:
    from .models import (
        Account,
        CannedReply,
        Function,
        Holiday,
        Membership,
        ServiceLevel,
        Team,
        Tier,
        User,
        WebhookEndpoint,
        WorkingHours,
    )

    site = False
    teams: set[int] = set()
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in chain(session.new, session.deleted, dirty):
        written = obj not in dirty
        if isinstance(obj, Function | Tier | ServiceLevel):
            site = True
        elif isinstance(obj, User):
            site = site or written or _changed(obj, _PERSON_COLUMNS)
        elif isinstance(obj, WebhookEndpoint):
            site = site or written or _changed(obj, _ENDPOINT_COLUMNS)
        elif isinstance(obj, Team):
            if written or _changed(obj, _TEAM_COLUMNS):
                teams.add(obj.id)
        elif isinstance(obj, Membership | CannedReply | WorkingHours | Holiday | Account):
            teams.add(obj.team_id)
            # A row moved to another team leaves the old team's pages too.
            teams.update(t for t in inspect(obj).attrs.team_id.history.deleted if t)
    teams.discard(None)
    if site:
        session.info[_SITE] = True
    if teams:
        session.info.setdefault(_TEAMS, set()).update(teams)


def _count(session: Session) -> None:
    from .models import SiteVersion, Team

    session.flush()  # what the commit would flush is collected first
    teams = session.info.pop(_TEAMS, None)
    if teams:
        session.connection().execute(
            update(Team)
            .where(Team.id.in_(sorted(teams)))  # one order for every writer: no lock cycles
            .values(settings_version=Team.settings_version + 1)
            .execution_options(synchronize_session=False)
        )
    if session.info.pop(_SITE, False):
        connection = session.connection()
        bumped = connection.execute(
            update(SiteVersion).where(SiteVersion.id == 1).values(version=SiteVersion.version + 1)
        )
        if not bumped.rowcount:  # a database emptied by hand (tests): the row comes back
            connection.execute(SiteVersion.__table__.insert().values(id=1, version=1))


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_SITE, None)
        session.info.pop(_TEAMS, None)


def _reread(_session: Session) -> None:
    # The stamp read earlier in this request may have just moved.
    if has_app_context():
        g.pop("_site_version", None)


def install(app) -> None:
    """Called by `create_app`: the flush hooks that move the stamps."""
    for name, hook in (
        ("after_flush", _collect),
        ("before_commit", _count),
        ("after_soft_rollback", _forget),
        ("after_commit", _reread),
    ):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
