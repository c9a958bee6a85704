"""Admin services called directly: the rules hold whatever view calls them."""

import pytest
from sqlalchemy import func, select

from portal.admin import services
from portal.extensions import db
from portal.models import (
    COACH,
    MEMBER,
    AuditEvent,
    Contact,
    Function,
    Membership,
    ServiceLevel,
    Skill,
    Tier,
    User,
)
from tests import factories


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_create_function_is_audited(world):
    function = services.create_function(
        world.admin, name="Delivery", customer_label="a delivery", description="", active=True
    )
    assert function.id is not None
    [event] = events("function.created")
    assert event.actor_id == world.admin.id and event.subject_id == function.id


@pytest.mark.parametrize("name", ["Billing", "billing", "BILLING"])
def test_duplicate_function_name_is_refused_in_any_case(world, name):
    with pytest.raises(services.AdminError) as error:
        services.create_function(world.admin, name=name, customer_label="", description="")
    assert error.value.field == "name"
    assert "already has that name" in str(error.value)
    assert len(db.session.scalars(select(Function)).all()) == 1


def test_renaming_a_function_to_its_own_name_in_another_case_is_allowed(world):
    changes = services.update(world.admin, world.function, name="BILLING")
    assert changes == {"name": ["Billing", "BILLING"]}


def _ranks():
    return db.session.execute(select(Tier.name, Tier.rank).order_by(Tier.rank)).all()


def test_a_tier_inserted_at_a_taken_rank_moves_that_tier_and_those_below_down(world):
    factories.make_tier("Loyal", 2)
    factories.make_tier("Standard", 3)
    factories.make_tier("Basic", 7)  # a gap does not stop the shift: every rank below moves
    levels = {
        tier.name: ServiceLevel(
            tier_id=tier.id, urgency="normal", first_response_minutes=60, resolution_minutes=480
        )
        for tier in db.session.scalars(select(Tier))
    }
    db.session.add_all(levels.values())
    db.session.commit()

    gold = services.create_tier(world.admin, name="Gold", rank=2, description="")
    db.session.commit()

    assert _ranks() == [("Key", 1), ("Gold", 2), ("Loyal", 3), ("Standard", 4), ("Basic", 8)]
    # Service levels keep pointing at their tiers, whatever rank those have now.
    for name, level in levels.items():
        assert db.session.get(ServiceLevel, level.id).tier.name == name
    assert db.session.scalar(select(func.count()).select_from(ServiceLevel)) == 4
    [shift] = events("tier.ranks_shifted")
    assert shift.subject_id == gold.id and shift.detail["from_rank"] == 2
    assert len(events("tier.created")) == 1


def test_a_tier_at_a_free_rank_moves_nothing(world):
    factories.make_tier("Loyal", 3)
    services.create_tier(world.admin, name="Gold", rank=2, description="")
    assert _ranks() == [("Key", 1), ("Gold", 2), ("Loyal", 3)]
    assert events("tier.ranks_shifted") == []


def test_a_tier_refused_for_its_name_moves_no_other_tier(world):
    factories.make_tier("Loyal", 2)
    db.session.commit()
    with pytest.raises(services.AdminError) as error:
        services.create_tier(world.admin, name="loyal", rank=1, description="")
    assert error.value.field == "name"
    assert _ranks() == [("Key", 1), ("Loyal", 2)]


def test_no_room_below_the_last_rank_is_a_form_error(world):
    last = services.MAX_TIER_RANK
    factories.make_tier("Next to last", last - 1)
    factories.make_tier("Last", last)
    with pytest.raises(services.AdminError) as error:
        services.create_tier(world.admin, name="Gold", rank=last - 1, description="")
    assert error.value.field == "rank" and "No room" in str(error.value)
    assert _ranks() == [("Key", 1), ("Next to last", last - 1), ("Last", last)]


def test_a_duplicate_that_slips_past_the_check_is_still_a_form_error(world, monkeypatch):
    """Two admins saving at once (the other took the rank after we made room): the
    database's unique constraint answers, not a 500."""
    monkeypatch.setattr(services, "_make_room_at", lambda rank: [])
    monkeypatch.setattr(services, "_check_unique", lambda obj, fields: None)
    with pytest.raises(services.AdminError) as error:
        services.create_tier(world.admin, name="Other", rank=world.tier.rank, description="")
    assert error.value.field == "rank"
    # the savepoint rolled back only the failed insert; the session is still usable
    assert db.session.scalars(select(Tier)).all() == [world.tier]


def test_editing_a_tier_to_a_taken_rank_is_still_refused(world):
    other = factories.make_tier("Loyal", 2)
    with pytest.raises(services.AdminError) as error:
        services.update(world.admin, other, rank=world.tier.rank)
    assert error.value.field == "rank"


def test_update_without_changes_records_nothing(world):
    assert services.update(world.admin, world.function, name="Billing") == {}
    assert events("function.updated") == []


def test_deactivation_signs_out_everywhere_and_keeps_history(world):
    person = world.member_x
    factories.make_skill(person, world.function, 2)
    version = person.session_version

    services.deactivate_user(world.admin, person)

    assert person.active is False
    assert person.deactivated_at is not None
    assert person.session_version == version + 1
    # nothing deleted: memberships and skills stay for the record
    assert db.session.scalar(select(Membership).where(Membership.user_id == person.id))
    assert db.session.scalar(select(Skill).where(Skill.user_id == person.id))
    assert db.session.get(User, person.id) is person
    assert len(events("user.deactivated")) == 1


