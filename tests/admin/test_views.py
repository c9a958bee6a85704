"""Admin views: status codes, 303 after plain posts, fragments for htmx, 422 on bad input, and
nothing changed by a failed post."""

from contextlib import contextmanager

import pytest
from flask import url_for
from sqlalchemy import event, func, select

from portal.extensions import db
from portal.models import (
    COACH,
    Account,
    AuditEvent,
    Contact,
    Function,
    Invitation,
    Membership,
    Skill,
    Team,
    Tier,
    User,
    utcnow,
)
from tests import factories

HX = {"HX-Request": "true"}


def is_fragment(response) -> bool:
    return "<html" not in response.text and "HX-Request" in response.headers.get("Vary", "")


@contextmanager
def count_queries():
    counter = {"n": 0}

    def count(*args):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def admin(client, world, login_as, no_csrf):
    login_as(world.admin)
    return client


# --- functions and tiers: inline rows -------------------------------------------------------


def test_functions_page_lists_and_offers_inline_edit(admin, world):
    response = admin.get(url_for("admin.functions"))
    assert response.status_code == 200
    assert "<html" in response.text
    assert f'id="function-{world.function.id}"' in response.text
    assert url_for("admin.edit_function", item_id=world.function.id) in response.text


def test_edit_row_is_a_fragment_for_htmx_and_a_page_without(admin, world):
    url = url_for("admin.edit_function", item_id=world.function.id)
    row = admin.get(url, headers=HX)
    assert row.status_code == 200 and is_fragment(row)
    assert row.text.lstrip().startswith(f'<tr id="function-{world.function.id}" class="editing">')
    assert 'value="Billing"' in row.text
    page = admin.get(url)
    assert page.status_code == 200 and "<html" in page.text
    assert "HX-Request" in page.headers["Vary"]
    assert f'action="{url_for("admin.update_function", item_id=world.function.id)}"' in page.text


def test_cancel_returns_the_display_row(admin, world):
    response = admin.get(url_for("admin.function", item_id=world.function.id), headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert response.text.lstrip().startswith(f'<tr id="function-{world.function.id}">')
    full = admin.get(url_for("admin.function", item_id=world.function.id))
    assert "<html" in full.text  # without JavaScript the address shows the list


def test_saving_an_edit_row(admin, world):
    url = url_for("admin.update_function", item_id=world.function.id)
    data = {
        "name": "Billing & credit",
        "customer_label": "a bill",
        "description": "",
        "active": "y",
    }
    response = admin.post(url, data=data, headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert "Billing &amp; credit" in response.text and 'class="editing"' not in response.text
    plain = admin.post(url, data={**data, "name": "Billing"})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(url_for("admin.functions"))
    assert db.session.get(Function, world.function.id).name == "Billing"


def test_unchecking_active_deactivates_a_function(admin, world):
    url = url_for("admin.update_function", item_id=world.function.id)
    admin.post(url, data={"name": "Billing"})
    assert db.session.get(Function, world.function.id).active is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter a name."),
        ({"name": "x" * 61}, "Use at most 60 characters."),
        ({"name": "Delivery", "customer_label": "y" * 81}, "Use at most 80 characters."),
        ({"name": "delivery"}, "Another function already has that name."),
    ],
)
def test_bad_edit_is_422_in_the_row_and_changes_nothing(admin, world, data, message):
    factories.make_function("Delivery")
    url = url_for("admin.update_function", item_id=world.function.id)
    response = admin.post(url, data={"active": "y", **data}, headers=HX)
    assert response.status_code == 422 and is_fragment(response)
    assert message in response.text
    assert 'class="editing"' in response.text and 'aria-invalid="true"' in response.text
    function = db.session.get(Function, world.function.id)
    assert (function.name, function.customer_label, function.active) == ("Billing", "a bill", True)
    plain = admin.post(url, data={"active": "y", **data})
    assert plain.status_code == 422 and "<html" in plain.text and message in plain.text


