"""A poll's "nothing changed" (304), answered in front of Flask.

An open page polls every 15 s, and nearly every answer is 304. Through the whole pipeline
(request context, session, the person and the policy through the ORM, the view, headers) a
304 cost a worker about 1 ms, five times a bare Flask route: the polls of idle tabs took more
of a worker than the people using it. This WSGI layer answers only that one case, and only
when one statement proves it: the session cookie is signed by us and within its lifetimes,
the session is still good by the app's own rule (`access.signed_in`: not signed out, the
person active, the same session version), the person is of the policy's kind and may see
the object by the rule its loader applies, and the ETag the browser holds is the current
one.

Anything else passes to Flask untouched, which answers as it always did: a changed ETag (the
fragment), no or a refused session (sign in), another's request (404), a plain GET (the
page), an error here. So this layer can only ever tell someone "what you have is still
right" when the pipeline would have told them exactly that, with the same headers (a test
compares the two answers).

Each gated endpoint registers how to find its current ETag with `@revalidates`; the view
keeps answering every case itself, with the same ETag function.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from itsdangerous import BadSignature
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie, parse_etags, quote_etag

from .extensions import db
from .headers import security_headers
from .htmx import POLL_CACHE_CONTROL, POLL_VARY, partial_by
from .sessions import session_in_time, signed_session

log = logging.getLogger(__name__)


class Signed(NamedTuple):
    """Who the session cookie says is signed in; not yet checked against the database."""

    user_id: int
    session_version: int
    session_hash: str  # of the token of the session's server-side row


# endpoint -> (policy, current ETag): the ETag of the object the URL names, or None when
# this person (checked in the same statement) may not see it or is no longer signed in.
Revalidator = Callable[..., "str | None"]
_registry: dict[str, tuple[object, Revalidator]] = {}

# Cookies and paths seen recently, with what they were found to say: checking a signature or
# matching a path gives the same answer every time, and a tab sends the same ones each poll.
REMEMBERED = 2048


def revalidates(endpoint: str, policy):
    """Register `fn(scalar, signed, **view_args) -> ETag | None` for `endpoint`, whose view
    must declare `policy` (checked when the app starts answering). `scalar(statement,
    params)` runs a Core statement and gives the first value of its first row, or None."""

    def register(fn: Revalidator) -> Revalidator:
        _registry[endpoint] = (policy, fn)
        return fn

    return register


def check_registered_policies(app) -> None:
    """At start-up: each revalidator was written for its view's policy; refuse to start if
    the view now declares another (the revalidator would check the wrong thing)."""
    for endpoint, (policy, _) in _registry.items():
        if getattr(app.view_functions.get(endpoint), "access_policy", None) is not policy:
            raise RuntimeError(f"{endpoint}: its view's policy is not the one it registered")


class Gate:
    """WSGI middleware around Flask's own `wsgi_app`; `app.extensions["revalidation"]`."""

    def __init__(self, app, inner):
        self.app = app
        self.inner = inner
        self.statements = 0  # run here, outside SQLAlchemy's events: for counts in tests
        self._ready = False
        app.extensions["revalidation"] = self

    def _prepare(self) -> None:
        app = self.app
        with app.app_context():
            self.engine = db.engine
        self.outside_transaction = self.engine.dialect.driver == "psycopg"
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.max_age = int(app.permanent_session_lifetime.total_seconds())
        self.headers = {secure: security_headers(secure) for secure in (False, True)}
        self._verified = lru_cache(REMEMBERED)(self._verify)
        self._matched = lru_cache(REMEMBERED)(self._match)
        self._compiled = lru_cache(64)(self._compile)
        self._ready = True

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and "HTTP_IF_NONE_MATCH" in environ:
            try:
                etag = self._unchanged(environ)
            except Exception:  # the pipeline answers instead, and reports its own errors
                log.exception("revalidation failed; the request goes through the app")
                etag = None
            if etag is not None:
                start_response("304 NOT MODIFIED", self._headers(environ, etag))
                return []
        return self.inner(environ, start_response)

    def _unchanged(self, environ) -> str | None:
        """The current ETag, when the browser holds it and may keep it; else None."""

        def header(name: str):
            return environ.get("HTTP_" + name.upper().replace("-", "_"))

        if not partial_by(header):
            return None  # a full page is asked for: the view redirects to it
        if not self._ready:
            self._prepare()
        matched = self._matched(
            environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", "")
        )
        if matched is None:
            return None
        endpoint, view_args = matched
        entry = _registry.get(endpoint)
        if entry is None:
            return None
        signed = self._signed(environ)
        if signed is None:
            return None
        current = entry[1](self._scalar, signed, **view_args)
        if current is None or current not in parse_etags(environ["HTTP_IF_NONE_MATCH"]):
            return None
        return current

    def _match(self, host, script_name, path):
        """The endpoint and arguments of a GET to this path, as Flask would route it."""
        environ = {
            "REQUEST_METHOD": "GET",
            "HTTP_HOST": host,
            "SCRIPT_NAME": script_name,
            "PATH_INFO": path,
            "SERVER_NAME": host or "localhost",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
        }
        adapter = self.app.url_map.bind_to_environ(
            environ, server_name=self.app.config["SERVER_NAME"]
        )
        try:
            return adapter.match()
        except HTTPException:  # includes redirects to a canonical URL
            return None

    def _signed(self, environ) -> Signed | None:
        """The session cookie's person, if the cookie is ours and within its lifetimes, as
        Flask's session interface and web._load_user read it."""
        value = parse_cookie(environ.get("HTTP_COOKIE", "")).get(self.cookie_name)
        verified = self._verified(value) if value else None
        if verified is None:
            return None
        data, signed_at = verified
        now = time.time()
        if now - signed_at > self.max_age:  # as `loads(max_age=...)` refuses it
            return None
        if not session_in_time(data, self.app.config, now):
            return None
        signed = signed_session(data)
        return None if signed is None else Signed(*signed)

    def _verify(self, value: str):
        """The session's data and when it was signed, if the signature is ours."""
        try:
            data, signed_at = self.serializer.loads(value, return_timestamp=True)
        except BadSignature:
            return None
        return data, signed_at.timestamp()

    def _compile(self, statement):
        compiled = statement.compile(dialect=self.engine.dialect)
        return str(compiled), compiled

    def _scalar(self, statement, params: dict):
        """Run a Core statement on a pooled DB-API connection: one value, without the
        Connection and Result layers, which cost several times the query itself."""
        sql, compiled = self._compiled(statement)
        values = compiled.construct_params(params)
        if compiled.positional:
            values = tuple(values[name] for name in compiled.positiontup)
        self.statements += 1
        connection = self.engine.raw_connection()
        try:
            # One statement reads one snapshot on its own. psycopg would open a transaction
            # for it (BEGIN, the query, COMMIT: three round trips to PostgreSQL); outside
            # one it is a single round trip, and nothing is left to roll back, so psycopg
            # keeps its prepared statements (database.end_reading says why that matters).
            # pysqlite opens no transaction for a SELECT.
            if self.outside_transaction:
                connection.driver_connection.autocommit = True
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(sql, values)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            finally:
                if self.outside_transaction:
                    connection.driver_connection.autocommit = False
        finally:
            connection.close()
        return None if row is None else row[0]

    def _headers(self, environ, etag: str) -> list[tuple[str, str]]:
        secure = environ.get("wsgi.url_scheme") == "https"
        return [
            ("ETag", quote_etag(etag)),
            ("Cache-Control", POLL_CACHE_CONTROL),
            ("Vary", ", ".join(POLL_VARY)),
            *self.headers[secure],
        ]
