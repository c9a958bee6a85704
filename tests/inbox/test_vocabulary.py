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
