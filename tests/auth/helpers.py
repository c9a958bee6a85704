"""Small helpers for tests that post real forms: the CSRF token, a copied cookie."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

COOKIE = "__Host-onestop"

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The token a person's browser would post: read from the form on `path`."""
    response = client.get(path)
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF field on {path} ({response.status_code})"
    return match.group(1)


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app, cookie_value: str) -> FlaskClient:
    """A second browser holding a copy of an old cookie (a stolen or forgotten session)."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie_value)
    return other


def signs_in_page(response) -> bool:
    """The answer a signed-out person gets for a signed-in page: off to sign in."""
    return response.status_code == 302 and "/sign-in" in response.headers["Location"]


def link_path(app, text: str, prefix: str) -> str:
    """The path of the link to `prefix…` in a mail body; the link must be on BASE_URL."""
    match = re.search(re.escape(app.config["BASE_URL"]) + "(" + re.escape(prefix) + r"\S+)", text)
    assert match, text
    return match.group(1)
