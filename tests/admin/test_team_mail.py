"""A team's mail address: set by an admin on the team's page, checked, unique whatever the
case, stored lowercased; shown to the team's staff."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from portal.admin import services
from portal.extensions import db
from portal.mail_threads import TEAM_LOCAL_MAX
from portal.models import AuditEvent, Team

NORTH = "north@support.example"


def post_team(client, world, address, team=None):
    team = team or world.team_x
    return client.post(
        url_for("admin.update_team", team_id=team.id),
        data={
            "name": team.name,
            "description": team.description,
            "timezone": team.timezone,
            "mail_address": address,
        },
    )


def stored(team) -> str | None:
    return db.session.scalar(select(Team.mail_address).where(Team.id == team.id))


def test_an_admin_sets_the_address_and_it_is_stored_lowercased(client, world, login_as, no_csrf):
    login_as(world.admin)
    response = post_team(client, world, "  North@Support.Example ")
    assert response.status_code == 303
    assert stored(world.team_x) == NORTH
    page = client.get(url_for("admin.team", team_id=world.team_x.id)).text
    assert f'value="{NORTH}"' in page and f"Mail {NORTH}" in page


def test_the_team_s_staff_see_the_address_on_the_team_page(client, world, login_as):
    world.team_x.mail_address = NORTH
    db.session.commit()
    login_as(world.member_x)
    page = client.get(url_for("workspace.team_home", team_id=world.team_x.id)).text
    assert NORTH in page
    login_as(world.member_y)
    page = client.get(url_for("workspace.team_home", team_id=world.team_y.id)).text
    assert NORTH not in page and "has no mail address" in page


def test_an_address_another_team_uses_is_refused_whatever_the_case(
    client, world, login_as, no_csrf
):
    world.team_y.mail_address = NORTH
    db.session.commit()
    login_as(world.admin)
    response = post_team(client, world, "NORTH@support.EXAMPLE")
    assert response.status_code == 422
    assert "Another team already uses that mail address." in response.text
    assert stored(world.team_x) is None


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("north+sales@support.example", "Leave out the +"),
        ("not an address", "Enter an address like support@example.com."),
        ("north@", "Enter an address like support@example.com."),
        ("nörth@support.example", "Enter an address like support@example.com"),
        ("x" * (TEAM_LOCAL_MAX + 1) + "@support.example", "characters before the @"),
        ("north@support.example\r\nBcc: victim@example.com", "Enter an address like"),
    ],
    ids=["plus", "garbage", "no-domain", "non-ascii", "too-long-for-a-token", "line-break"],
)
def test_an_unusable_address_is_a_form_error_and_nothing_is_saved(
    client, world, login_as, no_csrf, address, message
):
    world.team_x.mail_address = NORTH
    db.session.commit()
    login_as(world.admin)
    response = post_team(client, world, address)
    assert response.status_code == 422
    assert message in response.text
    assert stored(world.team_x) == NORTH


def test_the_longest_local_part_that_leaves_room_for_a_token_is_accepted(
    client, world, login_as, no_csrf
):
    from portal.mail_in import tokens

    address = "x" * TEAM_LOCAL_MAX + "@support.example"
    login_as(world.admin)
    assert post_team(client, world, address).status_code == 303
    # The biggest request id a reference can name still fits the reply address.
    assert tokens.reply_address(address, 10**12 - 1, b"secret")


def test_a_blank_address_clears_it(client, world, login_as, no_csrf):
    world.team_x.mail_address = NORTH
    db.session.commit()
    login_as(world.admin)
    assert post_team(client, world, "   ").status_code == 303
    assert stored(world.team_x) is None
    # Two teams without an address do not clash.
    assert stored(world.team_y) is None
    assert post_team(client, world, "", team=world.team_y).status_code == 303


def test_the_service_checks_the_rule_for_any_caller(world):
    with pytest.raises(services.AdminError) as refused:
        services.update_team(world.admin, world.team_x, mail_address="a+b@support.example")
    assert refused.value.field == "mail_address"
    changes = services.update_team(world.admin, world.team_x, mail_address="A@Support.Example")
    assert changes == {"mail_address": [None, "a@support.example"]}
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "team.updated"


def test_a_new_team_may_be_given_an_address(client, world, login_as, no_csrf):
    login_as(world.admin)
    response = client.post(
        url_for("admin.create_team"),
        data={
            "name": "Team Z",
            "description": "",
            "timezone": "UTC",
            "mail_address": "Z@X.example",
        },
    )
    assert response.status_code == 303
    team = db.session.scalar(select(Team).where(Team.name == "Team Z"))
    assert team.mail_address == "z@x.example"
