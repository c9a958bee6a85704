"""The staff pickers (owner, assignee, handoff) are cached by the database's stamps
(portal/reference.py): a change to a person or a membership shows on the next page (in
another process too: tests/test_caching.py)."""

import pytest
from flask import url_for

from portal.extensions import db
from portal.models import Membership
from tests import factories

HX = {"HX-Request": "true"}


@pytest.fixture
def page(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.coach_x)
    urls = [
        url_for(endpoint, team_id=world.team_x.id, request_id=item.id)
        for endpoint in ("inbox.detail", "inbox.handoff_form")
    ]

    def view():  # the request page, and its handoff form as opening it loads it
        answers = [client.get(url, headers=HX) for url in urls]
        assert [a.status_code for a in answers] == [200, 200]
        return "".join(a.text for a in answers)

    return view


def _offered(html: str, user) -> bool:
    return f'<option value="{user.id}">{user.name}</option>' in html


def test_a_renamed_or_deactivated_member_shows_at_once(world, page):
    assert _offered(page(), world.member_x)
    world.member_x.name = "Renamed Member"
    db.session.commit()
    assert _offered(page(), world.member_x)
    world.member_x.active = False
    db.session.commit()
    assert not _offered(page(), world.member_x)


def test_a_new_member_of_the_team_is_offered_as_owner(world, page):
    newcomer = factories.make_user(name="New Colleague")
    db.session.commit()
    html = page()
    assert html.count(f'<option value="{newcomer.id}">') == 1  # handoffs go to anyone
    db.session.add(Membership(team_id=world.team_x.id, user_id=newcomer.id, role="member"))
    db.session.commit()
    assert page().count(f'<option value="{newcomer.id}">') == 2  # and now owns requests too
