"""Password reset by mail: same answer for everyone, a link that works once and expires."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import current_app, url_for
from sqlalchemy import select

from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.models import PasswordReset, User, utcnow
from tests import factories
from tests.auth.helpers import csrf_token, link_path, signs_in_page
from tests.conftest import outbox

NEW_PASSWORD = "mauve tugboat harmonica"


def ask_for_reset(client, email):
    token = csrf_token(client, url_for("auth.request_reset"))
    return client.post(url_for("auth.request_reset"), data={"csrf_token": token, "email": email})


def link_in(message) -> str:
    return link_path(current_app, message.body, "/reset/")


def choose_password(client, link, password=NEW_PASSWORD, confirm=None):
    token = csrf_token(client, link)
    return client.post(
        link,
        data={"csrf_token": token, "password": password, "confirm": confirm or password},
    )


def flash_after(client, response) -> str:
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return " ".join(re.findall(r'<p class="flash[^"]*">(.*?)</p>', page, re.S))


def test_known_and_unknown_emails_get_the_same_answer(app, client, world):
    known = ask_for_reset(client, world.contact_a.email)
    known_flash = flash_after(client, known)
    unknown = ask_for_reset(client, "nobody@example.com")
    unknown_flash = flash_after(client, unknown)
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known_flash == unknown_flash and "reset link" in known_flash
    link_mail, no_account = outbox(app)
    assert [link_mail.recipient, no_account.recipient] == [
        world.contact_a.email,
        "nobody@example.com",
    ]
    assert link_mail.subject == no_account.subject == "Reset your Onestop password"
    assert "/reset/" in link_mail.body
    assert "/reset/" not in no_account.body and "No active account" in no_account.body


def test_no_link_for_a_deactivated_person(app, client, world):
    world.member_x.active = False
    db.session.commit()
    response = ask_for_reset(client, world.member_x.email)
    assert response.status_code == 303
    (message,) = outbox(app)
    assert message.recipient == world.member_x.email
    assert "/reset/" not in message.body and "No active account" in message.body
    assert db.session.scalars(select(PasswordReset)).all() == []


def test_a_malformed_email_is_a_form_error(app, client):
    response = ask_for_reset(client, "not an email")
    assert response.status_code == 422
    assert outbox(app) == []


def test_the_link_sets_a_new_password_that_signs_in(app, client, world):
    ask_for_reset(client, world.contact_a.email.upper())
    link = link_in(outbox(app)[0])
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    response = choose_password(visitor, link)
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("customer.home")
    assert visitor.get(url_for("customer.home")).status_code == 200  # signed in by the reset

    user = db.session.get(User, world.contact_a.id)
    assert user.password_hash.startswith("scrypt:")
    assert verify_password(user.password_hash, NEW_PASSWORD)
    # And the new password works on the sign-in form, the old one does not.
    other = app.test_client()
    form = {"csrf_token": csrf_token(other, url_for("auth.login")), "email": user.email}
    assert (
        other.post(url_for("auth.login"), data={**form, "password": factories.PASSWORD}).status_code
        == 422
    )
    assert (
        other.post(url_for("auth.login"), data={**form, "password": NEW_PASSWORD}).status_code
        == 303
    )


def test_the_link_works_once(app, client, world):
    ask_for_reset(client, world.contact_a.email)
    link = link_in(outbox(app)[0])
    visitor = app.test_client()
    token = csrf_token(visitor, link)
    assert choose_password(visitor, link).status_code == 303

    again = app.test_client()
    response = again.get(link)
    assert response.status_code == 404
    assert "This link no longer works" in response.get_data(as_text=True)
    # Posting straight to it (with a valid token of another page) does not work either.
    token = csrf_token(again, url_for("auth.request_reset"))
    response = again.post(
        link,
        data={"csrf_token": token, "password": "another new one", "confirm": "another new one"},
    )
    assert response.status_code == 404
    assert verify_password(db.session.get(User, world.contact_a.id).password_hash, NEW_PASSWORD)


def test_an_expired_link_does_not_work(app, client, world):
    ask_for_reset(client, world.contact_a.email)
    link = link_in(outbox(app)[0])
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 404
    assert "This link no longer works" in response.get_data(as_text=True)


def test_the_link_lasts_the_configured_minutes(app, client, world):
    ask_for_reset(client, world.contact_a.email)
    reset = db.session.scalars(select(PasswordReset)).one()
    lifetime = reset.expires_at - reset.created_at
    assert abs(lifetime - timedelta(minutes=app.config["PASSWORD_RESET_MINUTES"])) < timedelta(
        seconds=5
    )
    assert reset.token_hash not in outbox(app)[0].body  # the database keeps only a hash


def test_using_one_link_spends_the_older_ones(app, client, world):
    ask_for_reset(client, world.contact_a.email)
    ask_for_reset(client, world.contact_a.email)
    first, second = (link_in(m) for m in outbox(app))
    assert first != second
    assert choose_password(app.test_client(), second).status_code == 303
    assert app.test_client().get(first).status_code == 404


def test_a_refused_password_keeps_the_link_usable(app, client, world):
    ask_for_reset(client, world.contact_a.email)
    link = link_in(outbox(app)[0])
    visitor = app.test_client()
    response = choose_password(visitor, link, password="password123")
    assert response.status_code == 422
    assert "most common" in response.get_data(as_text=True)
    response = choose_password(visitor, link, password="long enough", confirm="not the same")
    assert response.status_code == 422
    assert choose_password(visitor, link).status_code == 303


def test_a_deactivated_persons_link_stops_working(app, client, world):
    ask_for_reset(client, world.contact_a.email)
    link = link_in(outbox(app)[0])
    world.contact_a.active = False
    db.session.commit()
    assert app.test_client().get(link).status_code == 404


def test_an_unknown_token_is_the_no_longer_works_page(client):
    response = client.get(url_for("auth.reset_password", token="made-up"))
    assert response.status_code == 404
    assert "This link no longer works" in response.get_data(as_text=True)
    assert signs_in_page(client.get(url_for("auth.profile")))


def test_an_address_typed_with_spaces_and_capitals_still_gets_its_link(app, client, world):
    response = ask_for_reset(client, f"  {world.contact_a.email.upper()} ")
    assert response.status_code == 303
    assert [m.recipient for m in outbox(app)] == [world.contact_a.email]


def _reset_work(app, client, email, monkeypatch) -> tuple[list[tuple[str, str]], int]:
    """What asking for a reset of `email` does: the statements (verb and table) the request
    runs, and how many tokens it makes and hashes."""
    from sqlalchemy import event

    from portal import tokens

    token = csrf_token(client, url_for("auth.request_reset"))
    hashed = []
    hash_token = tokens.hash_token

    def counted(value):
        hashed.append(value)
        return hash_token(value)

    monkeypatch.setattr(tokens, "hash_token", counted)
    statements = []

    def record(_conn, _cursor, statement, *_args):
        words = statement.replace('"', "").split()
        verb = words[0].upper()
        table = words[words.index("INTO") + 1] if verb == "INSERT" else ""
        if verb == "SELECT":
            table = words[words.index("FROM") + 1]
        statements.append((verb, table))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post(
            url_for("auth.request_reset"), data={"csrf_token": token, "email": email}
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        monkeypatch.undo()
    assert response.status_code == 303
    return statements, len(hashed)


@pytest.mark.parametrize("stranger", ["unknown", "deactivated"])
def test_a_reset_for_a_stranger_does_the_same_work_as_for_a_person(
    app, world, monkeypatch, stranger
):
    """Timing must not tell the asker whether the address has an account: both ask the
    database the same question, make and hash a token, render a mail and write it to the
    outbox in the request's transaction. What differs is only what an account has: its
    reset link row and its audit event."""
    if stranger == "deactivated":
        world.member_x.active = False
        db.session.commit()
    email = "nobody@example.com" if stranger == "unknown" else world.member_x.email
    known, known_hashes = _reset_work(app, app.test_client(), world.contact_a.email, monkeypatch)
    other, other_hashes = _reset_work(app, app.test_client(), email, monkeypatch)
    account_rows = [("INSERT", "password_reset"), ("INSERT", "audit_event")]
    assert [s for s in known if s not in account_rows] == other
    assert ("INSERT", "outbox_message") in other
    assert known_hashes == other_hashes >= 1
    assert [m.recipient for m in outbox(app)] == [world.contact_a.email, email]
