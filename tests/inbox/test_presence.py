"""Collision detection: teammates see who else is looking or typing; the poll is cheap."""

from flask import url_for

from tests import factories

HX = {"HX-Request": "true"}


def test_teammates_see_each_other_and_the_poll_answers_304_until_something_changes(
    app, world, login_as, no_csrf
):
    item = factories.make_request(world.account_a, world.contact_a)
    ben, amy = app.test_client(), app.test_client()
    login_as(world.member_x, on=ben)
    login_as(world.coach_x, on=amy)
    here = url_for("inbox.here", team_id=world.team_x.id, request_id=item.id)
    poll = url_for(
        "inbox.who_else", team_id=world.team_x.id, request_id=item.id, version=item.version
    )

    assert amy.post(here, data={"state": "viewing"}).status_code == 204
    first = ben.get(poll, headers=HX)
    assert first.status_code == 200 and "Coach X is looking at this" in first.text
    assert "Member X" not in first.text  # you are not told about yourself

    again = ben.get(poll, headers={**HX, "If-None-Match": first.headers["ETag"].strip('"')})
    assert again.status_code == 304 and again.data == b""

    amy.post(here, data={"state": "typing"})
    typing = ben.get(poll, headers={**HX, "If-None-Match": first.headers["ETag"].strip('"')})
    assert typing.status_code == 200 and "Coach X is typing a reply" in typing.text


def test_the_poll_warns_when_someone_saved_a_change(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a)
    login_as(world.member_x)
    stale = url_for(
        "inbox.who_else", team_id=world.team_x.id, request_id=item.id, version=item.version
    )
    client.post(
        url_for("inbox.note", team_id=world.team_x.id, request_id=item.id),
        data={"body": "Working on it", "version": item.version},
    )
    assert "Someone saved a change" in client.get(stale, headers=HX).text


def test_presence_is_team_only_and_not_a_page(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a)
    poll = url_for("inbox.who_else", team_id=world.team_x.id, request_id=item.id)
    login_as(world.member_x)
    assert client.get(poll).status_code == 302  # a plain GET goes to the request page
    login_as(world.member_y)
    assert client.get(poll, headers=HX).status_code == 404
    here = url_for("inbox.here", team_id=world.team_x.id, request_id=item.id)
    assert client.post(here, data={"state": "typing"}).status_code == 404
