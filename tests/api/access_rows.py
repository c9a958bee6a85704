"""The API's and the token pages' rows for the role × route matrix in tests/test_access.py.

A session cookie never authenticates the API: every role, signed in or not, gets 401 there
(tests/api/test_token_matrix.py is the same matrix for tokens). The API's schema and its
reference page are public. Token pages: a team's belong to its coach (and admins); a
contact's to contacts. POST rows send an empty form without CSRF.
"""

from __future__ import annotations

from flask import url_for

from portal.api_tokens import services as tokens
from portal.extensions import db
from tests import factories

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
STAFF_OF_X = {"contact_a": 403, "contact_a2": 403, "contact_b": 403, "member_y": 404}


def _every(answer, **overrides):
    return {role: overrides.get(role, answer) for role in ROLES}


def _coach_of_x(answer):
    return _every(answer, visitor="login", member_x=403, **STAFF_OF_X)


CONTACTS = _every(403, visitor="login", contact_a=200, contact_a2=200, contact_b=200)


_request_url = factories.url_about_a_request


def _team_token_url(w):
    token, _ = tokens.create_team_token(w.coach_x, w.team_x, "CRM", can_write=True, expires_at=None)
    db.session.commit()
    return url_for("api_tokens.revoke_team_token", team_id=w.team_x.id, token_id=token.id)


def _personal_token_url(w):
    """Contact A's own token: anyone else's revoke finds nothing."""
    token, _ = tokens.create_personal_token(
        w.contact_a, w.account_a, "Script", can_write=True, expires_at=None
    )
    db.session.commit()
    return url_for("api_tokens.revoke_personal_token", token_id=token.id)


ROWS = {
    "api.openapi": ("GET", lambda w: url_for("api.openapi"), _every(200)),
    "api.list_requests": ("GET", lambda w: url_for("api.list_requests"), _every(401)),
    "api.raise_request": ("POST", lambda w: url_for("api.raise_request"), _every(401)),
    "api.get_request": ("GET", _request_url("api.get_request"), _every(401)),
    "api.timeline": ("GET", _request_url("api.timeline"), _every(401)),
    "api.reply": ("POST", _request_url("api.reply"), _every(401)),
    "api.note": ("POST", _request_url("api.note"), _every(401)),
    "api.change": ("PATCH", _request_url("api.change"), _every(401)),
    "api.list_accounts": ("GET", lambda w: url_for("api.list_accounts"), _every(401)),
    "api.get_account": (
        "GET",
        lambda w: url_for("api.get_account", account_id=w.account_a.id),
        _every(401),
    ),
    "api.list_contacts": (
        "GET",
        lambda w: url_for("api.list_contacts", account_id=w.account_a.id),
        _every(401),
    ),
    "api.list_ratings": ("GET", lambda w: url_for("api.list_ratings"), _every(401)),
    "api.list_handoffs": ("GET", _request_url("api.list_handoffs"), _every(401)),
    "api.hand_off": ("POST", _request_url("api.hand_off"), _every(401)),
    "api.complete_handoff": (
        "POST",
        factories.url_about_a_handoff("api.complete_handoff"),
        _every(401),
    ),
    "api.list_attachments": ("GET", _request_url("api.list_attachments"), _every(401)),
    "api.get_attachment": ("GET", factories.url_about_a_file("api.get_attachment"), _every(401)),
    "api.list_procedures": ("GET", lambda w: url_for("api.list_procedures"), _every(401)),
    "api.get_procedure": (
        "GET",
        factories.url_about_a_procedure("api.get_procedure"),
        _every(401),
    ),
    "api.list_rounds": ("GET", factories.url_about_a_procedure("api.list_rounds"), _every(401)),
    "api.survey_results": ("GET", lambda w: url_for("api.survey_results"), _every(401)),
    "api_tokens.reference": ("GET", lambda w: url_for("api_tokens.reference"), _every(200)),
    "api_tokens.team_tokens": (
        "GET",
        lambda w: url_for("api_tokens.team_tokens", team_id=w.team_x.id),
        _coach_of_x(200),
    ),
    "api_tokens.create_team_token": (
        "POST",
        lambda w: url_for("api_tokens.create_team_token", team_id=w.team_x.id),
        _coach_of_x(422),
    ),
    "api_tokens.revoke_team_token": ("POST", _team_token_url, _coach_of_x(303)),
    "api_tokens.personal_tokens": (
        "GET",
        lambda w: url_for("api_tokens.personal_tokens"),
        CONTACTS,
    ),
    "api_tokens.create_personal_token": (
        "POST",
        lambda w: url_for("api_tokens.create_personal_token"),
        _every(403, visitor="login", contact_a=422, contact_a2=422, contact_b=422),
    ),
    "api_tokens.revoke_personal_token": (
        "POST",
        _personal_token_url,
        _every(403, visitor="login", contact_a=303, contact_a2=404, contact_b=404),
    ),
}
