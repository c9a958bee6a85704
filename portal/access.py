"""The one access policy: who may use each view, and which objects a person may see.

Every view declares a policy with `@policy(...)`; `enforce_policy` runs before each request and
`check_every_view_has_a_policy` refuses to start an app with an undeclared view. Object loaders
answer 404 for what the person may not see (ids are not enumerable) and 403 for what they may
see but not change. Templates hide buttons by the same predicates; the server always re-checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import and_, bindparam, select, union_all
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from . import api_auth, caching
from .extensions import db, login_manager
from .models import (
    COACH,
    MEMBER,
    Account,
    Attachment,
    Contact,
    Handoff,
    Invitation,
    Membership,
    Request,
    Team,
    User,
)
from .models.user import CONTACT as CONTACT_KIND
from .sessions import signed_in


@dataclass(frozen=True)
class Policy:
    name: str
    check: Callable[[User, dict], bool]
    requires_login: bool = True
    # 404 where the URL names something the person may not know exists.
    deny_status: int = 403
    # Answered for an API token (`Authorization: Bearer`), never for a session cookie: the
    # person is the token's (`api_person()`), and `writes` needs a token that may write.
    token: bool = False
    writes: bool = False


def _team_id(view_args: dict) -> int | None:
    return view_args.get("team_id")


PUBLIC = Policy("public", lambda user, args: True, requires_login=False)
SIGNED_IN = Policy("signed in", lambda user, args: True)
CONTACT = Policy("contact", lambda user, args: user.is_contact)
STAFF = Policy("staff", lambda user, args: user.is_staff)
ADMIN = Policy("admin", lambda user, args: user.is_admin)
TEAM_MEMBER = Policy(
    "member of the team",
    lambda user, args: user.is_admin or team_role(user, _team_id(args)) is not None,
    deny_status=404,
)
TEAM_COACH = Policy(
    "coach of the team",
    lambda user, args: user.is_admin or team_role(user, _team_id(args)) == COACH,
    deny_status=404,
)


def _token_policy(name: str, check=lambda user, args: True, *, writes=False) -> Policy:
    return Policy(name, check, requires_login=False, token=True, writes=writes)


# The JSON API: what the token's person may see is every other rule's business.
API_READ = _token_policy("API token")
API_TEAM_READ = _token_policy("team token", lambda user, args: user.is_staff)
API_WRITE = _token_policy("API token that may write", writes=True)
# The team's side only (notes, owner, status): a contact's token may not.
API_TEAM_WRITE = _token_policy("team token that may write", lambda u, a: u.is_staff, writes=True)


def policy(rule: Policy):
    """Declare who may use a view. The check itself runs centrally in `enforce_policy`."""

    def decorate(view):
        view.access_policy = rule
        return view

    return decorate


def policy_of(endpoint: str) -> Policy | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def enforce_policy():
    if request.endpoint in (None, "static"):  # None: no route, the 404/405 handlers answer
        return None
    rule = policy_of(request.endpoint)
    if rule is None:  # deny by default; start-up checks make this unreachable
        abort(403)
    if rule.token:
        return _enforce_token(rule)
    if not rule.requires_login:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    args = request.view_args or {}
    if not rule.check(current_user, args):
        # A team policy failing for someone outside the team hides the team (404); a member
        # who is not the coach sees the team but may not take the action (403); a contact
        # or a teamless person on a staff URL simply may not (403).
        outsider = team_role(current_user, _team_id(args)) is None
        if rule.deny_status == 404 and current_user.is_staff and outsider:
            abort(404)
        abort(403)
    return None


def _enforce_token(rule: Policy) -> None:
    """A token view: a usable bearer token (401 otherwise, whatever cookie came along), and
    one that may write for a write (403). A team token's person is a member of the token's
    team for every rule here, and of no other team."""
    found = api_auth.authenticate(request.headers.get("Authorization", ""))
    if found is None:
        raise Unauthorized(
            "Send a valid API token: Authorization: Bearer <token>.",
            www_authenticate=WWWAuthenticate("Bearer", {"realm": "Onestop API"}),
        )
    token, person, team = found
    if team is not None:
        g.setdefault("_memberships", {})[person.id] = [(team, MEMBER)]
    if rule.writes and not token.can_write:
        abort(403, "This token may only read.")
    if not rule.check(person, request.view_args or {}):
        abort(403, "Only a team's token may do this.")
    g.api_token, g.api_person = token, person


def check_every_view_has_a_policy(app) -> None:
    missing = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access_policy")
    )
    if missing:
        raise RuntimeError(f"views without an access policy: {', '.join(missing)}")


# --- who is this person to a team --------------------------------------------------------


_SIGNED_IN = signed_in(
    bindparam("user_id"), bindparam("session_version"), bindparam("session_hash")
)

# Built once: constructing these statements cost more than running them.
_TEAMS_OF = (
    select(Team, Membership.role)
    .join(Membership, Membership.team_id == Team.id)
    .where(Membership.user_id == bindparam("user_id"))
    .order_by(Team.name)
)
# Each also reads the site's cache stamp (portal/caching.py), so the page's cached reference
# data costs no statement of its own; the team rows carry the teams' stamps.
_PERSON_AND_TEAMS = (
    select(User, Team, Membership.role, caching.site_stamp_column())
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Team, Team.id == Membership.team_id)
    .where(_SIGNED_IN)
    .order_by(Team.name)
)
_PERSON = select(User, caching.site_stamp_column()).where(_SIGNED_IN)


def load_person(
    user_id: int, session_version: int, session_hash: str, *, with_teams: bool = True
) -> User | None:
    """The signed-in person, if their session is still good (`signed_in`), read afresh on
    every request (so a sign-out, a bumped session version or a deactivation refuses an old
    cookie at once), with their teams and roles in the same statement: the policy check,
    the team loader and the navigation all read those next. `with_teams=False` (the session
    says a contact signed in) reads the person alone; teams, should they have any, are then
    read when first asked for."""
    params = {"user_id": user_id, "session_version": session_version, "session_hash": session_hash}
    if not with_teams:
        row = db.session.execute(_PERSON, params).first()
        if row is None:
            return None
        caching.read_site(row[1])
        return row[0]
    rows = db.session.execute(_PERSON_AND_TEAMS, params).all()
    if not rows:
        return None
    user = rows[0][0]
    caching.read_site(rows[0][3])
    teams = [(team, role) for _, team, role, _ in rows if team is not None]
    g.setdefault("_memberships", {})[user.id] = teams
    return user


def _membership_rows(user: User) -> list[tuple[Team, str]]:
    """The person's teams with their role in each: one query per request (none for the
    signed-in person, loaded with them), shared by the policy check, the team loader and
    the navigation."""
    cache = g.setdefault("_memberships", {})
    if user.id not in cache:
        rows = db.session.execute(_TEAMS_OF, {"user_id": user.id})
        cache[user.id] = [(team, role) for team, role in rows]
    return cache[user.id]


def _memberships(user: User) -> dict[int, str]:
    """team id -> role."""
    return {team.id: role for team, role in _membership_rows(user)}


def my_teams(user: User) -> list[Team]:
    if not user.is_authenticated or not user.is_staff:
        return []
    return [team for team, _ in _membership_rows(user)]


def team_role(user: User, team_id: int | None) -> str | None:
    if team_id is None or not user.is_authenticated or not user.is_staff:
        return None
    return _memberships(user).get(team_id)


def team_ids_of(user: User) -> list[int]:
    if not user.is_authenticated or not user.is_staff:
        return []
    return sorted(_memberships(user))


def is_coach_of(user: User, team_id: int) -> bool:
    return user.is_admin or team_role(user, team_id) == COACH


def can_manage_team(user: User, team_id: int) -> bool:
    """Members and coaches run their team's accounts and contacts; admins run all."""
    return user.is_admin or team_role(user, team_id) is not None


