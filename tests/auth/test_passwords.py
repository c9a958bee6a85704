"""The password rule and changing one's password."""

from __future__ import annotations

import pytest
from flask import url_for

from portal.auth.passwords import hash_password, password_problem, verify_password
from portal.extensions import db
from portal.models import User
from tests import factories
from tests.auth.helpers import csrf_token


@pytest.mark.parametrize(
    "password",
    [
        "x" * 7,
        "",
        "y" * 129,
        "password123",
        "qwertyuiop",
        "PASSWORD123",  # case does not make a common password uncommon
        "iloveyou",
    ],
)
def test_refused_passwords(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize(
    "password",
    [
        "tangerine kayak",  # no digits, no capitals, no symbols: no composition rules
        "zzzzzzzqx",
        "a" * 8 + "b",
        "z" * 128,
        "ünïcödé pässwörd",
    ],
)
def test_accepted_passwords(password):
    assert password_problem(password) is None


def test_boundaries_are_eight_and_one_hundred_twenty_eight():
    assert password_problem("kq7#vnwz") is None
    assert password_problem("kq7#vnw") is not None
    assert password_problem("kq7#vnwz" * 16) is None
    assert password_problem("kq7#vnwz" * 16 + "x") is not None


def test_ones_own_email_or_name_is_refused():
    assert password_problem("ada.lovelace", email="ada.lovelace@example.com") is not None
    assert password_problem("adalovelace", name="Ada Lovelace") is not None


def test_passwords_are_stored_as_scrypt():
    stored = hash_password("tangerine kayak")
    assert stored.startswith("scrypt:")
    assert "tangerine" not in stored
    assert verify_password(stored, "tangerine kayak")
    assert not verify_password(stored, "tangerine kayaks")
    assert not verify_password(None, "tangerine kayak")


def _change(client, current, new, confirm=None):
    token = csrf_token(client, url_for("auth.profile"))
    return client.post(
        url_for("auth.profile"),
        data={
            "csrf_token": token,
            "current_password": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def _stored(user) -> User:
    return db.session.get(User, user.id)


def test_change_password_with_the_current_one(client, world, login_as):
    login_as(world.member_x)
    response = _change(client, factories.PASSWORD, "a brand new long passphrase")
    assert response.status_code == 303
    user = _stored(world.member_x)
    assert user.password_hash.startswith("scrypt:")
    assert verify_password(user.password_hash, "a brand new long passphrase")
    assert not verify_password(user.password_hash, factories.PASSWORD)
    assert user.session_version == 2


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("not my password", "a brand new long passphrase", None, "not your current password"),
        (factories.PASSWORD, "short", None, "at least 8"),
        (factories.PASSWORD, "q" * 129, None, "at most 128"),
        (factories.PASSWORD, "password123", None, "most common"),
        (factories.PASSWORD, "a brand new long passphrase", "something else", "do not match"),
        ("", "a brand new long passphrase", None, "current password"),
    ],
)
def test_a_refused_change_is_422_and_changes_nothing(
    client, world, login_as, current, new, confirm, message
):
    login_as(world.member_x)
    before = _stored(world.member_x).password_hash
    response = _change(client, current, new, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    user = _stored(world.member_x)
    assert user.password_hash == before
    assert user.session_version == 1
    assert client.get(url_for("auth.profile")).status_code == 200  # still signed in


def test_a_refused_change_by_htmx_answers_the_form_fragment(client, world, login_as):
    login_as(world.member_x)
    token = csrf_token(client, url_for("auth.profile"))
    response = client.post(
        url_for("auth.profile"),
        data={"current_password": "wrong", "password": "x", "confirm": "x"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="password-form"')
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
