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
    "api.list_handoffs": (
        "GET",
        _a_request("api.list_handoffs"),
        None,
        {**SEES_A, "contact_a": 403, "contact_a2": 403, "read_only": 200},
    ),
    "api.hand_off": (
        "POST",
        _a_request("api.hand_off"),
        {"function_id": 1, "what_is_needed": "Check the limit"},
        {**SEES_A, "team_x": 422, "contact_a": 403, "contact_a2": 403, "read_only": 403},
    ),
    "api.complete_handoff": (
        "POST",
        factories.url_about_a_handoff("api.complete_handoff"),
        {"outcome": "Limit raised"},
        {**SEES_A, "team_x": 200, "contact_a": 403, "contact_a2": 403, "read_only": 403},
    ),
    "api.list_attachments": (
        "GET",
        _a_request("api.list_attachments"),
        None,
        {**SEES_A, "read_only": 200},
    ),
    "api.get_attachment": (
        "GET",
        factories.url_about_a_file("api.get_attachment"),
        None,
        {**SEES_A, "read_only": 200},
    ),
    "api.list_procedures": (
        "GET",
        lambda w: url_for("api.list_procedures"),
        None,
        {**dict.fromkeys(TOKENS, 200), "none": 401, "contact_a": 403, "contact_a2": 403},
    ),
    "api.get_procedure": (
        "GET",
        factories.url_about_a_procedure("api.get_procedure"),
        None,
        {**SEES_A, "contact_a": 403, "contact_a2": 403, "read_only": 200},
    ),
    "api.list_rounds": (
        "GET",
        factories.url_about_a_procedure("api.list_rounds"),
        None,
        {**SEES_A, "contact_a": 403, "contact_a2": 403, "read_only": 200},
    ),
    "api.survey_results": (
        "GET",
        lambda w: url_for("api.survey_results"),
        None,
        {**dict.fromkeys(TOKENS, 200), "none": 401, "contact_a": 403, "contact_a2": 403},
    ),
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