# --- scoped queries ----------------------------------------------------------------------


def teams_visible_to(user: User):
    query = select(Team).order_by(Team.name)
    if user.is_admin:
        return query
    return query.where(Team.id.in_(team_ids_of(user)))


def accounts_visible_to(user: User):
    """Accounts a person may see: a team's for its members, one's own for a contact."""
    query = select(Account)
    if user.is_admin:
        return query
    if user.is_staff:
        return query.where(Account.team_id.in_(team_ids_of(user)))
    return query.where(Account.id.in_(select(Contact.account_id).where(Contact.user_id == user.id)))


def viewer_kind(user: User) -> str:
    """Which shape of the visibility rule applies: "admin", "staff" or "contact"."""
    return "admin" if user.is_admin else "staff" if user.is_staff else "contact"


def _visible_requests(kind: str, viewer_id, team_ids, within=()):
    """The visibility rule as a condition on `Request` (None: everything). `viewer_id` and
    `team_ids` are values, or bind parameters for a statement built once. `within`: more
    conditions on `Request` alone, a tuple (read once per branch of a contact's rule)."""
    if kind == "admin":
        return and_(*within) if within else None
    if kind == "staff":
        # A handoff brings its owner into that one request, whatever their team.
        handed_to_me = select(Handoff.request_id).where(Handoff.owner_id == viewer_id)
        return and_(Request.team_id.in_(team_ids) | Request.id.in_(handed_to_me), *within)
    shared_accounts = (
        select(Contact.account_id)
        .join(Account, Account.id == Contact.account_id)
        .where(
            Contact.user_id == viewer_id,
            Contact.sees_account_requests.is_(True),
            Account.shares_visibility.is_(True),
        )
    )
    # Their own requests only while they still belong to the request's account: a contact
    # who left it (or whose request moved to another account) no longer sees it.
    my_accounts = select(Contact.account_id).where(Contact.user_id == viewer_id)
    # One IN over a union, not "requester = me OR account IN (...)": PostgreSQL cannot use an
    # index for that OR and scanned every request (bench: My requests at 200,000 requests).
    own = select(Request.id).where(
        Request.requester_id == viewer_id, Request.account_id.in_(my_accounts), *within
    )
    colleagues = select(Request.id).where(Request.account_id.in_(shared_accounts), *within)
    return Request.id.in_(union_all(own, colleagues))


