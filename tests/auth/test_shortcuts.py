"""Keyboard shortcuts are off until a staff member turns them on, for every device."""

from flask import url_for

from portal.extensions import db
from tests.auth.helpers import csrf_token


def _inbox(client, world):
    return client.get(url_for("inbox.index", team_id=world.team_x.id)).text


def test_shortcuts_are_off_until_turned_on_and_the_choice_is_kept(client, world, login_as, app):
    login_as(world.member_x)
    page = _inbox(client, world)
    assert "keys.js" not in page and "Keyboard shortcuts: off" in page
    token = csrf_token(client, url_for("inbox.index", team_id=world.team_x.id))
    back = url_for("inbox.index", team_id=world.team_x.id, view="mine")
    turned = client.post(
        url_for("auth.shortcuts"), data={"on": "1", "next": back, "csrf_token": token}
    )
    assert turned.status_code == 303 and turned.headers["Location"] == back
    db.session.refresh(world.member_x)
    assert world.member_x.keyboard_shortcuts is True
    page = _inbox(client, world)
    assert "keys.js" in page and 'aria-keyshortcuts="/"' in page
    other_device = app.test_client()
    login_as(world.member_x, on=other_device)
    assert "keys.js" in _inbox(other_device, world)

    off = client.post(
        url_for("auth.shortcuts"), data={"on": "0", "next": "//evil.example/", "csrf_token": token}
    )
    assert off.status_code == 303 and "evil" not in off.headers["Location"]
    assert "keys.js" not in _inbox(client, world)


def test_the_switch_refuses_bad_input_and_posts_without_a_token(client, world, login_as):
    login_as(world.member_x)
    token = csrf_token(client, url_for("inbox.index", team_id=world.team_x.id))
    bad = client.post(url_for("auth.shortcuts"), data={"on": "yes", "csrf_token": token})
    assert bad.status_code == 400
    forged = client.post(url_for("auth.shortcuts"), data={"on": "1"})
    assert forged.status_code == 400
    db.session.refresh(world.member_x)
    assert world.member_x.keyboard_shortcuts is False
