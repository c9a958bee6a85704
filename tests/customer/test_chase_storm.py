"""A chase storm leaves the team's caches warm (issue #13, item 7).

A chase moves the team's activity number, which every teammate's cached inbox is kept by.
Asking again about the same request within CHASE_QUIET_MINUTES is acknowledged without
writing anything.
"""

from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Entry, Team
from tests import factories

HX = {"HX-Request": "true"}


def _activity(team) -> int:
    return db.session.scalar(select(Team.activity).where(Team.id == team.id))


def _chases(item) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Entry)
        .where(Entry.request_id == item.id, Entry.event == "chase")
    )


def test_chasing_twice_quickly_moves_team_activity_once_and_records_one_chase(
    client, world, login_as, no_csrf
):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.contact_a)
    url = url_for("customer.chase", request_id=item.id)
    before = _activity(world.team_x)

    first = client.post(url)
    assert first.status_code == 303
    after_first = _activity(world.team_x)
    assert after_first == before + 1

    for headers in ({}, HX, {}):
        again = client.post(url, headers=headers, follow_redirects=not headers)
        assert again.status_code == 200
        assert "You asked for an update a moment ago; the team has it." in again.text
    assert _activity(world.team_x) == after_first
    assert _chases(item) == 1
    db.session.refresh(item)
    assert item.chase_count == 1


def test_the_message_says_how_long_ago_and_the_window_is_a_setting(
    app, client, world, login_as, no_csrf
):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.contact_a)
    url = url_for("customer.chase", request_id=item.id)
    client.post(url)
    factories.age_chases(item, hours=0.1)  # six minutes ago (within the default hour)
    response = client.post(url, follow_redirects=True)
    assert "You asked for an update 6 minutes ago; the team has it." in response.text
    assert _chases(item) == 1

    factories.age_chases(item, hours=1)  # now over an hour ago: a new chase is recorded
    assert client.post(url).status_code == 303
    assert _chases(item) == 2

    app.config["CHASE_QUIET_MINUTES"] = 0
    try:
        client.post(url)
    finally:
        app.config["CHASE_QUIET_MINUTES"] = 60
    assert _chases(item) == 3


def test_each_contact_has_their_own_window(client, world, login_as, no_csrf):
    world.account_a.shares_visibility = True
    colleague = factories.make_contact(world.account_a, sees_account_requests=True)
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    for person in (world.contact_a, colleague, world.contact_a, colleague):
        login_as(person)
        client.post(url_for("customer.chase", request_id=item.id))
    assert _chases(item) == 2


def test_a_closed_request_is_still_refused_even_after_a_recent_chase(
    client, world, login_as, no_csrf
):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.contact_a)
    url = url_for("customer.chase", request_id=item.id)
    client.post(url)
    item.status = "resolved"
    db.session.commit()
    response = client.post(url, headers=HX)
    assert response.status_code == 409 and "Only an open request can be chased." in response.text
    assert _chases(item) == 1