def requests_visible_to(user: User):
    """Requests a person may see. A contact: their own (of accounts they still belong to),
    plus their account's when both the account shares visibility and the contact opted in.
    Staff: their teams' requests, and any request with a handoff they own."""
    kind = viewer_kind(user)
    condition = _visible_requests(kind, user.id, team_ids_of(user) if kind == "staff" else [])
    query = select(Request)
    return query if condition is None else query.where(condition)


def prepared_requests_visible_to(kind: str, *columns, within=()):
    """`requests_visible_to` for a statement built once and kept: the viewer is a bind
    parameter, given by `viewer_params(user)` when it runs. Building the visibility union
    and generating its cache key cost more than running the query."""
    condition = _visible_requests(
        kind, bindparam("viewer_id"), bindparam("team_ids", expanding=True), tuple(within)
    )
    query = select(*(columns or (Request,)))
    return query if condition is None else query.where(condition)


def viewer_params(user: User) -> dict:
    """The bind parameters of a `prepared_requests_visible_to` statement for `user`."""
    params = {"viewer_id": user.id}
    if viewer_kind(user) == "staff":
        params["team_ids"] = team_ids_of(user)
    return params


def can_see_request(user: User, request_id: int) -> bool:
    """Whether `user` (any person, not only the one signed in) may see the request, by the
    one visibility rule: what a service asks before it shows one person's words to another."""
    query = prepared_requests_visible_to(viewer_kind(user), Request.id).where(
        Request.id == bindparam("request_id")
    )
    params = {"request_id": request_id, **viewer_params(user)}
    return db.session.connection().scalar(query, params) is not None


def contact_accounts(user: User) -> list[Account]:
    """The accounts a contact speaks for, in the order they joined, each with its team: one
    query (raising a request reads the team)."""
    if not user.is_authenticated or not user.is_contact:
        return []
    return list(
        db.session.scalars(
            select(Account)
            .join(Contact, Contact.account_id == Account.id)
            .options(joinedload(Account.team))
            .where(Contact.user_id == user.id)
            .order_by(Contact.id)
        )
    )


# --- object loaders ----------------------------------------------------------------------


def get_team(team_id: int) -> Team:
    for team in my_teams(current_user):  # already loaded by the policy check
        if team.id == team_id:
            return team
    team = db.session.scalar(teams_visible_to(current_user).where(Team.id == team_id))
    if team is None:
        abort(404)
    return team


