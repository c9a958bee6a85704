"""The session rule, written once: what a session cookie names, whether it is within its
lifetimes, and whether its person and its server-side row still let it in. Flask's pipeline
(web.py, access.load_person) and the 304 gate in front of it (revalidation.py) both ask
here."""

from __future__ import annotations

from sqlalchemy import and_, select

from .models import User, UserSession
from .tokens import hash_token

# Where the session keeps the token of its server-side `UserSession` row (the row keeps its hash).
SESSION_ROW_KEY = "sid"


def signed_session(data) -> tuple[int, int, str] | None:
    """The person's id, session version and session token hash a session's data names, as
    both this pipeline and portal/revalidation.py read it; None when it names none. Whether
    that session is still good is `signed_in`, asked in the statement that loads the
    person."""
    user_id, _, version = str(data.get("_user_id", "")).partition(":")
    token = data.get(SESSION_ROW_KEY)
    if not (user_id.isdigit() and version.isdigit() and isinstance(token, str) and token):
        return None
    return int(user_id), int(version), hash_token(token)


def session_in_time(session_data, config, now: float) -> bool:
    """Within both lifetimes: since sign-in (absolute) and since last use (idle)."""
    absolute = config["SESSION_ABSOLUTE_HOURS"] * 3600
    idle = config["SESSION_IDLE_MINUTES"] * 60
    return (
        now - session_data.get("auth_at", 0) <= absolute
        and now - session_data.get("seen_at", 0) <= idle
    )


def idle_clock_step(idle_seconds: float) -> float:
    """How stale `seen_at` may get before a request rewrites it: a minute, or a tenth of a
    very short idle limit."""
    return min(60.0, idle_seconds / 10)


def signed_in(user_id, session_version, session_hash):
    """The one rule for "this session is still good", as a condition on `User`: the person
    is active, the cookie's session version is theirs (bumped by sign-out everywhere, a new
    password, deactivation), and the session's own row is not ended (by signing out there).
    Arguments are values or bind parameters. Folded into the statement that loads the
    signed-in person (`load_person`) and into the poll gate's (`contact_request_version`),
    so checking it costs neither a statement of its own."""
    session_open = (
        select(UserSession.id)
        .where(
            UserSession.token_hash == session_hash,
            UserSession.user_id == User.id,
            UserSession.ended_at.is_(None),
        )
        .exists()
    )
    return and_(
        User.id == user_id,
        User.active.is_(True),
        User.session_version == session_version,
        session_open,
    )
