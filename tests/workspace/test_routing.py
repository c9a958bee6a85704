"""Away members and the team's routing mode, as routing sees them."""

from flask import url_for

from portal.extensions import db
from tests import factories


def raise_billing(world):
    return factories.raise_request(world.contact_a, world.account_a, function=world.function)


def test_an_away_member_gets_no_new_requests_until_back(client, world, login_as, no_csrf):
    factories.make_skill(world.member_x, world.function, 3)
    factories.make_skill(world.coach_x, world.function, 1)
    login_as(world.member_x)
    client.post(url_for("workspace.away", team_id=world.team_x.id), data={"away": "1"})
    db.session.refresh(world.member_x)
    assert world.member_x.away is True
    assert raise_billing(world).assignee_id == world.coach_x.id
    client.post(url_for("workspace.away", team_id=world.team_x.id), data={"away": "0"})
    db.session.refresh(world.member_x)
    assert raise_billing(world).assignee_id == world.member_x.id


def test_manual_routing_leaves_new_requests_unassigned(client, world, login_as, no_csrf):
    factories.make_skill(world.member_x, world.function, 3)
    login_as(world.coach_x)
    response = client.post(
        url_for("workspace.routing", team_id=world.team_x.id), data={"automatic_routing": "manual"}
    )
    assert response.status_code == 303
    db.session.refresh(world.team_x)
    assert world.team_x.automatic_routing is False
    item = raise_billing(world)
    assert item.assignee_id is None


def test_only_the_coach_sets_routing(client, world, login_as, no_csrf):
    login_as(world.member_x)
    response = client.post(
        url_for("workspace.routing", team_id=world.team_x.id), data={"automatic_routing": "manual"}
    )
    assert response.status_code == 403
    db.session.refresh(world.team_x)
    assert world.team_x.automatic_routing is True