def test_unknown_ids_are_404(admin):
    for url in [
        url_for("admin.edit_function", item_id=999),
        url_for("admin.function", item_id=999),
        url_for("admin.edit_tier", item_id=999),
        url_for("admin.team", team_id=999),
        url_for("admin.person", user_id=999),
        url_for("admin.account", account_id=999),
    ]:
        assert admin.get(url).status_code == 404, url
    assert admin.post(url_for("admin.update_tier", item_id=999), data={}).status_code == 404


def test_add_function_plain_and_htmx(admin, world):
    data = {"name": "Delivery", "customer_label": "an order", "description": "", "active": "y"}
    plain = admin.post(url_for("admin.add_function"), data=data)
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(url_for("admin.functions"))
    response = admin.post(
        url_for("admin.add_function"), data={**data, "name": "Credit"}, headers=HX
    )
    assert response.status_code == 200 and is_fragment(response)
    assert 'id="functions"' in response.text and "Credit" in response.text
    assert 'hx-swap-oob="true"' in response.text
    names = db.session.scalars(select(Function.name).order_by(Function.name)).all()
    assert names == ["Billing", "Credit", "Delivery"]


def test_a_tier_added_at_a_taken_rank_is_inserted_there(admin, world):
    response = admin.post(
        url_for("admin.add_tier"), data={"name": "Gold", "rank": world.tier.rank}, headers=HX
    )
    assert response.status_code == 200 and is_fragment(response)
    ranks = db.session.execute(select(Tier.name, Tier.rank).order_by(Tier.rank)).all()
    assert ranks == [("Gold", 1), ("Key", 2)]
    # Without JavaScript: the same insertion, then the list.
    response = admin.post(url_for("admin.add_tier"), data={"name": "Top", "rank": "1"})
    assert response.status_code == 303
    names = db.session.scalars(select(Tier.name).order_by(Tier.rank)).all()
    assert names == ["Top", "Gold", "Key"]


def test_a_tier_with_a_taken_name_is_a_form_error_and_moves_nothing(admin, world):
    response = admin.post(
        url_for("admin.add_tier"), data={"name": "key", "rank": world.tier.rank}, headers=HX
    )
    assert response.status_code == 422 and is_fragment(response)
    assert "Another tier already has that name." in response.text
    assert db.session.execute(select(Tier.name, Tier.rank)).all() == [("Key", 1)]


def test_tier_edit_row_saves(admin, world):
    url = url_for("admin.update_tier", item_id=world.tier.id)
    response = admin.post(url, data={"name": "Key", "rank": "5", "description": "Top"}, headers=HX)
    assert response.status_code == 200
    assert db.session.get(Tier, world.tier.id).rank == 5
    bad = admin.post(url, data={"name": "Key", "rank": "zero"}, headers=HX)
    assert bad.status_code == 422
    assert db.session.get(Tier, world.tier.id).rank == 5


# --- teams and memberships -------------------------------------------------------------------


def test_create_team_validates_the_timezone(admin, world):
    bad = admin.post(
        url_for("admin.create_team"),
        data={"name": "Team Z", "timezone": "Mars/Olympus"},
        headers=HX,
    )
    assert bad.status_code == 422 and is_fragment(bad)
    assert "Choose a time zone from the list." in bad.text
    duplicate = admin.post(
        url_for("admin.create_team"), data={"name": "team x", "timezone": "Europe/Paris"}
    )
    assert duplicate.status_code == 422 and "Another team already has that name." in duplicate.text
    assert db.session.scalar(select(func.count()).select_from(Team)) == 2

    ok = admin.post(
        url_for("admin.create_team"), data={"name": "Team Z", "timezone": "Europe/Paris"}
    )
    team = db.session.scalar(select(Team).where(Team.name == "Team Z"))
    assert ok.status_code == 303
    assert ok.headers["Location"].endswith(url_for("admin.team", team_id=team.id))
    assert team.timezone == "Europe/Paris"


