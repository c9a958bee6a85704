"""Signing in and out through the real forms (CSRF on, scrypt on)."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from portal.extensions import db
from tests import factories
from tests.auth.helpers import csrf_token, signs_in_page

SAME_MESSAGE = "That email and password do not match an active account."


def post_sign_in(client, email, password, *, next=None, headers=None):
    data = {"csrf_token": csrf_token(client, url_for("auth.login")), "email": email}
    data["password"] = password
    if next is not None:
        data["next"] = next
    return client.post(url_for("auth.login"), data=data, headers=headers or {})


def field_errors(response) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)


@pytest.mark.parametrize(
    ("person", "home"),
    [
        ("contact_a", lambda w: url_for("customer.home")),
        ("admin", lambda w: url_for("admin.index")),
        ("member_x", lambda w: url_for("inbox.index", team_id=w.team_x.id)),
    ],
)
def test_right_credentials_land_on_the_roles_home(client, world, person, home):
    user = getattr(world, person)
    response = post_sign_in(client, user.email, factories.PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == home(world)
    assert client.get(response.headers["Location"]).status_code == 200
    assert db.session.get(type(user), user.id).last_login_at is not None


def test_email_is_matched_whatever_its_case_and_spaces(client, world):
    response = post_sign_in(client, "  " + world.contact_a.email.upper(), factories.PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("customer.home")


def test_wrong_password_and_unknown_email_get_the_same_answer(client, world):
    wrong_password = post_sign_in(client, world.member_x.email, "not the password at all")
    unknown_email = post_sign_in(client, "nobody@example.com", factories.PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 422
    assert field_errors(wrong_password) == field_errors(unknown_email)
    assert SAME_MESSAGE in field_errors(wrong_password)[0]
    # Neither left the visitor signed in.
    assert signs_in_page(client.get(url_for("auth.profile")))


def test_a_deactivated_person_cannot_sign_in(client, world):
    world.member_x.active = False
    db.session.commit()
    response = post_sign_in(client, world.member_x.email, factories.PASSWORD)
    assert response.status_code == 422
    assert SAME_MESSAGE in field_errors(response)[0]
    assert signs_in_page(client.get(url_for("auth.profile")))


def test_empty_form_is_a_form_error(client):
    response = post_sign_in(client, "", "")
    assert response.status_code == 422
    assert len(field_errors(response)) == 2


def test_next_is_carried_from_the_signed_out_redirect_to_the_form(client):
    response = client.get(url_for("auth.profile"))
    assert response.status_code == 302
    assert response.headers["Location"] == url_for("auth.login", next="/me")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'name="next"[^>]*value="/me"', page)


def test_next_is_followed_for_a_path_on_this_site(client, world):
    response = post_sign_in(client, world.member_x.email, factories.PASSWORD, next="/me?tab=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/me?tab=1"


HOSTILE_NEXT = [
    "//evil.example",
    "//evil.example/me",
    "https://evil.example",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.fixture
def quick_check(monkeypatch):
    """These tests are about where sign-in leads, not scrypt: check the password quickly."""
    monkeypatch.setattr(
        "portal.auth.services.verify_password", lambda stored, given: given == factories.PASSWORD
    )


@pytest.mark.parametrize("target", HOSTILE_NEXT)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "boosted"])
def test_next_to_another_site_is_ignored(client, world, quick_check, target, htmx):
    headers = {"HX-Request": "true", "HX-Boosted": "true"} if htmx else {}
    response = post_sign_in(
        client, world.member_x.email, factories.PASSWORD, next=target, headers=headers
    )
    home = url_for("inbox.index", team_id=world.team_x.id)
    if htmx:
        assert response.status_code == 204
        assert response.headers["HX-Redirect"] == home
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == home


def test_signed_in_person_opening_sign_in_goes_home(client, world, login_as):
    login_as(world.contact_a)
    response = client.get(url_for("auth.login"))
    assert response.status_code == 302
    assert response.headers["Location"] == url_for("customer.home")


def test_sign_out_is_post_only(client, world, login_as):
    login_as(world.member_x)
    response = client.get(url_for("auth.logout"))
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert client.get(url_for("auth.profile")).status_code == 200  # still signed in


def test_sign_out_without_csrf_token_changes_nothing(client, world, login_as):
    login_as(world.member_x)
    response = client.post(url_for("auth.logout"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<html" in page and "nothing was saved" in page
    assert client.get(url_for("auth.profile")).status_code == 200  # still signed in


def test_sign_out_with_csrf_token_signs_out(client, world, login_as):
    login_as(world.member_x)
    token = csrf_token(client, url_for("auth.profile"))
    response = client.post(url_for("auth.logout"), data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("main.landing")
    assert signs_in_page(client.get(url_for("auth.profile")))


def test_sign_out_by_htmx_redirects_the_whole_page(client, world, login_as):
    login_as(world.member_x)
    token = csrf_token(client, url_for("auth.profile"))
    response = client.post(
        url_for("auth.logout"), headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == url_for("main.landing")
    assert signs_in_page(client.get(url_for("auth.profile")))
