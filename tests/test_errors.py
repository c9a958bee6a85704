"""Error pages (full page, or a message fragment for htmx) and bad input that is never a 500."""

from __future__ import annotations

import json
import re

import pytest
from flask import url_for

from portal import create_app
from portal.access import PUBLIC, policy
from portal.web import render_error
from tests import factories
from tests.auth.helpers import csrf_token
from tests.conftest import TEST_CONFIG

HTMX = {"HX-Request": "true"}


def assert_full_error_page(response, code):
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert f"Error {code}" in page
    assert "HX-Retarget" not in response.headers
    assert "HX-Request" in response.headers["Vary"]
    assert "Content-Security-Policy" in response.headers


def assert_error_fragment(response, code):
    assert response.status_code == code
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<body" not in body
    assert f'id="error-{code}"' in body and 'role="alert"' in body
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "HX-Request" in response.headers["Vary"]
    assert "Content-Security-Policy" in response.headers


def _400(client, world, login_as, headers):
    return client.post(url_for("auth.login"), data={"email": "a@example.com"}, headers=headers)


def _403(client, world, login_as, headers):
    login_as(world.member_x)
    return client.get(url_for("customer.home"), headers=headers)


def _404(client, world, login_as, headers):
    return client.get("/there/is/nothing/here", headers=headers)


def _405(client, world, login_as, headers):
    login_as(world.member_x)
    return client.get(url_for("auth.logout"), headers=headers)


@pytest.fixture
def small_uploads(app):
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        yield
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved


def _413(client, world, login_as, headers):
    return client.post(
        url_for("auth.login"),
        data={"email": "a@example.com", "password": "x" * 5000},
        headers=headers,
    )


ERRORS = {400: _400, 403: _403, 404: _404, 405: _405, 413: _413}


@pytest.mark.parametrize("code", ERRORS)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_error_responses(client, world, login_as, small_uploads, code, htmx):
    response = ERRORS[code](client, world, login_as, HTMX if htmx else {})
    if htmx:
        assert_error_fragment(response, code)
    else:
        assert_full_error_page(response, code)


def test_the_405_page_says_which_methods_are_allowed(client):
    response = client.get(url_for("auth.logout"))
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500])
def test_render_error_gives_page_or_fragment(app, code):
    with app.test_request_context("/"):
        page = render_error(code)
    with app.test_request_context("/", headers=HTMX):
        fragment = render_error(code)
    assert page.status_code == fragment.status_code == code
    page_text = page.get_data(as_text=True)
    assert "<html" in page_text and f"Error {code}" in page_text
    assert "Traceback" not in page_text
    assert fragment.headers["HX-Retarget"] == "#messages"
    assert "<html" not in fragment.get_data(as_text=True)


def test_the_429_text_asks_to_wait(app):
    with app.test_request_context("/"):
        page = render_error(429).get_data(as_text=True)
    assert "Too many attempts" in page and "wait" in page


@pytest.fixture
def broken_app(app):
    """A throwaway app with one route that fails, serving errors as in production."""
    throwaway = create_app(
        {
            **TEST_CONFIG,
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )

    @policy(PUBLIC)
    def explode():
        raise RuntimeError("boom: secret detail")

    throwaway.add_url_rule("/explode", "explode", explode)
    return throwaway


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_unexpected_failure_is_a_500_page_without_details(broken_app, htmx):
    client = broken_app.test_client()
    response = client.get("/explode", headers=HTMX if htmx else {})
    if htmx:
        assert_error_fragment(response, 500)
    else:
        assert_full_error_page(response, 500)
    body = response.get_data(as_text=True)
    assert "boom" not in body and "Traceback" not in body
    assert "Something went wrong on our side" in body
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- bad input is a form error or a 4xx, never a 500 ---------------------------------------

LONG = "x" * 10_000


@pytest.mark.parametrize(
    "data",
    [
        {"email": LONG + "@example.com", "password": "whatever"},
        {"email": "a@example.com", "password": LONG},
        {"email": LONG, "password": LONG, "next": "/" + LONG},
        {"email": "a\x00b@example.com", "password": "pass\x00word"},
        {"email": "\u202eevil@example.com", "password": "x"},
        {"email": "{{7*7}}@example.com", "password": "{{7*7}}"},
    ],
)
def test_hostile_sign_in_input_is_a_form_error(client, no_csrf, data):
    response = client.post(url_for("auth.login"), data=data)
    assert response.status_code == 422
    # The page's random CSRF token may hold "49" by chance: look at everything else.
    page = re.sub(
        r'"X-CSRFToken": "[^"]*"|name="csrf_token"[^>]*', "", response.get_data(as_text=True)
    )
    assert "49" not in page


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"email=%FF%FE%FD&password=%C3%28", "application/x-www-form-urlencoded"),
        (b"email=\xff\xfe\xfd&password=\xc3\x28", "application/x-www-form-urlencoded"),
        (b'{"email": "a@example.com", "password": "x"}', "application/json"),
        (b"email=a@example.com", "text/plain"),
        (b"<xml/>", "application/xml"),
        (b"\xff\xfe\x00\x01", "application/octet-stream"),
        (b"--broken\r\nnot multipart", "multipart/form-data; boundary=broken"),
        (b"email=a", "multipart/form-data"),
    ],
)
@pytest.mark.parametrize("path", ["auth.login", "auth.request_reset"])
def test_malformed_bodies_are_refused_cleanly(app, client, body, content_type, path):
    response = client.post(url_for(path), data=body, content_type=content_type)
    assert response.status_code == 400  # no CSRF token could be read
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(url_for(path), data=body, content_type=content_type)
    assert response.status_code in {400, 415, 422}


