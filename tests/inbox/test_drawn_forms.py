"""The request page's forms are drawn once per state (portal/inbox/drawn_forms.py): a page
served from the cache is the page drawn afresh, whatever changed, and every reader gets
their own CSRF token."""

import re

import pytest
from flask import url_for
from sqlalchemy import update

from portal.extensions import db
from portal.forms import CSRF_PLACEHOLDER
from portal.inbox import drawn_forms
from portal.models import CannedReply, Function, Membership, Request, User
from tests import factories

from ..auth.helpers import csrf_token

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def page(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.member_x)
    url = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)

    def view(on=client):
        response = on.get(url)
        assert response.status_code == 200
        return response.text

    return item, view


def _change_request(item, **values):
    db.session.execute(update(Request).where(Request.id == item.id).values(**values))
    db.session.commit()


def _add_canned_reply(team, title):
    db.session.add(CannedReply(team_id=team.id, title=title, body="Thanks, {first_name}"))


def _rename_function(function, name):
    db.session.get(Function, function.id).name = name


def _add_member(team, name):
    person = factories.make_user(name=name)
    db.session.add(Membership(team_id=team.id, user_id=person.id, role="member"))


def _changes(world, item):
    """Each changes something the form blocks print."""
    return [
        # Written around the ORM, not moving the version: the key still sees each.
        lambda: _change_request(item, status="waiting_on_customer"),
        lambda: _change_request(item, assignee_id=world.member_x.id),
        lambda: _change_request(item, urgency="high"),
        lambda: _change_request(item, function_id=world.function.id),
        lambda: _change_request(item, version=item.version + 1),
        lambda: _change_request(
            item, merged_into_id=factories.make_request(world.account_a, world.contact_a).id
        ),
        lambda: _rename_function(world.function, "Renamed function"),
        lambda: setattr(db.session.get(User, world.coach_x.id), "name", "Renamed coach"),
        lambda: _add_member(world.team_x, "Newcomer"),
        lambda: _add_canned_reply(world.team_x, "Thanks"),
        lambda: setattr(db.session.get(User, world.member_x.id), "keyboard_shortcuts", True),
    ]


def test_a_page_served_from_the_cache_is_the_page_drawn_afresh(world, page):
    item, view = page
    view()
    for change in _changes(world, item):
        change()
        db.session.commit()
        served = view()  # from the cache, if the key missed the change
        drawn_forms.clear()
        assert served == view(), change
    assert ">Thanks</option>" in view()  # the last changes did reach the page


def test_every_reader_gets_their_own_token_and_it_works(app, world, page, login_as):
    item, view = page
    first = view()
    other = app.test_client()
    login_as(world.coach_x, on=other)
    second = view(other)  # served from the markup the first reader's view drew
    assert CSRF_PLACEHOLDER not in first + second
    mine = set(TOKEN.findall(first))
    theirs = set(TOKEN.findall(second))
    assert len(mine) == len(theirs) == 1 and mine != theirs
    saved = other.post(
        url_for("inbox.assign", team_id=world.team_x.id, request_id=item.id),
        data={
            "csrf_token": theirs.pop(),
            "version": item.version,
            "assignee": world.coach_x.id,
        },
    )
    assert saved.status_code == 303
    assert csrf_token(other, url_for("auth.profile"))  # still signed in, token still good


def test_a_held_reply_is_drawn_for_its_writer_only(client, world, page, no_csrf):
    item, view = page
    view()
    seen = item.version
    note = url_for("inbox.note", team_id=world.team_x.id, request_id=item.id)
    reply = url_for("inbox.reply", team_id=world.team_x.id, request_id=item.id)
    client.post(note, data={"body": "First", "version": seen})
    held = client.post(reply, data={"body": "My draft words", "version": seen})
    assert held.status_code == 409 and "My draft words</textarea>" in held.text
    assert "My draft words" not in view()  # the next plain view is not the held one
