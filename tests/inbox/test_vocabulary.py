"""Staff read the team's words everywhere on their pages; customers read theirs (issue 16)."""

from __future__ import annotations

from flask import url_for

from portal.extensions import db
from tests import factories


def test_staff_pages_use_the_teams_words_and_the_customer_page_theirs(client, world, login_as):
    item = factories.make_request(
        world.account_a, world.contact_a, status="waiting_on_customer", urgency="high"
    )
    db.session.commit()

    login_as(world.member_x)
    inbox = client.get(url_for("inbox.index", team_id=world.team_x.id, view="waiting")).text
    detail = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).text
    for page in (inbox, detail):
        assert "Waiting on customer</span>" in page and "Waiting for you" not in page
        assert "It affects our business badly" not in page
    assert '<option value="high">High</option>' in inbox

    login_as(world.contact_a)
    own = client.get(url_for("customer.request", request_id=item.id)).text
    assert "Waiting for you</span>" in own and "Waiting on customer" not in own


def test_assignments_read_as_a_person_would_say_them(client, world, login_as):
    from portal.requests import services

    factories.make_skill(world.member_x, world.function, 3)
    db.session.commit()
    item = factories.raise_request(world.contact_a, world.account_a, function=world.function)
    services.assign(world.coach_x, item, world.coach_x)
    services.assign(world.coach_x, item, world.member_x)
    db.session.commit()
    login_as(world.member_x)

    page = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).text

    assert "Routing gave it to Member X (" in page
    assert "Coach X took it." in page and "Coach X gave it to Member X." in page
    assert ") by Coach X" not in page
