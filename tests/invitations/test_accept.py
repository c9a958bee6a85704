"""Accepting an invitation: name and password set, the right kind of person created, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.invitations import services
from portal.models import COACH, Contact, Invitation, Membership, User, utcnow
from tests import factories
from tests.auth.helpers import csrf_token

PASSWORD = "violet submarine choir"


def accept(client, token, *, name="New Person", password=PASSWORD, confirm=None):
    link = url_for("invitations.accept", token=token)
    return client.post(
        link,
        data={
            "csrf_token": csrf_token(client, link),
            "name": name,
            "password": password,
            "confirm": confirm or password,
        },
    )


def user_with(email) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_page_greets_the_invitee_with_their_name_filled_in(client, world):
    invitation, token = factories.make_invitation(account=world.account_a, name="Grace Hopper")
    db.session.commit()
    response = client.get(url_for("invitations.accept", token=token))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Grace Hopper"' in page
    assert invitation.email in page and "Account A" in page


def test_a_contact_accepts_and_lands_on_the_customer_home(client, world):
    invitation, token = factories.make_invitation(account=world.account_a)
    db.session.commit()
    response = accept(client, token, name="  Grace Hopper  ")
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("customer.home")
    assert client.get(url_for("customer.home")).status_code == 200  # signed in

    user = user_with(invitation.email)
    assert user.name == "Grace Hopper"
    assert user.is_contact and not user.is_admin
    assert user.password_hash.startswith("scrypt:")
    assert verify_password(user.password_hash, PASSWORD)
    contacts = db.session.scalars(select(Contact).where(Contact.user_id == user.id)).all()
    assert [c.account_id for c in contacts] == [world.account_a.id]
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.accepted_at is not None and invitation.user_id == user.id


def test_staff_invited_to_a_team_becomes_a_member_with_that_role(client, world):
    invitation = services.invite_staff(
        world.admin, email="newcoach@example.com", name="New Coach", team=world.team_y, role=COACH
    )
    token = _token_from_outbox()
    db.session.commit()
    response = accept(client, token, name="New Coach")
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("inbox.index", team_id=world.team_y.id)
    user = user_with("newcoach@example.com")
    assert user.is_staff and not user.is_admin
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    assert [(m.team_id, m.role) for m in memberships] == [(world.team_y.id, COACH)]
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 3  # world's only
    assert db.session.get(Invitation, invitation.id).accepted_at is not None


def test_staff_invited_without_a_team_has_no_membership(client, world):
    invitation, token = factories.make_invitation()
    db.session.commit()
    assert accept(client, token).status_code == 303
    user = user_with(invitation.email)
    assert user.is_staff
    assert db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all() == []


def _token_from_outbox() -> str:
    from tests.conftest import outbox

    body = outbox(None)[-1].body
    return body.split("/invitations/", 1)[1].split()[0]


def _assert_invalid(response):
    assert response.status_code == 404
    assert "This invitation no longer works" in response.get_data(as_text=True)


def test_a_used_invitation_does_not_work_again(app, client, world):
    _, token = factories.make_invitation(account=world.account_a)
    db.session.commit()
    assert accept(client, token).status_code == 303
    people = count(User)
    other = app.test_client()
    _assert_invalid(other.get(url_for("invitations.accept", token=token)))
    # A post with a valid CSRF token from another page is refused the same way.
    link = url_for("invitations.accept", token=token)
    response = other.post(
        link,
        data={
            "csrf_token": csrf_token(other, url_for("auth.login")),
            "name": "Second",
            "password": "another password entirely",
            "confirm": "another password entirely",
        },
    )
    _assert_invalid(response)
    assert count(User) == people


def test_an_expired_invitation_does_not_work(client, world):
    _, token = factories.make_invitation(
        account=world.account_a, expires_at=utcnow() - timedelta(seconds=1)
    )
    db.session.commit()
    _assert_invalid(client.get(url_for("invitations.accept", token=token)))


def test_a_revoked_invitation_does_not_work(client, world):
    invitation, token = factories.make_invitation(account=world.account_a)
    services.revoke(world.member_x, invitation)
    db.session.commit()
    _assert_invalid(client.get(url_for("invitations.accept", token=token)))


@pytest.mark.parametrize("token", ["made-up", "x" * 500, "%FF%FE", "a%00b"])
def test_an_unknown_token_does_not_work(client, token):
    _assert_invalid(client.get("/invitations/" + token))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short"}, "at least 8"),
        ({"password": "password123"}, "most common"),
        ({"password": "z" * 129}, "at most 128"),
        ({"confirm": "something different"}, "do not match"),
        ({"name": ""}, "Enter a name"),
        ({"name": "n" * 10_000}, "at most 120"),
    ],
)
def test_a_refused_form_creates_nobody_and_keeps_the_link(client, world, fields, message):
    invitation, token = factories.make_invitation(account=world.account_a)
    db.session.commit()
    response = accept(client, token, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user_with(invitation.email) is None
    assert client.get(url_for("invitations.accept", token=token)).status_code == 200


def test_an_address_that_got_an_account_meanwhile_is_a_form_error(client, world):
    invitation, token = factories.make_invitation(account=world.account_a)
    factories.make_user(email=invitation.email.upper())
    db.session.commit()
    people = count(User)
    response = accept(client, token)
    assert response.status_code == 422
    assert "already has an account" in response.get_data(as_text=True)
    assert count(User) == people
