"""The role × route matrix: every route, every role, the answer each must get.

Built from `app.url_map`, so a new route without a row here (or in a feature's
`access_rows.py`) fails the suite. Answers: a status code, or "login" for a redirect to sign in.
"""

from __future__ import annotations

import uuid

import pytest
from flask import url_for

from portal.extensions import db
from tests import factories
from tests.account_tiers.access_rows import ROWS as ACCOUNT_TIER_ROWS
from tests.admin.access_rows import ROWS as ADMIN_ROWS
from tests.api.access_rows import ROWS as API_ROWS
from tests.follow_ups.access_rows import ROWS as FOLLOW_UP_ROWS
from tests.insights.access_rows import ROWS as INSIGHTS_ROWS
from tests.procedures.access_rows import ROWS as PROCEDURE_ROWS
from tests.relationships.access_rows import ROWS as RELATIONSHIP_ROWS
from tests.webhooks.access_rows import ROWS as WEBHOOK_ROWS

ROLES = (
    "visitor",
    "contact_a",
    "contact_a2",
    "contact_b",
    "member_x",
    "member_y",
    "coach_x",
    "admin",
)
SIGNED_IN = ROLES[1:]


def every(answer, **overrides):
    return {role: overrides.get(role, answer) for role in ROLES}


def signed_in(answer, **overrides):
    return every(answer, visitor="login", **overrides)


STAFF_OF_X = {"contact_a": 403, "contact_a2": 403, "contact_b": 403, "member_y": 404}
CONTACTS_ONLY = signed_in(403, contact_a=200, contact_a2=200, contact_b=200)
CONTACTS_403 = {"contact_a": 403, "contact_a2": 403, "contact_b": 403}
STAFF_ONLY = signed_in(200, **CONTACTS_403)


_request_url = factories.url_about_a_request


def _team_request_url(endpoint):
    """A URL about a request in Team X's inbox."""

    def build(w):
        item = factories.make_request(w.account_a, w.contact_a, status="open")
        db.session.commit()
        return url_for(endpoint, team_id=w.team_x.id, request_id=item.id)

    return build


