"""The Load by function page: the team's own handoffs by function and day, with a clump
marked, cancelled ones left out, and another team's never counted."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for

from portal.extensions import db
from portal.models import utcnow
from tests import factories


def test_the_page_counts_the_team_s_handoffs_by_day(world, client, login_as):
    credit = factories.make_function("Credit", customer_label="credit")
    now = utcnow()
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    other_team = factories.make_request(world.account_b, world.contact_b, status="open")
    db.session.flush()
    # A week of one a day, then six cleared at once today: a clump.
    for n in range(1, 7):
        day = now - timedelta(days=n)
        factories.make_handoff(
            item,
            credit,
            world.member_x,
            world.member_x,
            status="done",
            created_at=day,
            completed_at=day + timedelta(hours=1),
        )
    for _ in range(6):
        factories.make_handoff(
            item,
            credit,
            world.member_x,
            world.member_x,
            status="done",
            created_at=now - timedelta(days=3),
            completed_at=now,
        )
    factories.make_handoff(item, credit, world.member_x, world.member_x)  # open
    factories.make_handoff(item, credit, world.member_x, world.member_x, status="cancelled")
    for _ in range(5):  # team Y's: never in team X's figures
        factories.make_handoff(other_team, credit, world.member_y, world.member_y)
    db.session.commit()

    login_as(world.member_x)
    page = client.get(url_for("insights.function_load", team_id=world.team_x.id)).text
    row = page.split('<th scope="row">Credit</th>')[1].split("</tr>")[0]
    cells = row.split("<td")
    assert "clump" in cells[14]  # today: the 14th day column
    totals = [c.split(">", 1)[1].split("<")[0] for c in cells[15:18]]
    assert totals == ["13", "12", "1"]  # received in the window, finished, open now
