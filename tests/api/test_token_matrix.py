"""The role × route matrix for tokens: every API route, every kind of token, the answer each
must get. A new API route without a row here fails, as a page without one fails
tests/test_access.py."""

from __future__ import annotations

import pytest
from flask import url_for

from tests import factories

TOKENS = ("none", "team_x", "team_y", "contact_a", "contact_a2", "read_only")
SEES_A = {"none": 401, "team_x": 200, "team_y": 404, "contact_a": 200, "contact_a2": 404}


_a_request = factories.url_about_a_request


ROWS = {
    "api.list_requests": (
        "GET",
        lambda w: url_for("api.list_requests"),
        None,
        {**dict.fromkeys(TOKENS, 200), "none": 401},
    ),
    "api.get_request": ("GET", _a_request("api.get_request"), None, {**SEES_A, "read_only": 200}),
    "api.timeline": ("GET", _a_request("api.timeline"), None, {**SEES_A, "read_only": 200}),
    "api.reply": (
        "POST",
        _a_request("api.reply"),
        {"body": "Any news?"},
        {**SEES_A, "team_x": 201, "contact_a": 201, "read_only": 403},
    ),
    "api.note": (
        "POST",
        _a_request("api.note"),
        {"body": "Checked the depot."},
        {**SEES_A, "team_x": 201, "contact_a": 403, "contact_a2": 403, "read_only": 403},
    ),
    "api.change": (
        "PATCH",
        _a_request("api.change"),
        {"urgency": "high"},
        {**SEES_A, "team_x": 200, "contact_a": 403, "contact_a2": 403, "read_only": 403},
    ),
    # A team token must say for whom (422 without requester_id); a contact raises as themself.
    "api.raise_request": (
        "POST",
        lambda w: url_for("api.raise_request"),
        {"subject": "Short delivery", "description": "Two pallets missing."},
        {
            "none": 401,
            "team_x": 422,
            "team_y": 422,
            "contact_a": 201,
            "contact_a2": 201,
            "read_only": 403,
        },
    ),
    "api.list_accounts": (
        "GET",
        lambda w: url_for("api.list_accounts"),
        None,
        {**dict.fromkeys(TOKENS, 200), "none": 401},
    ),
    "api.get_account": (
        "GET",
        lambda w: url_for("api.get_account", account_id=w.account_a.id),
        None,
        {**SEES_A, "read_only": 200},
    ),
    "api.list_contacts": (
        "GET",
        lambda w: url_for("api.list_contacts", account_id=w.account_a.id),
        None,
        {**SEES_A, "contact_a": 403, "contact_a2": 403, "read_only": 200},
    ),
    "api.list_ratings": (
        "GET",
        lambda w: url_for("api.list_ratings"),
        None,
        {**dict.fromkeys(TOKENS, 200), "none": 401, "contact_a": 403, "contact_a2": 403},
    ),
    "api.openapi": ("GET", lambda w: url_for("api.openapi"), None, dict.fromkeys(TOKENS, 200)),
}


def test_every_api_route_has_a_row(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert endpoints == set(ROWS)


@pytest.mark.parametrize("endpoint", sorted(ROWS))
def test_token_route_matrix(app, world, api, api_tokens, endpoint):
    method, build_url, body, expected = ROWS[endpoint]
    actual = {}
    for kind in TOKENS:
        url = build_url(world)
        token = None if kind == "none" else getattr(api_tokens, kind)
        actual[kind] = api.call(method, url, token, json=body).status_code
    assert actual == expected