JSON_PAYLOADS = [
    {"email": 5, "password": 5, "name": 5, "confirm": 5, "current_password": 5},
    {"email": None, "password": None, "name": None},
    {"email": {"a": 1}, "password": [1, 2], "name": [True]},
    {"email": "a@example.com", "password": "\udcff\udcfe", "name": "Bad \udcff name"},
    {"email": "a@example.com", "password": "violet submarine choir", "name": "Fine"},
]


def _json_targets(world):
    _, token = factories.make_invitation(account=world.account_a)
    return [
        url_for("auth.login"),
        url_for("auth.request_reset"),
        url_for("auth.profile"),
        url_for("invitations.accept", token=token),
        url_for("workspace.invite_contact", team_id=world.team_x.id, account_id=world.account_a.id),
    ]


@pytest.mark.parametrize("payload", JSON_PAYLOADS)
def test_json_bodies_are_refused_even_with_a_valid_csrf_token(client, world, login_as, payload):
    """Flask-WTF would read JSON as form data; numbers, lists and lone surrogates then crashed
    validators, scrypt and the database driver (a 500). Forms here are forms."""
    targets = _json_targets(world)
    login_as(world.member_x)
    token = csrf_token(client, url_for("auth.profile"))
    for url in targets:
        response = client.post(
            url,
            data=json.dumps(payload),
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 415, url
        assert "not accepted" in response.get_data(as_text=True)


def test_overlong_reset_and_profile_input_is_a_form_error(client, world, login_as, no_csrf):
    assert client.post(url_for("auth.request_reset"), data={"email": LONG}).status_code == 422
    login_as(world.member_x)
    response = client.post(
        url_for("auth.profile"),
        data={"current_password": LONG, "password": LONG, "confirm": LONG},
    )
    assert response.status_code == 422


def test_overlong_invitation_input_is_a_form_error(client, world, login_as):
    login_as(world.member_x)
    page = url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)
    url = url_for(
        "workspace.invite_contact", team_id=world.team_x.id, account_id=world.account_a.id
    )
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, page), "name": LONG, "email": LONG + "@example.com"},
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/reset/%FF%FE",
        "/reset/" + "x" * 10_000,
        "/reset/a%00b",
        "/invitations/%FF",
        "/invitations/%C3%28/resend",
        "/invitations/99999999999999999999999999/resend",
        "/invitations/-1/revoke",
        "/sign-in/%FF",
        "/static/%FF.css",
        "/static/../portal/config.py",
    ],
)
def test_strange_urls_are_not_found(client, world, login_as, path):
    login_as(world.admin)
    response = client.get(path)
    assert response.status_code in {404, 405}


@pytest.mark.parametrize("query", ["next=%FF%FE", "next=" + "a" * 10_000, "next=%00", "x=%C3%28"])
def test_strange_query_strings_are_fine(client, query):
    assert client.get(url_for("auth.login") + "?" + query).status_code == 200


def test_strange_headers_are_fine(client):
    response = client.get(
        url_for("auth.login"),
        headers={"HX-Request": "\u00ff", "HX-Boosted": "yes", "HX-Target": "x" * 5000},
    )
    assert response.status_code == 200


def _id_rules(app):
    for rule in app.url_map.iter_rules():
        converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        if any(kind == "IdConverter" for kind in converters.values()):
            yield rule, converters


@pytest.mark.parametrize("huge", [2**31, 10**30])
def test_every_id_route_answers_404_for_an_impossible_id(app, client, world, login_as, huge):
    """Ids past the column's range used to overflow the database driver (a 500)."""
    app.config["WTF_CSRF_ENABLED"] = False
    login_as(world.admin)
    checked = 0
    for rule, converters in _id_rules(app):
        values = {name: huge if kind == "IdConverter" else "x" for name, kind in converters.items()}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            # 405 where the path also fits a route with a text part that takes other methods.
            assert response.status_code in {404, 405}, (method, path, response.status_code)
            checked += 1
    assert checked >= 4
