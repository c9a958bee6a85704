"""The token pages: a coach makes, sees once, and revokes the team's tokens; a contact their
own; nobody else's; and a team token's integration person never shows up among the staff."""

from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiToken, AuditEvent, User
from tests.auth.helpers import csrf_token

SECRET = re.compile(r'<code class="secret" id="new-token">(ost_[\w-]+)</code>')


def _make(client, url, **fields):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


def test_a_coach_makes_a_token_sees_it_once_and_it_works(world, client, login_as):
    login_as(world.coach_x)
    url = url_for("api_tokens.create_team_token", team_id=world.team_x.id)
    made = _make(client, url, name="CRM sync", access="write", lifetime="30")
    assert made.status_code == 201
    secret = SECRET.search(made.text).group(1)
    token = db.session.scalars(select(ApiToken)).one()
    assert token.token_hash != secret and secret not in token.token_hash
    assert token.can_write and token.expires_at is not None
    listed = client.get(url_for("api_tokens.team_tokens", team_id=world.team_x.id)).text
    assert "CRM sync" in listed and token.hint in listed and secret not in listed
    answer = client.get("/api/v1/requests", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject_type == "apitoken"))


def test_a_bad_form_says_why_and_makes_nothing(world, client, login_as):
    login_as(world.coach_x)
    url = url_for("api_tokens.create_team_token", team_id=world.team_x.id)
    refused = _make(client, url, name="", access="admin", lifetime="forever")
    assert refused.status_code == 422
    assert "Say what uses it." in refused.text and "Not a valid choice" in refused.text
    assert db.session.scalars(select(ApiToken)).all() == []


def test_revoking_stops_the_token_at_once(world, client, login_as):
    login_as(world.coach_x)
    url = url_for("api_tokens.create_team_token", team_id=world.team_x.id)
    secret = SECRET.search(_make(client, url, name="CRM", access="read", lifetime="never").text)[1]
    token = db.session.scalars(select(ApiToken)).one()
    page = url_for("api_tokens.team_tokens", team_id=world.team_x.id)
    revoke = url_for("api_tokens.revoke_team_token", team_id=world.team_x.id, token_id=token.id)
    assert client.post(revoke, data={"csrf_token": csrf_token(client, page)}).status_code == 303
    assert (
        client.get("/api/v1/requests", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    assert "Revoked" in client.get(url_for("api_tokens.team_tokens", team_id=world.team_x.id)).text


def test_another_teams_token_cannot_be_revoked_from_here(world, client, login_as):
    from portal.api_tokens import services

    theirs, _ = services.create_team_token(
        world.admin, world.team_y, "Y", can_write=False, expires_at=None
    )
    db.session.commit()
    login_as(world.coach_x)
    page = url_for("api_tokens.team_tokens", team_id=world.team_x.id)
    revoke = url_for("api_tokens.revoke_team_token", team_id=world.team_x.id, token_id=theirs.id)
    assert client.post(revoke, data={"csrf_token": csrf_token(client, page)}).status_code == 404
    assert db.session.get(ApiToken, theirs.id).revoked_at is None


def test_a_contact_makes_a_token_for_their_own_account(world, client, login_as):
    login_as(world.contact_a)
    url = url_for("api_tokens.create_personal_token")
    made = _make(
        client, url, name="My script", access="read", lifetime="90", account=str(world.account_a.id)
    )
    assert made.status_code == 201
    token = db.session.scalars(select(ApiToken)).one()
    assert (token.user_id, token.account_id) == (world.contact_a.id, world.account_a.id)
    other = _make(
        client, url, name="Sneaky", access="read", lifetime="90", account=str(world.account_b.id)
    )
    assert other.status_code == 422  # not one of theirs
    assert len(db.session.scalars(select(ApiToken)).all()) == 1


def test_a_team_tokens_person_is_never_offered_as_staff(world, client, login_as):
    from portal.api_tokens import services

    token, _ = services.create_team_token(
        world.coach_x, world.team_x, "CRM bot", can_write=True, expires_at=None
    )
    db.session.commit()
    person = db.session.get(User, token.user_id)
    assert person.integration and person.is_staff and person.password_hash is None
    login_as(world.admin)
    assert "CRM bot" not in client.get(url_for("admin.people")).text
    login_as(world.member_x)
    inbox = client.get(url_for("inbox.index", team_id=world.team_x.id)).text
    assert "CRM bot" not in inbox


def test_an_integration_person_has_no_admin_page_to_be_made_admin_from(world, client, login_as):
    from portal.api_tokens import services

    token, _ = services.create_team_token(
        world.coach_x, world.team_x, "CRM bot", can_write=True, expires_at=None
    )
    db.session.commit()
    login_as(world.admin)
    assert client.get(url_for("admin.person", user_id=token.user_id)).status_code == 404