def test_reactivation_clears_the_date(world):
    services.deactivate_user(world.admin, world.contact_a)
    services.reactivate_user(world.admin, world.contact_a)
    assert world.contact_a.active is True and world.contact_a.deactivated_at is None
    assert len(events("user.reactivated")) == 1


def test_an_admin_cannot_deactivate_themselves(world):
    with pytest.raises(services.AdminError):
        services.deactivate_user(world.admin, world.admin)
    assert world.admin.active is True


def test_an_admin_cannot_remove_their_own_admin_flag(world):
    with pytest.raises(services.AdminError) as error:
        services.update_person(world.admin, world.admin, name="Admin", is_admin=False)
    assert error.value.field == "is_admin"
    assert world.admin.is_admin is True


def test_an_admin_may_make_another_person_admin_and_back(world):
    services.update_person(world.admin, world.member_x, name="Member X", is_admin=True)
    assert world.member_x.is_admin is True
    services.update_person(world.admin, world.member_x, name="Member X", is_admin=False)
    assert world.member_x.is_admin is False


def test_contacts_cannot_become_admins(world):
    with pytest.raises(services.AdminError):
        services.update_person(world.admin, world.contact_a, name="Contact A", is_admin=True)


@pytest.mark.parametrize("level", [0, 4, -1])
def test_skill_level_must_be_one_to_three(world, level):
    with pytest.raises(services.AdminError) as error:
        services.add_skill(world.admin, world.member_x, world.function, level)
    assert error.value.field == "level"
    skill = factories.make_skill(world.member_x, world.function, 2)
    with pytest.raises(services.AdminError):
        services.change_skill_level(world.admin, skill, level)
    assert skill.level == 2


def test_one_skill_per_function(world):
    services.add_skill(world.admin, world.member_x, world.function, 1)
    with pytest.raises(services.AdminError) as error:
        services.add_skill(world.admin, world.member_x, world.function, 3)
    assert error.value.field == "function"
    assert len(db.session.scalars(select(Skill)).all()) == 1


def test_skill_level_change_and_removal_are_audited(world):
    skill = services.add_skill(world.admin, world.member_x, world.function, 1)
    services.change_skill_level(world.admin, skill, 3)
    assert skill.level == 3
    services.remove_skill(world.admin, skill)
    assert db.session.scalars(select(Skill)).all() == []
    assert [len(events(a)) for a in ("skill.added", "skill.changed", "skill.removed")] == [1, 1, 1]


def test_membership_role_change_and_removal(world):
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.member_x.id)
    )
    services.change_role(world.admin, membership, COACH)
    assert membership.role == COACH
    [event] = events("membership.role_changed")
    assert event.detail == {"old": MEMBER, "new": COACH}
    with pytest.raises(services.AdminError):
        services.change_role(world.admin, membership, "boss")
    services.remove_member(world.admin, membership)
    assert db.session.get(Membership, membership.id) is None
    assert len(events("membership.removed")) == 1


def test_add_member_refuses_duplicates_contacts_and_deactivated_people(world):
    with pytest.raises(services.AdminError, match="already in"):
        services.add_member(world.admin, world.team_x, world.member_x, MEMBER)
    with pytest.raises(services.AdminError, match="Only staff"):
        services.add_member(world.admin, world.team_x, world.contact_a, MEMBER)
    services.deactivate_user(world.admin, world.member_y)
    with pytest.raises(services.AdminError, match="Reactivate"):
        services.add_member(world.admin, world.team_x, world.member_y, MEMBER)
    membership = services.add_member(world.admin, world.team_y, world.member_x, COACH)
    assert membership.role == COACH


def test_moving_an_account_to_another_team_is_audited(world):
    account = world.account_a
    changes = services.update_account(
        world.admin,
        account,
        name=account.name,
        team=world.team_y,
        tier=world.tier,
        shares_visibility=False,
    )
    assert changes == {"team_id": [world.team_x.id, world.team_y.id]}
    assert account.team_id == world.team_y.id
    [moved] = events("account.moved")
    assert moved.actor_id == world.admin.id
    assert moved.detail == {
        "from_team_id": world.team_x.id,
        "to_team_id": world.team_y.id,
        "open_requests": "move",
        "requests_moved": [],
        "reference_memberships_ended": 0,
    }


def test_account_name_must_be_unique(world):
    with pytest.raises(services.AdminError) as error:
        services.create_account(
            world.admin,
            name="account b",
            team=world.team_x,
            tier=world.tier,
            shares_visibility=False,
        )
    assert error.value.field == "name"


def test_contact_visibility_is_per_contact_and_audited(world):
    contact = db.session.scalar(select(Contact).where(Contact.user_id == world.contact_a.id))
    services.set_contact_visibility(world.admin, contact, True)
    assert contact.sees_account_requests is True
    other = db.session.scalar(select(Contact).where(Contact.user_id == world.contact_b.id))
    assert other.sees_account_requests is False
    assert len(events("contact.visibility")) == 1
