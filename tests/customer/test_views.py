"""The customer's home: their account, the team that serves them, nobody else's."""

from flask import url_for

from portal.models import COACH
from tests import factories


def test_contact_sees_their_team_and_its_people_only(client, world, login_as):
    billing = world.function
    factories.make_skill(world.member_x, billing, 3)
    login_as(world.contact_a)

    response = client.get(url_for("customer.team"))

    assert response.status_code == 200
    page = response.text
    assert "Account A" in page and "Team X" in page
    assert "Member X" in page and "Coach X" in page
    assert "a bill" in page  # functions in the customer's words
    for foreign in ("Account B", "Team Y", "Member Y", "Contact B"):
        assert foreign not in page


def test_a_deactivated_team_member_is_not_shown_to_customers(client, world, login_as):
    gone = factories.make_member(world.team_x, role=COACH, name="Gone Coach", active=False)
    login_as(world.contact_a)
    assert gone.name not in client.get(url_for("customer.team")).text


def test_staff_cannot_open_the_customer_home(client, world, login_as):
    login_as(world.member_x)
    assert client.get(url_for("customer.home")).status_code == 403


def test_signed_in_pages_are_not_cached(client, world, login_as):
    login_as(world.contact_a)
    response = client.get(url_for("customer.team"))
    assert response.headers["Cache-Control"] == "private, no-store"