def get_account(account_id: int, *, manage: bool = False, team_id: int | None = None) -> Account:
    """An account the person may see (in `team_id`, if the URL names one); `manage`: may run it."""
    account = db.session.scalar(accounts_visible_to(current_user).where(Account.id == account_id))
    if account is None or team_id not in (None, account.team_id):
        abort(404)
    if manage and not (current_user.is_staff and can_manage_team(current_user, account.team_id)):
        abort(403)
    return account


def _one_request(kind: str, columns, options=()):
    """`requests_visible_to` narrowed to one request id, with every value a bind parameter."""
    query = prepared_requests_visible_to(kind, *columns)
    return query.where(Request.id == bindparam("request_id")).options(*options)


# Built once per kind of viewer (and set of loader options): building the visibility union
# and its joins cost more than running the query. Bounded, should a caller build options
# per call.
@lru_cache(maxsize=64)
def _request_query(kind: str, options: tuple):
    return _one_request(kind, (Request,), options)


@cache
def _version_query(kind: str):
    return _one_request(kind, (Request.version,))


def get_request(request_id: int, *options) -> Request:
    """A request the current person may see (and so reply to, chase or rate); `options`
    are loader options for what the page will show, so it costs one query."""
    return get_request_as(current_user, request_id, *options)


def get_request_as(person: User, request_id: int, *options, account_id: int | None = None):
    """`get_request` for a person other than the session's (an API token's); `account_id`
    narrows it to one account (a contact's token is for one of their accounts)."""
    kind = viewer_kind(person)
    params = {"request_id": request_id, **viewer_params(person)}
    request_ = db.session.scalar(_request_query(kind, options), params)
    if request_ is None or (account_id is not None and request_.account_id != account_id):
        abort(404)
    return request_


def get_request_version(request_id: int) -> int:
    """What a poll needs: the version of a request the current person may see (404 when they
    may not), by the same rule as `get_request`, without loading the request."""
    kind = viewer_kind(current_user)
    params = {"request_id": request_id, **viewer_params(current_user)}
    # On the session's connection, as Core: one number, no ORM result machinery.
    version = db.session.connection().scalar(_version_query(kind), params)
    if version is None:
        abort(404)
    return version


@cache
def _signed_in_version_query():
    """`_version_query("contact")` with web._load_user's check of the signed-in person
    (`signed_in`, and a contact) folded in: one statement answers both."""
    person = select(User.id).where(
        signed_in(bindparam("viewer_id"), bindparam("session_version"), bindparam("session_hash")),
        User.kind == CONTACT_KIND,
    )
    return _version_query("contact").where(person.exists())


def contact_request_version(
    scalar, user_id: int, session_version: int, session_hash: str, request_id: int
):
    """The version of a request, if the person is a contact still signed in with this session
    (version and token hash) who may see it (None otherwise): what `get_request_version`
    answers after the sign-in and the CONTACT policy, for portal/revalidation.py, which runs
    before them. `scalar(statement, params)` runs the statement there."""
    params = {
        "viewer_id": user_id,
        "session_version": session_version,
        "session_hash": session_hash,
        "request_id": request_id,
    }
    return scalar(_signed_in_version_query(), params)


def get_attachment(attachment_id: int) -> Attachment:
    """A file on a request the person may see; internal files only for staff."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    visible = db.session.scalar(
        requests_visible_to(current_user)
        .with_only_columns(Request.id)
        .where(Request.id == attachment.request_id)
    )
    if visible is None or (not attachment.public and not current_user.is_staff):
        abort(404)
    return attachment


def get_handoff(handoff_id: int) -> Handoff:
    """A handoff its owner or the owning team may see, complete or cancel; 404 otherwise."""
    handoff = db.session.get(Handoff, handoff_id)
    if handoff is None or not current_user.is_staff:
        abort(404)
    request_ = handoff.request
    allowed = (
        current_user.is_admin
        or handoff.owner_id == current_user.id
        or team_role(current_user, request_.team_id) is not None
    )
    if not allowed:
        abort(404)
    return handoff


def get_invitation(invitation_id: int) -> Invitation:
    """An invitation the current person may resend or revoke."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not current_user.is_staff:
        abort(404)
    if current_user.is_admin:
        return invitation
    if invitation.account is None or not can_manage_team(current_user, invitation.account.team_id):
        abort(404)
    return invitation
