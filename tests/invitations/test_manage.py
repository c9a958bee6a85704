"""Inviting, resending and revoking: who may, what the old link does, duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app, url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.invitations import services
from portal.models import Invitation, utcnow
from tests import factories
from tests.auth.helpers import csrf_token, link_path
from tests.conftest import outbox


def token_in(message) -> str:
    return link_path(current_app, message.body, "/invitations/").removeprefix("/invitations/")


def post_as(client, url, *, data=None, page=None):
    token = csrf_token(client, page or url_for("auth.profile"))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def stored(invitation) -> Invitation:
    return db.session.get(Invitation, invitation.id)


# --- inviting and duplicates -------------------------------------------------------------


def invite_contact(client, world, email, name="Ada Contact"):
    page = url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)
    url = url_for(
        "workspace.invite_contact", team_id=world.team_x.id, account_id=world.account_a.id
    )
    return post_as(client, url, data={"email": email, "name": name}, page=page)


def pending_count(email) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.email == email)
    )


def test_a_member_invites_a_contact_and_the_mail_carries_a_working_link(
    app, client, world, login_as
):
    login_as(world.member_x)
    response = invite_contact(client, world, "New.Contact@Example.com")
    assert response.status_code == 303
    invitation = db.session.scalars(select(Invitation)).one()
    assert invitation.email == "new.contact@example.com"
    assert invitation.account_id == world.account_a.id
    (message,) = outbox(app)
    assert message.recipient == "new.contact@example.com"
    assert invitation.token_hash not in message.body
    visitor = app.test_client()
    assert visitor.get(url_for("invitations.accept", token=token_in(message))).status_code == 200


@pytest.mark.parametrize("variant", [str.lower, str.upper])
def test_inviting_someone_who_has_an_account_is_a_form_error(client, world, login_as, variant):
    login_as(world.member_x)
    response = invite_contact(client, world, variant(world.contact_b.email))
    assert response.status_code == 422
    assert "already has an account" in response.get_data(as_text=True)
    assert pending_count(world.contact_b.email) == 0


def test_inviting_an_address_with_a_pending_invitation_is_a_form_error(
    app, client, world, login_as
):
    factories.make_invitation(account=world.account_b, email="twice@example.com")
    db.session.commit()
    login_as(world.member_x)
    response = invite_contact(client, world, "Twice@example.com")
    assert response.status_code == 422
    assert "pending invitation" in response.get_data(as_text=True)
    assert pending_count("twice@example.com") == 1
    assert outbox(app) == []


def test_an_expired_or_revoked_invitation_does_not_block_a_new_one(client, world, login_as):
    factories.make_invitation(
        account=world.account_a,
        email="again@example.com",
        expires_at=utcnow() - timedelta(days=1),
    )
    factories.make_invitation(
        account=world.account_a, email="again2@example.com", revoked_at=utcnow()
    )
    db.session.commit()
    login_as(world.member_x)
    assert invite_contact(client, world, "again@example.com").status_code == 303
    assert invite_contact(client, world, "again2@example.com").status_code == 303


def test_staff_duplicates_are_refused_by_the_service(world):
    with pytest.raises(services.InvitationError, match="already has an account"):
        services.invite_staff(world.admin, email=world.member_x.email.upper(), name="Dup")
    services.invite_staff(world.admin, email="staff@example.com", name="Staff")
    with pytest.raises(services.InvitationError, match="pending invitation"):
        services.invite_staff(world.admin, email="STAFF@example.com", name="Staff again")


def test_a_staff_invitation_to_a_team_needs_a_role(world):
    with pytest.raises(services.InvitationError):
        services.invite_staff(
            world.admin, email="x@example.com", name="X", team=world.team_x, role="boss"
        )


# --- resending and revoking --------------------------------------------------------------


@pytest.fixture
def contact_invitation(world):
    invitation, token = factories.make_invitation(account=world.account_a)
    db.session.commit()
    return invitation, token


@pytest.fixture
def staff_invitation(world):
    invitation, token = factories.make_invitation()
    db.session.commit()
    return invitation, token


@pytest.mark.parametrize("person", ["member_x", "coach_x", "admin"])
def test_resend_issues_a_new_link_and_the_old_one_stops_working(
    app, client, world, login_as, contact_invitation, person
):
    invitation, old_token = contact_invitation
    invitation.expires_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    login_as(getattr(world, person))
    response = post_as(client, url_for("invitations.resend", invitation_id=invitation.id))
    assert response.status_code == 303
    assert response.headers["Location"] == url_for(
        "workspace.account", team_id=world.team_x.id, account_id=world.account_a.id
    )
    (message,) = outbox(app)
    new_token = token_in(message)
    assert new_token != old_token
    visitor = app.test_client()
    assert visitor.get(url_for("invitations.accept", token=old_token)).status_code == 404
    assert visitor.get(url_for("invitations.accept", token=new_token)).status_code == 200
    assert stored(invitation).expires_at > utcnow() + timedelta(days=6)


def test_resend_brings_a_revoked_invitation_back_with_a_new_link(
    app, client, world, login_as, contact_invitation
):
    invitation, old_token = contact_invitation
    login_as(world.member_x)
    post_as(client, url_for("invitations.revoke", invitation_id=invitation.id))
    post_as(client, url_for("invitations.resend", invitation_id=invitation.id))
    visitor = app.test_client()
    assert visitor.get(url_for("invitations.accept", token=old_token)).status_code == 404
    new_token = token_in(outbox(app)[-1])
    assert visitor.get(url_for("invitations.accept", token=new_token)).status_code == 200


def test_revoke_stops_the_link(app, client, world, login_as, contact_invitation):
    invitation, token = contact_invitation
    login_as(world.member_x)
    response = post_as(client, url_for("invitations.revoke", invitation_id=invitation.id))
    assert response.status_code == 303
    assert stored(invitation).revoked_at is not None
    assert app.test_client().get(url_for("invitations.accept", token=token)).status_code == 404


@pytest.mark.parametrize("action", ["invitations.resend", "invitations.revoke"])
def test_another_teams_member_gets_404_and_changes_nothing(
    app, client, world, login_as, contact_invitation, action
):
    invitation, token = contact_invitation
    before = stored(invitation).token_hash
    login_as(world.member_y)
    response = post_as(client, url_for(action, invitation_id=invitation.id))
    assert response.status_code == 404
    after = stored(invitation)
    assert after.token_hash == before and after.revoked_at is None
    assert outbox(app) == []
    assert app.test_client().get(url_for("invitations.accept", token=token)).status_code == 200


@pytest.mark.parametrize("action", ["invitations.resend", "invitations.revoke"])
@pytest.mark.parametrize(("person", "status"), [("contact_a", 403), ("member_x", 404)])
def test_only_admins_manage_staff_invitations(
    app, client, world, login_as, staff_invitation, action, person, status
):
    invitation, token = staff_invitation
    login_as(getattr(world, person))
    response = post_as(client, url_for(action, invitation_id=invitation.id))
    assert response.status_code == status
    assert stored(invitation).revoked_at is None
    assert outbox(app) == []
    assert app.test_client().get(url_for("invitations.accept", token=token)).status_code == 200


@pytest.mark.parametrize("action", ["invitations.resend", "invitations.revoke"])
def test_an_admin_manages_staff_invitations(app, client, world, login_as, staff_invitation, action):
    invitation, token = staff_invitation
    login_as(world.admin)
    response = post_as(client, url_for(action, invitation_id=invitation.id))
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("admin.invitations")
    assert app.test_client().get(url_for("invitations.accept", token=token)).status_code == 404


def test_a_contact_may_not_resend_their_own_accounts_invitation(
    client, world, login_as, contact_invitation
):
    invitation, _ = contact_invitation
    login_as(world.contact_a)
    response = post_as(
        client, url_for("invitations.resend", invitation_id=invitation.id), page="/me"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("invitation_id", [999_999, 2**31 - 1, 2**31, 10**30])
def test_unknown_ids_are_404(client, world, login_as, invitation_id):
    login_as(world.admin)
    response = post_as(client, f"/invitations/{invitation_id}/resend")
    assert response.status_code == 404


def test_resending_or_revoking_an_accepted_invitation_changes_nothing(
    app, client, world, login_as, contact_invitation
):
    invitation, _ = contact_invitation
    invitation.accepted_at = utcnow()
    db.session.commit()
    login_as(world.member_x)
    for action in ("invitations.resend", "invitations.revoke"):
        response = post_as(client, url_for(action, invitation_id=invitation.id))
        assert response.status_code == 303
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "already accepted" in page
    assert stored(invitation).revoked_at is None
    assert outbox(app) == []


def test_next_after_resend_is_followed_only_on_this_site(
    client, world, login_as, contact_invitation
):
    invitation, _ = contact_invitation
    login_as(world.member_x)
    url = url_for("invitations.resend", invitation_id=invitation.id)
    assert post_as(client, url, data={"next": "/me"}).headers["Location"] == "/me"
    response = post_as(client, url, data={"next": "//evil.example/"})
    assert response.headers["Location"].startswith("/teams/")


def test_resend_without_csrf_is_refused(client, world, login_as, contact_invitation):
    invitation, token = contact_invitation
    login_as(world.member_x)
    before = stored(invitation).token_hash
    response = client.post(url_for("invitations.resend", invitation_id=invitation.id))
    assert response.status_code == 400
    assert stored(invitation).token_hash == before
    assert client.get(url_for("invitations.accept", token=token)).status_code == 200