def test_create_team_with_htmx_redirects_the_browser(admin, world):
    response = admin.post(
        url_for("admin.create_team"), data={"name": "Team Q", "timezone": "UTC"}, headers=HX
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/admin/teams/")


def test_team_page_adds_changes_and_removes_members(admin, world):
    team_url = url_for("admin.team", team_id=world.team_x.id)
    page = admin.get(team_url)
    assert page.status_code == 200
    assert "Member X</strong>" in page.text and "Coach X</strong>" in page.text
    assert "Member Y</strong>" not in page.text  # offered in the add form, not listed

    added = admin.post(
        url_for("admin.add_member", team_id=world.team_x.id),
        data={"other": world.member_y.id, "role": "member"},
        headers=HX,
    )
    assert added.status_code == 200 and is_fragment(added)
    assert 'id="memberships"' in added.text and "Member Y" in added.text

    again = admin.post(
        url_for("admin.add_member", team_id=world.team_x.id),
        data={"other": world.member_y.id, "role": "member"},
    )
    assert again.status_code == 422  # no longer offered: already in the team

    role_url = url_for(
        "admin.change_member_role", team_id=world.team_x.id, user_id=world.member_y.id
    )
    assert admin.post(role_url, data={"role": "coach"}).status_code == 303
    bad_role = admin.post(role_url, data={"role": "boss"}, headers=HX)
    assert bad_role.status_code == 422 and is_fragment(bad_role)
    membership = db.session.scalar(
        select(Membership).where(
            Membership.team_id == world.team_x.id, Membership.user_id == world.member_y.id
        )
    )
    assert membership.role == COACH

    remove_url = url_for("admin.remove_member", team_id=world.team_x.id, user_id=world.member_y.id)
    removed = admin.post(remove_url, headers=HX)
    assert removed.status_code == 200 and "Member Y</strong>" not in removed.text
    assert admin.post(remove_url).status_code == 404  # already gone


def test_contacts_cannot_be_added_to_a_team(admin, world):
    response = admin.post(
        url_for("admin.add_member", team_id=world.team_x.id),
        data={"other": world.contact_a.id, "role": "member"},
    )
    assert response.status_code == 422
    assert (
        db.session.scalar(select(Membership).where(Membership.user_id == world.contact_a.id))
        is None
    )


def test_person_page_joins_and_leaves_teams(admin, world):
    url = url_for("admin.join_team", user_id=world.member_x.id)
    response = admin.post(url, data={"other": world.team_y.id, "role": "coach"}, headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert "Team Y" in response.text
    leave = url_for("admin.leave_team", user_id=world.member_x.id, team_id=world.team_y.id)
    assert admin.post(leave).status_code == 303
    teams = db.session.scalars(
        select(Membership.team_id).where(Membership.user_id == world.member_x.id)
    ).all()
    assert teams == [world.team_x.id]


# --- people, skills, deactivation ---------------------------------------------------------------


def test_people_list_filters_by_team_and_name(admin, world):
    page = admin.get(url_for("admin.people"))
    assert page.status_code == 200
    for name in ("Member X", "Member Y", "Coach X", "Admin"):
        assert name in page.text
    assert "Contact A" not in page.text  # contacts are not staff

    by_team = admin.get(url_for("admin.people", team=world.team_x.id), headers=HX)
    assert is_fragment(by_team) and 'id="people-results"' in by_team.text
    assert "Member X" in by_team.text and "Member Y" not in by_team.text

    by_name = admin.get(url_for("admin.people", q="coach"), headers=HX)
    assert "Coach X" in by_name.text and "Member X" not in by_name.text
    assert admin.get(url_for("admin.people", team="nope", q="%")).status_code == 200


def test_people_list_queries_do_not_grow_with_people(admin, world):
    def queries_for_list():
        with count_queries() as counter:
            assert admin.get(url_for("admin.people")).status_code == 200
        return counter["n"]

    before = queries_for_list()
    for n in range(5):
        person = factories.make_member(world.team_y, name=f"Extra {n}")
        factories.make_skill(person, world.function, 1)
    db.session.commit()
    assert queries_for_list() == before


def test_accounts_list_queries_do_not_grow_with_accounts(admin, world):
    def queries_for_list():
        with count_queries() as counter:
            assert admin.get(url_for("admin.accounts")).status_code == 200
        return counter["n"]

    before = queries_for_list()
    for n in range(5):
        factories.make_account(factories.make_team(), factories.make_tier(), f"Extra {n}")
    db.session.commit()
    assert queries_for_list() == before


def test_update_person_and_own_admin_flag(admin, world):
    url = url_for("admin.update_person", user_id=world.member_x.id)
    response = admin.post(url, data={"name": "Max", "is_admin": "y"}, headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert db.session.get(User, world.member_x.id).is_admin is True

    own = admin.post(url_for("admin.update_person", user_id=world.admin.id), data={"name": "Me"})
    assert own.status_code == 422
    assert "cannot remove your own admin rights" in own.text
    me = db.session.get(User, world.admin.id)
    assert (me.name, me.is_admin) == ("Admin", True)

    long_name = admin.post(url, data={"name": "x" * 121}, headers=HX)
    assert long_name.status_code == 422 and "Use at most 120 characters." in long_name.text
    assert db.session.get(User, world.member_x.id).name == "Max"


def test_contacts_have_no_person_page(admin, world):
    assert admin.get(url_for("admin.person", user_id=world.contact_a.id)).status_code == 404


def test_skills_inline(admin, world):
    add = url_for("admin.add_skill", user_id=world.member_x.id)
    bad = admin.post(add, data={"function": world.function.id, "level": "4"}, headers=HX)
    assert bad.status_code == 422 and is_fragment(bad)
    assert "Choose a level from 1 to 3." in bad.text
    assert db.session.scalars(select(Skill)).all() == []

    ok = admin.post(add, data={"function": world.function.id, "level": "2"}, headers=HX)
    assert ok.status_code == 200 and 'id="skills"' in ok.text and "Capable" in ok.text
    skill = db.session.scalar(select(Skill))

    # the function is no longer offered, so a second skill in it is refused
    twice = admin.post(add, data={"function": world.function.id, "level": "3"})
    assert twice.status_code == 422
    assert len(db.session.scalars(select(Skill)).all()) == 1

    change = url_for("admin.change_skill", user_id=world.member_x.id, skill_id=skill.id)
    assert admin.post(change, data={"level": "4"}).status_code == 422
    assert admin.post(change, data={"level": "3"}).status_code == 303
    assert db.session.get(Skill, skill.id).level == 3

    # a skill reached through another person's URL does not exist
    other = url_for("admin.change_skill", user_id=world.member_y.id, skill_id=skill.id)
    assert admin.post(other, data={"level": "1"}).status_code == 404

    remove = url_for("admin.remove_skill", user_id=world.member_x.id, skill_id=skill.id)
    assert admin.post(remove, headers=HX).status_code == 200
    assert db.session.scalars(select(Skill)).all() == []


def test_admin_cannot_deactivate_themselves(admin, world):
    response = admin.post(url_for("admin.deactivate_person", user_id=world.admin.id))
    assert response.status_code == 403
    assert "cannot deactivate yourself" in response.text
    assert db.session.get(User, world.admin.id).active is True


def test_deactivated_persons_old_session_is_refused(app, world, login_as, no_csrf):
    victim = app.test_client()
    login_as(world.member_x, on=victim)
    team_url = url_for("workspace.team_home", team_id=world.team_x.id)
    assert victim.get(team_url).status_code == 200

    admin = app.test_client()
    login_as(world.admin, on=admin)
    response = admin.post(url_for("admin.deactivate_person", user_id=world.member_x.id), headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert "Deactivated" in response.text

    refused = victim.get(team_url)
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/sign-in")
    person = db.session.get(User, world.member_x.id)
    assert person.active is False and person.deactivated_at is not None
    # history kept: still a member on record
    assert db.session.scalar(select(Membership).where(Membership.user_id == person.id))

    assert admin.post(url_for("admin.reactivate_person", user_id=person.id)).status_code == 303
    assert db.session.get(User, person.id).active is True


def test_invite_staff_with_a_team(admin, world):
    url = url_for("admin.invite_staff")
    data = {"name": "Nia", "email": "Nia@Onestop.example", "team": world.team_x.id, "role": "coach"}
    response = admin.post(url, data=data, headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert 'id="invite-staff"' in response.text
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.team_id, invitation.team_role) == (
        "nia@onestop.example",
        world.team_x.id,
        "coach",
    )
    again = admin.post(url, data=data)
    assert again.status_code == 422 and "resend it instead" in again.text
    taken = admin.post(url, data={**data, "email": world.member_y.email})
    assert taken.status_code == 422 and "already has an account" in taken.text
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1


# --- accounts and contacts ----------------------------------------------------------------------


def test_accounts_list_filters(admin, world):
    other_tier = factories.make_tier("Standard", 3)
    factories.make_account(world.team_x, other_tier, "Standard Co")
    page = admin.get(url_for("admin.accounts"))
    assert all(name in page.text for name in ("Account A", "Account B", "Standard Co"))
    by_team = admin.get(url_for("admin.accounts", team=world.team_y.id), headers=HX)
    assert is_fragment(by_team)
    assert "Account B" in by_team.text and "Account A" not in by_team.text
    by_tier = admin.get(url_for("admin.accounts", tier=other_tier.id)).text
    assert "Standard Co" in by_tier and "Account A" not in by_tier
    by_name = admin.get(url_for("admin.accounts", q="standard"), headers=HX).text
    assert "Standard Co" in by_name and "Account B" not in by_name


def test_create_account(admin, world):
    url = url_for("admin.create_account")
    data = {"name": "Acme", "team": world.team_x.id, "tier": world.tier.id}
    bad = admin.post(url, data={**data, "tier": 999}, headers=HX)
    assert bad.status_code == 422 and is_fragment(bad) and 'id="new-account"' in bad.text
    duplicate = admin.post(url, data={**data, "name": "account a"})
    assert (
        duplicate.status_code == 422 and "Another account already has that name." in duplicate.text
    )
    ok = admin.post(url, data={**data, "shares_visibility": "y"})
    account = db.session.scalar(select(Account).where(Account.name == "Acme"))
    assert ok.status_code == 303
    assert ok.headers["Location"].endswith(url_for("admin.account", account_id=account.id))
    assert account.shares_visibility is True and account.team_id == world.team_x.id


def test_moving_an_account_is_saved_and_audited(admin, world):
    url = url_for("admin.update_account", account_id=world.account_a.id)
    data = {"name": "Account A", "team": world.team_y.id, "tier": world.tier.id}
    response = admin.post(url, data=data, headers=HX)
    assert response.status_code == 200 and is_fragment(response)
    assert 'id="account"' in response.text and "It now belongs to Team Y" in response.text
    assert db.session.get(Account, world.account_a.id).team_id == world.team_y.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.moved"))


def test_bad_account_update_changes_nothing(admin, world):
    url = url_for("admin.update_account", account_id=world.account_a.id)
    for data in [
        {"name": "Account B", "team": world.team_y.id, "tier": world.tier.id},
        {"name": "x" * 121, "team": world.team_y.id, "tier": world.tier.id},
        {"name": "New", "team": "999", "tier": world.tier.id},
    ]:
        assert admin.post(url, data=data, headers=HX).status_code == 422, data
    account = db.session.get(Account, world.account_a.id)
    assert (account.name, account.team_id) == ("Account A", world.team_x.id)


def test_contact_visibility_toggle_and_deactivation(admin, world):
    contact = db.session.scalar(select(Contact).where(Contact.user_id == world.contact_a.id))
    url = url_for(
        "admin.set_contact_visibility", account_id=world.account_a.id, contact_id=contact.id
    )
    on = admin.post(url, data={"sees_account_requests": "y"}, headers=HX)
    assert on.status_code == 200 and is_fragment(on) and 'id="account-contacts"' in on.text
    assert "not in effect" in on.text  # the account does not share visibility
    assert db.session.get(Contact, contact.id).sees_account_requests is True
    assert admin.post(url, data={}).status_code == 303
    assert db.session.get(Contact, contact.id).sees_account_requests is False

    # a contact of another account through this account's URL does not exist
    other = db.session.scalar(select(Contact).where(Contact.user_id == world.contact_b.id))
    wrong = url_for("admin.deactivate_contact", account_id=world.account_a.id, contact_id=other.id)
    assert admin.post(wrong).status_code == 404
    assert db.session.get(User, world.contact_b.id).active is True

    version = world.contact_a.session_version
    deactivate = url_for(
        "admin.deactivate_contact", account_id=world.account_a.id, contact_id=contact.id
    )
    assert admin.post(deactivate, headers=HX).status_code == 200
    user = db.session.get(User, world.contact_a.id)
    assert user.active is False and user.session_version == version + 1


def test_invite_contact_from_the_account_page(admin, world):
    url = url_for("admin.invite_contact", account_id=world.account_a.id)
    response = admin.post(url, data={"name": "Ola", "email": "ola@customer.com"}, headers=HX)
    assert response.status_code == 200 and "ola@customer.com" in response.text
    bad = admin.post(url, data={"name": "Ola", "email": "not-an-email"}, headers=HX)
    assert bad.status_code == 422 and "Enter an email address like" in bad.text
    invitation = db.session.scalar(select(Invitation))
    assert invitation.account_id == world.account_a.id


# --- invitations --------------------------------------------------------------------------------


def test_invitations_list_filters_by_status(admin, world):
    factories.make_invitation(account=world.account_a, email="pending@x.com")
    factories.make_invitation(email="expired@x.com", expires_at=utcnow())
    factories.make_invitation(email="revoked@x.com", revoked_at=utcnow())
    factories.make_invitation(email="accepted@x.com", accepted_at=utcnow())
    page = admin.get(url_for("admin.invitations"))
    assert page.status_code == 200
    for word in ("Pending", "Expired", "Revoked", "Accepted"):
        assert word in page.text
    for status, email in [
        ("pending", "pending@x.com"),
        ("expired", "expired@x.com"),
        ("revoked", "revoked@x.com"),
        ("accepted", "accepted@x.com"),
    ]:
        response = admin.get(url_for("admin.invitations", status=status), headers=HX)
        assert is_fragment(response)
        shown = [
            e
            for e in ("pending", "expired", "revoked", "accepted")
            if f"{e}@x.com" in response.text
        ]
        assert shown == [email.split("@")[0]], status


def test_revoke_from_the_list_comes_back_to_it(admin, world):
    invitation, _ = factories.make_invitation(email="someone@x.com")
    back = url_for("admin.invitations", status="pending")
    response = admin.post(
        url_for("invitations.revoke", invitation_id=invitation.id), data={"next": back}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(back)
    assert db.session.get(Invitation, invitation.id).revoked_at is not None


def test_index_links_each_count(admin, world):
    page = admin.get(url_for("admin.index")).text
    for endpoint in (
        "admin.teams",
        "admin.people",
        "admin.functions",
        "admin.tiers",
        "admin.accounts",
    ):
        assert f'href="{url_for(endpoint)}"' in page
    assert url_for("admin.invitations", status="pending") in page


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648", "²", "-1", "x"])
def test_list_filters_ignore_what_is_not_an_id(admin, world, value):
    for endpoint in ("admin.accounts", "admin.people"):
        response = admin.get(url_for(endpoint), query_string={"team": value, "tier": value})
        assert response.status_code == 200, (endpoint, value)
        assert "Team X" in response.text
