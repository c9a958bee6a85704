"""Per-request plumbing: security headers, session lifetimes, error pages, page context."""

from __future__ import annotations

import time

from flask import (
    Flask,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import access, revalidation
from .extensions import db, login_manager
from .headers import CSP, HSTS, PRIVATE_NO_STORE, SECURITY_HEADERS
from .htmx import POLL_CACHE_CONTROL, is_htmx, redirect_after_post, retarget_to_messages
from .mail import deliver_after_response
from .models import User
from .problems import from_exception
from .sessions import SESSION_ROW_KEY, idle_clock_step, session_in_time, signed_session

ERROR_TEXT = {
    400: (
        "That request could not be understood",
        "Something in it was missing or malformed. Go back, reload the page and try again.",
    ),
    403: (
        "You may not do that",
        "Your role does not allow this action. Ask a coach or an admin if you need it.",
    ),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed that way", "This address does not accept that kind of request."),
    413: (
        "That was too large",
        "The upload or form was larger than we accept. Try a smaller file.",
    ),
    415: (
        "That kind of request is not accepted",
        "Forms here are sent from the page itself. Reload the page and try again.",
    ),
    422: ("Please check what you entered", "Some of it could not be accepted."),
    429: ("Too many attempts", "Please wait a minute before trying again."),
    500: (
        "Something went wrong on our side",
        "Nothing you sent was half-saved. Please try again in a moment.",
    ),
}


# The JSON API (portal/api): tokens, not cookies; problems, not pages.
API_PREFIX = "/api/v1"


def is_api_request() -> bool:
    """By path, not blueprint: a URL under the API that matches no route is the API's too."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def _signed_in() -> bool:
    """Whether this answer is for a signed-in person, once the view is done. The loader
    returns only people still allowed in, so not anonymous is enough: `is_authenticated`
    reads `active`, which after the view's commit would cost a reload of the person."""
    return not current_user.is_anonymous


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)  # a view may have set a narrower one
    for name, value in SECURITY_HEADERS:
        headers[name] = value
    if request.is_secure:
        headers[HSTS[0]] = HSTS[1]
    if is_api_request():
        # A token's answers are its own; the session cookie is never read here.
        headers.setdefault("Cache-Control", PRIVATE_NO_STORE)
        return response
    # Signed-in answers (pages, fragments, errors, files) are never stored, whatever a view
    # or `send_file` set, except the polls' own "private, no-cache" (htmx.conditional_poll).
    if (
        request.endpoint != "static"
        and _signed_in()
        and headers.get("Cache-Control") != POLL_CACHE_CONTROL
    ):
        headers["Cache-Control"] = PRIVATE_NO_STORE
    return response


def _load_user(login_id: str) -> User | None:
    """Flask-Login's loader; `login_id` is the session's `_user_id`, read here with the
    session's token."""
    signed = signed_session(session)
    if signed is None:
        return None
    if not session_in_time(session, current_app.config, time.time()):
        session.clear()
        return None
    # Staff unless the session says otherwise: reading a contact's (empty) teams with them
    # costs more than the person alone.
    return access.load_person(*signed, with_teams=session.get("staff", True))


def _restart_idle_clock() -> None:
    """Someone using the portal restarts their session's idle clock.

    Writing the clock changes the session, so Flask re-signs and re-sends the cookie; doing
    it on every response cost every signed-in request a signature and a Set-Cookie. The clock
    is rewritten only once it is `idle_clock_step` old, so the idle limit may strike up to
    that much early, never late (the cookie's own expiry moves with each rewrite). Background
    polls never restart it: a tab left open is not a person at the keyboard, and counting its
    polls would keep an unattended session alive until its absolute lifetime.
    """
    if request.endpoint == "static" or g.get("background_request") or is_api_request():
        return  # files, polls and the API: not someone using a page (and no need to load the user)
    if not _signed_in():
        return
    now = time.time()
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if now - session.get("seen_at", 0) >= idle_clock_step(idle):
        session["seen_at"] = now


def start_session(user: User, token: str) -> None:
    """Called on sign-in: a fresh session with its own clocks, carrying the token of its
    server-side row (`auth.services.open_session`)."""
    session.clear()
    session.permanent = True
    now = time.time()
    session["auth_at"] = now
    session["seen_at"] = now
    session[SESSION_ROW_KEY] = token
    session["staff"] = user.is_staff  # a hint for what to read with the person


def session_token() -> str | None:
    """This browser's session token, to end its row on sign-out."""
    token = session.get(SESSION_ROW_KEY)
    return token if isinstance(token, str) else None


def _refuse_json_bodies():
    """Every write here is a form. Flask-WTF would also read a JSON body as form data, and
    JSON carries what a form never can (numbers, lists, lone surrogates), which crash
    validators and database drivers: refuse it before any view sees it."""
    writes = request.method not in {"GET", "HEAD", "OPTIONS"}
    if writes and request.is_json and not is_api_request():  # the API reads its own bodies
        abort(415)


def _unauthorized():
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if is_htmx():
        return redirect_after_post(target)
    return redirect(target)


def render_error(code: int, detail: str | None = None):
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500 if code >= 500 else 400])
    context = {"code": code, "title": title, "text": detail or text}
    if is_htmx():
        response = make_response(render_template("errors/_error.html", **context), code)
        retarget_to_messages(response)
    else:
        response = make_response(render_template("errors/error.html", **context), code)
    response.vary.add("HX-Request")
    return response


def _handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if is_api_request():  # a routing error under the API: no blueprint's handler saw it
        if isinstance(error, MethodNotAllowed) and not _routable(error.valid_methods):
            error = NotFound()  # an id no route takes: Werkzeug checks methods first
        return from_exception(error)
    response = render_error(error.code)
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _routable(methods) -> bool:
    """Whether this path is a route for any method it was said to allow. Werkzeug compares
    methods before it converts the path's values, so an id no route takes (too large, say)
    with another method comes back as 405 instead of 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods or ():
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return True
    return False


def _handle_csrf_error(error: CSRFError):
    return render_error(
        400,
        "This form had expired or did not come from this site, so nothing was saved. "
        "Reload the page and try again.",
    )


def _handle_server_error(error: InternalServerError):
    db.session.rollback()
    if is_api_request():
        return from_exception(error)
    return render_error(500)


def _after_request(app):
    def after(response):
        if g.get("mail_queued"):
            response.call_on_close(deliver_after_response(app))
        _security_headers(response)
        _restart_idle_clock()
        return response

    return after


# Ids are 32-bit INTEGER columns on PostgreSQL; SQLite would overflow above 2**63 - 1.
MAX_ID = 2**31 - 1


def filter_id(value) -> int | None:
    """An id typed into a filter's URL: anything else, or a number too large for an id
    column (a driver error, not an empty list), filters nothing."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` for database ids: a number too large for an id column is no route (404),
    never an overflow in the database driver (a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def install(app: Flask) -> None:
    # Innermost, so a proxy's scheme (for HSTS) is fixed before it looks.
    app.wsgi_app = revalidation.Gate(app, app.wsgi_app)
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # Before any blueprint adds a rule, so every `<int:...>` in the app is bounded.
    app.url_map.converters["int"] = IdConverter
    # The session cookie is re-sent when the session changes (see `_restart_idle_clock`),
    # not on every response.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_refuse_json_bodies)
    app.before_request(access.enforce_policy)
    app.after_request(_after_request(app))
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(InternalServerError, _handle_server_error)
    app.register_error_handler(HTTPException, _handle_http_error)
