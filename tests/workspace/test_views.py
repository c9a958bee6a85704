"""The team workspace: a team sees its own accounts and people, and invites contacts."""

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, Invitation, OutboxMessage
from tests import factories

HX = {"HX-Request": "true"}


def test_team_home_lists_only_the_teams_accounts_and_people(client, world, login_as):
    other = factories.make_account(world.team_x, world.tier, "Second X Account")
    skill_function = factories.make_function("Delivery")
    factories.make_skill(world.member_x, skill_function, 3)
    login_as(world.member_x)

    page = client.get(url_for("workspace.team_home", team_id=world.team_x.id)).text

    assert "Account A" in page and "Second X Account" in page
    assert "Account B" not in page  # Team Y's account
    assert "Member X" in page and "Coach X" in page
    assert "Member Y" not in page
    assert "Delivery" in page and "Expert" in page
    assert other.name in page


def test_account_of_another_team_is_not_found_even_with_the_right_team_id(client, world, login_as):
    login_as(world.member_x)
    # Account B exists but belongs to Team Y: pairing it with Team X's URL must not leak it.
    response = client.get(
        url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_b.id)
    )
    assert response.status_code == 404
    assert "Account B" not in response.text


def test_admin_pairing_an_account_with_the_wrong_team_gets_404(client, world, login_as):
    login_as(world.admin)
    response = client.get(
        url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_b.id)
    )
    assert response.status_code == 404


def test_invite_contact_plain_post_redirects_and_queues_mail(client, world, login_as, no_csrf):
    login_as(world.member_x)
    url = url_for(
        "workspace.invite_contact", team_id=world.team_x.id, account_id=world.account_a.id
    )

    response = client.post(url, data={"name": "Nia Brook", "email": "Nia@Customer.com"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)
    )
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "nia@customer.com"  # one stored form of every address
    assert invitation.account_id == world.account_a.id
    assert invitation.invited_by_id == world.member_x.id
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in mail] == ["nia@customer.com"]
    assert "/invitations/" in mail[0].body


def test_invite_contact_with_htmx_returns_the_contacts_fragment(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    url = url_for(
        "workspace.invite_contact", team_id=world.team_x.id, account_id=world.account_a.id
    )

    response = client.post(url, data={"name": "Nia Brook", "email": "nia@customer.com"}, headers=HX)

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in response.text
    assert 'id="contacts"' in response.text
    assert "nia@customer.com" in response.text  # the new pending invitation is listed
    assert 'hx-swap-oob="true"' in response.text  # the flash message travels with it


def test_invite_contact_bad_input_is_a_form_error_and_saves_nothing(
    client, world, login_as, no_csrf
):
    login_as(world.member_x)
    url = url_for(
        "workspace.invite_contact", team_id=world.team_x.id, account_id=world.account_a.id
    )

    cases = [
        ({"name": "", "email": "x@customer.com"}, "Enter a name."),
        ({"name": "X", "email": "not-an-email"}, "Enter an email address like"),
        ({"name": "X" * 121, "email": "x@customer.com"}, "at most 120"),
        ({"name": "X", "email": world.contact_b.email}, "already has an account"),
    ]
    for data, message in cases:
        response = client.post(url, data=data, headers=HX)
        assert response.status_code == 422, data
        assert message in response.text, data
    assert db.session.scalars(select(Invitation)).all() == []
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_second_invitation_to_the_same_address_is_refused(client, world, login_as, no_csrf):
    login_as(world.member_x)
    url = url_for(
        "workspace.invite_contact", team_id=world.team_x.id, account_id=world.account_a.id
    )
    data = {"name": "Nia", "email": "nia@customer.com"}
    assert client.post(url, data=data).status_code == 303
    again = client.post(url, data=data)
    assert again.status_code == 422
    assert "resend it instead" in again.text
    assert len(db.session.scalars(select(Invitation)).all()) == 1


def test_member_of_another_team_cannot_invite_to_the_account(client, world, login_as, no_csrf):
    login_as(world.member_y)
    url = url_for(
        "workspace.invite_contact", team_id=world.team_x.id, account_id=world.account_a.id
    )
    response = client.post(url, data={"name": "Nia", "email": "nia@customer.com"})
    assert response.status_code == 404
    assert db.session.scalars(select(Invitation)).all() == []


def test_account_page_shows_contacts_and_pending_invitations(client, world, login_as):
    factories.make_invitation(account=world.account_a, email="pending@customer.com")
    factories.make_invitation(account=world.account_b, email="other-team@customer.com")
    login_as(world.member_x)
    page = client.get(
        url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)
    ).text
    assert "Contact A" in page
    assert "Contact B" not in page
    assert "pending@customer.com" in page and "Pending" in page
    assert "other-team@customer.com" not in page


def test_contact_visibility_badge_needs_both_account_and_contact_opt_in(client, world, login_as):
    contact = db.session.scalar(select(Contact).where(Contact.user_id == world.contact_a.id))
    contact.sees_account_requests = True
    db.session.commit()
    login_as(world.member_x)
    url = url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)
    assert "Sees the account" not in client.get(url).text  # account does not share
    world.account_a.shares_visibility = True
    db.session.commit()
    assert "Sees the account" in client.get(url).text


def test_workspace_index_sends_a_one_team_member_straight_to_the_team(client, world, login_as):
    login_as(world.member_x)
    response = client.get(url_for("workspace.index"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        url_for("workspace.team_home", team_id=world.team_x.id)
    )


def test_staff_without_a_team_is_told_so(client, world, login_as):
    loner = factories.make_user(name="Loner")
    login_as(loner)
    response = client.get(url_for("workspace.index"))
    assert response.status_code == 200
    assert "not in a team yet" in response.text


# --- a new team's set-up checklist ---------------------------------------------------------------


def test_a_new_team_gets_a_set_up_checklist_until_it_is_set_up(client, world, login_as):
    from datetime import time

    from portal.models import WorkingHours

    team = factories.make_team("Fresh Team")
    coach = factories.make_member(team, role="coach", name="New Coach")
    db.session.commit()
    login_as(coach)
    url = url_for("workspace.team_home", team_id=team.id)

    page = client.get(url).text
    assert "Set up this team" in page and "0 of 5 done" in page
    assert "an admin does this" in page  # a coach is told who does the admin steps
    assert "No members yet" not in page

    account = factories.make_account(team, world.tier, "First Customer")
    factories.make_contact(account)
    factories.make_skill(coach, world.function)
    db.session.commit()
    page = client.get(url).text
    assert "3 of 5 done" in page

    db.session.add(WorkingHours(team_id=team.id, weekday=0, opens=time(9), closes=time(17)))
    factories.make_service_level(world.tier, first_response=60, resolution=480)
    db.session.commit()
    assert "Set up this team" not in client.get(url).text


def test_an_admin_gets_links_to_where_each_step_is_done(client, world, login_as):
    team = factories.make_team("Fresh Team")
    db.session.commit()
    login_as(world.admin)
    page = client.get(url_for("workspace.team_home", team_id=team.id)).text
    assert f'href="{url_for("admin.team_hours", team_id=team.id)}"' in page
    assert f'href="{url_for("admin.service_levels")}"' in page
    assert f'href="{url_for("admin.accounts")}"' in page
    assert "an admin does this" not in page