def _attachment_url(w, endpoint="main.attachment"):
    from portal.requests import files

    item = factories.make_request(w.account_a, w.contact_a)
    if endpoint == "main.attachment_preview":  # shown inline for images only
        checked = [files.CheckedFile("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 8)]
    else:
        checked = [files.CheckedFile("note.txt", "text/plain", b"hello")]
    (attachment,) = files.store(w.contact_a, item, checked)
    db.session.commit()
    return url_for(endpoint, attachment_id=attachment.id)


def _handoff_url(endpoint):
    """A handoff on Team X's request, owned by Member Y of Team Y."""

    def build(w):
        item = factories.make_request(w.account_a, w.contact_a, status="open")
        handoff = factories.make_handoff(item, w.function, w.member_y, w.member_x)
        db.session.commit()
        return url_for(endpoint, handoff_id=handoff.id)

    return build


def _feedback_url(w):
    from portal.models import Feedback

    item = Feedback(
        team_id=w.team_x.id,
        account_id=w.account_a.id,
        contact_id=w.contact_a.id,
        kind="idea",
        body="More slots",
    )
    db.session.add(item)
    db.session.commit()
    return url_for("workspace.feedback_seen", team_id=w.team_x.id, feedback_id=item.id)


def _team_mail_url(endpoint):
    """A waiting mail of Team X, new for each role (a discard deals with it)."""

    def build(w):
        mail = factories.make_inbound_mail(w.team_x.id)
        db.session.commit()
        return url_for(endpoint, team_id=w.team_x.id, mail_id=mail.id)

    return build


def _canned_url(w):

    from portal.models import CannedReply

    reply = CannedReply(team_id=w.team_x.id, title=uuid.uuid4().hex[:8], body="Hello {customer}")
    db.session.add(reply)
    db.session.commit()
    return url_for("inbox.delete_canned_reply", team_id=w.team_x.id, reply_id=reply.id)


def _member_x_view_url(w, endpoint="inbox.delete_view"):
    """A view of Member X's own: only they may open or delete it, even in their team."""
    from portal.models import SavedView

    name = uuid.uuid4().hex[:8]
    view = SavedView(user_id=w.member_x.id, team_id=w.team_x.id, name=name, query="q=a")
    db.session.add(view)
    db.session.commit()
    return url_for(endpoint, team_id=w.team_x.id, view_id=view.id)


def own_request(answer):
    """Contact A may; Contacts A2 (same team) and B must not learn it exists; staff use the
    workspace instead."""
    return signed_in(403, contact_a=answer, contact_a2=404, contact_b=404)


def _invitation_url(endpoint):
    def build(w):
        invitation, _ = factories.make_invitation(account=w.account_a)
        db.session.commit()
        return url_for(endpoint, invitation_id=invitation.id)

    return build


ROWS = {
    "main.landing": ("GET", lambda w: url_for("main.landing"), every(302, visitor=200)),
    "main.home": ("GET", lambda w: url_for("main.home"), signed_in(302)),
    "main.favicon": ("GET", lambda w: url_for("main.favicon"), every(200)),
    "main.health": ("GET", lambda w: url_for("main.health"), every(200)),
    "main.attachment": (
        "GET",
        _attachment_url,
        signed_in(200, contact_a2=404, contact_b=404, member_y=404),
    ),
    "main.attachment_preview": (
        "GET",
        lambda w: _attachment_url(w, "main.attachment_preview"),
        signed_in(200, contact_a2=404, contact_b=404, member_y=404),
    ),
    "auth.login": ("GET", lambda w: url_for("auth.login"), every(302, visitor=200)),
    "auth.logout": ("POST", lambda w: url_for("auth.logout"), signed_in(303)),
    "auth.profile": ("GET", lambda w: url_for("auth.profile"), signed_in(200)),
    "auth.sign_out_everywhere": (
        "POST",
        lambda w: url_for("auth.sign_out_everywhere"),
        signed_in(303),
    ),
    "auth.request_reset": ("GET", lambda w: url_for("auth.request_reset"), every(200)),
    "auth.reset_password": (
        "GET",
        lambda w: url_for("auth.reset_password", token="not-a-token"),
        every(404),
    ),
    "invitations.accept": (
        "GET",
        lambda w: url_for("invitations.accept", token="not-a-token"),
        every(404),
    ),
    "invitations.resend": (
        "POST",
        _invitation_url("invitations.resend"),
        signed_in(303, contact_a=403, contact_a2=403, contact_b=403, member_y=404),
    ),
    "invitations.revoke": (
        "POST",
        _invitation_url("invitations.revoke"),
        signed_in(303, contact_a=403, contact_a2=403, contact_b=403, member_y=404),
    ),
    "customer.home": ("GET", lambda w: url_for("customer.home"), CONTACTS_ONLY),
    "customer.team": ("GET", lambda w: url_for("customer.team"), CONTACTS_ONLY),
    "customer.feedback": (
        "POST",
        lambda w: url_for("customer.feedback"),
        signed_in(403, contact_a=422, contact_a2=422, contact_b=422),
    ),
    "auth.mail_preferences": ("POST", lambda w: url_for("auth.mail_preferences"), signed_in(303)),
    # Posting no zone is the picker's 422: the form again with its error.
    "auth.time_zone": ("POST", lambda w: url_for("auth.time_zone"), signed_in(422)),
    # Staff only; the matrix posts no fields, which staff get told is a bad request.
    "auth.shortcuts": ("POST", lambda w: url_for("auth.shortcuts"), signed_in(400, **CONTACTS_403)),
    "workspace.feedback_seen": ("POST", _feedback_url, signed_in(303, **STAFF_OF_X)),
    "customer.new_request": ("GET", lambda w: url_for("customer.new_request"), CONTACTS_ONLY),
    "customer.request": ("GET", _request_url("customer.request"), own_request(200)),
    "customer.reply": ("POST", _request_url("customer.reply"), own_request(422)),
    # The polls answer a plain GET with a redirect to their page.
    "customer.request_updates": ("GET", _request_url("customer.request_updates"), own_request(302)),
    "customer.list_updates": (
        "GET",
        lambda w: url_for("customer.list_updates"),
        signed_in(403, contact_a=302, contact_a2=302, contact_b=302),
    ),
    "customer.chase": ("POST", _request_url("customer.chase"), own_request(303)),
    "customer.resolve": ("POST", _request_url("customer.resolve"), own_request(303)),
    # Reopening an open request is refused with a message on the request page.
    "customer.reopen": ("POST", _request_url("customer.reopen"), own_request(303)),
    "customer.rate": ("POST", _request_url("customer.rate"), own_request(422)),
    # The signed link is the credential: anyone holding a forged one gets 404.
    "customer.rate_by_link": (
        "GET",
        lambda w: url_for("customer.rate_by_link", token="forged"),
        every(404),
    ),
    "workspace.index": (
        "GET",
        lambda w: url_for("workspace.index"),
        # One team: straight to it; an admin sees every team listed.
        signed_in(302, contact_a=403, contact_a2=403, contact_b=403, admin=200),
    ),
    "workspace.team_home": (
        "GET",
        lambda w: url_for("workspace.team_home", team_id=w.team_x.id),
        signed_in(200, **STAFF_OF_X),
    ),
    "workspace.account": (
        "GET",
        lambda w: url_for("workspace.account", team_id=w.team_x.id, account_id=w.account_a.id),
        signed_in(200, **STAFF_OF_X),
    ),
    # Only the team's own people mark themselves away; an admin outside the team may not.
    "workspace.away": (
        "POST",
        lambda w: url_for("workspace.away", team_id=w.team_x.id),
        signed_in(303, admin=403, **STAFF_OF_X),
    ),
    # Routing is the coach's call: a member sees the team but may not (403).
    "workspace.routing": (
        "POST",
        lambda w: url_for("workspace.routing", team_id=w.team_x.id),
        signed_in(303, member_x=403, **STAFF_OF_X),
    ),
    "workspace.invite_contact": (
        "POST",
        lambda w: url_for(
            "workspace.invite_contact", team_id=w.team_x.id, account_id=w.account_a.id
        ),
        signed_in(422, **STAFF_OF_X),
    ),
    "inbox.index": (
        "GET",
        lambda w: url_for("inbox.index", team_id=w.team_x.id),
        signed_in(200, **STAFF_OF_X),
    ),
    "inbox.merge": ("POST", _team_request_url("inbox.merge"), signed_in(422, **STAFF_OF_X)),
    "inbox.canned_replies": (
        "GET",
        lambda w: url_for("inbox.canned_replies", team_id=w.team_x.id),
        signed_in(200, **STAFF_OF_X),
    ),
    "inbox.add_canned_reply": (
        "POST",
        lambda w: url_for("inbox.add_canned_reply", team_id=w.team_x.id),
        signed_in(422, **STAFF_OF_X),
    ),
    "inbox.delete_canned_reply": ("POST", _canned_url, signed_in(303, **STAFF_OF_X)),
    "inbox.updates": (
        "GET",
        lambda w: url_for("inbox.updates", team_id=w.team_x.id),
        signed_in(302, **STAFF_OF_X),
    ),
    "inbox.detail": ("GET", _team_request_url("inbox.detail"), signed_in(200, **STAFF_OF_X)),
    **{
        f"inbox.{name}": ("POST", _team_request_url(f"inbox.{name}"), signed_in(422, **STAFF_OF_X))
        for name in ("reply", "note", "status", "assign", "properties")
    },
    # A plain GET of the poll sends people to the request page.
    "inbox.who_else": ("GET", _team_request_url("inbox.who_else"), signed_in(302, **STAFF_OF_X)),
    "inbox.here": ("POST", _team_request_url("inbox.here"), signed_in(204, **STAFF_OF_X)),
    "inbox.handoff_form": (
        "GET",
        _team_request_url("inbox.handoff_form"),
        signed_in(200, **STAFF_OF_X),
    ),
    "inbox.hand_off": (
        "POST",
        _team_request_url("inbox.hand_off"),
        signed_in(422, **STAFF_OF_X),
    ),
    "handoffs.index": ("GET", lambda w: url_for("handoffs.index"), STAFF_ONLY),
    # The owner from another team gets in; so does the owning team.
    "handoffs.show": ("GET", _handoff_url("handoffs.show"), STAFF_ONLY),
    "handoffs.complete": (
        "POST",
        _handoff_url("handoffs.complete"),
        signed_in(422, **CONTACTS_403),
    ),
    "handoffs.cancel": ("POST", _handoff_url("handoffs.cancel"), signed_in(303, **CONTACTS_403)),
    "inbox.bulk": (
        "POST",
        lambda w: url_for("inbox.bulk", team_id=w.team_x.id),
        signed_in(303, **STAFF_OF_X),
    ),
    # Posting no name is the save form's 422, the inbox again.
    "inbox.save_view": (
        "POST",
        lambda w: url_for("inbox.save_view", team_id=w.team_x.id),
        signed_in(422, **STAFF_OF_X),
    ),
    "inbox.open_view": (
        "GET",
        lambda w: _member_x_view_url(w, "inbox.open_view"),
        signed_in(404, **STAFF_OF_X, member_x=302),
    ),
    "inbox.delete_view": (
        "POST",
        _member_x_view_url,
        signed_in(404, **STAFF_OF_X, member_x=303),
    ),
    "inbox.log_request": (
        "GET",
        lambda w: url_for("inbox.log_request", team_id=w.team_x.id),
        signed_in(200, **STAFF_OF_X),
    ),
    "notifications.index": ("GET", lambda w: url_for("notifications.index"), STAFF_ONLY),
    "notifications.badge": ("GET", lambda w: url_for("notifications.badge"), STAFF_ONLY),
    "notifications.settings": ("GET", lambda w: url_for("notifications.settings"), STAFF_ONLY),
    "notifications.read_all": (
        "POST",
        lambda w: url_for("notifications.read_all"),
        signed_in(303, **CONTACTS_403),
    ),
    # Someone else's notification (or none): nothing to mark, the list comes back.
    "notifications.read_one": (
        "POST",
        lambda w: url_for("notifications.read_one", notification_id=2**31 - 1),
        signed_in(303, **CONTACTS_403),
    ),
    "team_mail.index": (
        "GET",
        lambda w: url_for("team_mail.index", team_id=w.team_x.id),
        signed_in(200, **STAFF_OF_X),
    ),
    "team_mail.message": ("GET", _team_mail_url("team_mail.message"), signed_in(200, **STAFF_OF_X)),
    "team_mail.original": (
        "GET",
        _team_mail_url("team_mail.original"),
        signed_in(200, **STAFF_OF_X),
    ),
    "team_mail.attach": ("POST", _team_mail_url("team_mail.attach"), signed_in(422, **STAFF_OF_X)),
    "team_mail.invite": ("POST", _team_mail_url("team_mail.invite"), signed_in(422, **STAFF_OF_X)),
    "team_mail.discard": (
        "POST",
        _team_mail_url("team_mail.discard"),
        signed_in(303, **STAFF_OF_X),
    ),
    **ADMIN_ROWS,
    **API_ROWS,
    **PROCEDURE_ROWS,
    **INSIGHTS_ROWS,
    **WEBHOOK_ROWS,
    **RELATIONSHIP_ROWS,
    **ACCOUNT_TIER_ROWS,
    **FOLLOW_UP_ROWS,
}


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    missing = sorted(endpoints - ROWS.keys())
    assert missing == [], f"routes without a row in the access matrix: {missing}"
    stale = sorted(ROWS.keys() - endpoints)
    assert stale == [], f"rows for routes that no longer exist: {stale}"


def _outcome(response) -> int | str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/sign-in"):
        return "login"
    return response.status_code


@pytest.mark.parametrize("endpoint", sorted(ROWS))
def test_role_route_matrix(app, world, login_as, no_csrf, endpoint):
    method, build_url, expected = ROWS[endpoint]
    assert set(expected) == set(ROLES), f"{endpoint}: row must name every role"
    actual = {}
    for role in ROLES:
        client = app.test_client()
        if role != "visitor":
            login_as(getattr(world, role), on=client)
        with app.test_request_context():
            url = build_url(world)
        response = client.open(url, method=method, data={})
        actual[role] = _outcome(response)
    assert actual == expected


def test_the_request_loaders_see_exactly_what_the_lists_see(app, world):
    """`get_request`, `get_request_version` (the polls' light loader), the lists'
    `requests_visible_to` and the services' `can_see_request` are one rule: for every viewer
    and request they must agree, and the version must be the request's."""
    from flask_login import login_user
    from werkzeug.exceptions import NotFound

    from portal import access
    from portal.models import Request

    world.account_a.shares_visibility = True
    opted_in = factories.make_contact(world.account_a, sees_account_requests=True)
    opted_out = factories.make_contact(world.account_a)
    teamless = factories.make_user(name="Teamless")
    own = factories.make_request(world.account_a, world.contact_a, status="open")
    colleagues = factories.make_request(world.account_a, opted_out, status="open")
    other_company = factories.make_request(world.account_b, world.contact_b, status="open")
    same_team = factories.make_request(world.account_a2, world.contact_a2, status="open")
    handed_off = factories.make_request(world.account_a, world.contact_a, status="open")
    factories.make_handoff(handed_off, world.function, world.member_y, world.member_x)
    db.session.commit()
    items = (own, colleagues, other_company, same_team, handed_off)
    viewers = (
        world.contact_a,
        world.contact_a2,
        world.contact_b,
        opted_in,
        opted_out,
        world.member_x,
        world.member_y,
        world.coach_x,
        world.admin,
        teamless,
    )

    def visible(loader, item):
        try:
            return loader(item.id)
        except NotFound:
            return None

    seen = {}
    for viewer in viewers:
        with app.test_request_context():
            login_user(viewer)
            listed = set(
                db.session.scalars(access.requests_visible_to(viewer).with_only_columns(Request.id))
            )
            for item in items:
                full = visible(access.get_request, item)
                version = visible(access.get_request_version, item)
                assert (full is None) == (version is None), (viewer.name, item.subject)
                assert full is None or version == full.version
                assert (full is not None) == (item.id in listed), (viewer.name, item.subject)
                assert (full is not None) == access.can_see_request(viewer, item.id)
                seen[viewer.id, item.id] = full is not None
    assert seen[world.contact_a.id, own.id] and not seen[world.contact_a.id, colleagues.id]
    assert seen[opted_in.id, colleagues.id] and not seen[opted_in.id, other_company.id]
    assert not seen[world.contact_b.id, own.id] and seen[world.contact_b.id, other_company.id]
    assert seen[world.contact_a2.id, same_team.id] and not seen[world.contact_a2.id, own.id]
    assert not seen[opted_in.id, same_team.id] and not seen[world.contact_a.id, same_team.id]
    assert seen[world.member_y.id, handed_off.id] and not seen[world.member_y.id, own.id]
    assert seen[world.member_y.id, other_company.id]
    assert not seen[world.member_x.id, other_company.id]
    assert all(seen[world.admin.id, item.id] for item in items)
    assert not any(seen[teamless.id, item.id] for item in items)
