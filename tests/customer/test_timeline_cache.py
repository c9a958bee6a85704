"""The customer's timeline is drawn once per set of rows and reader: it says "You", so a
colleague who shares the account never gets another's wording, and any change to what it
prints draws it again."""

from flask import url_for
from sqlalchemy import update

from portal.extensions import db
from portal.models import Entry, User
from tests import factories
from tests.inbox.test_timeline_cache import drawn  # noqa: F401 - the counting fixture


def _page(client, item):
    response = client.get(url_for("customer.request", request_id=item.id))
    assert response.status_code == 200
    return response.text


def _reply(item, author, body, public=True):
    db.session.add(
        Entry(request_id=item.id, author_id=author.id, kind="reply", body=body, public=public)
    )
    db.session.commit()


def test_each_reader_gets_their_own_wording(app, client, world, login_as, drawn):  # noqa: F811
    world.account_a.shares_visibility = True
    colleague = factories.make_contact(world.account_a, sees_account_requests=True)
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    _reply(item, world.contact_a, "Any news?")
    login_as(world.contact_a)
    mine = _page(client, item)
    _page(client, item)
    assert len(drawn) == 1  # the second load reused the markup
    assert "<strong>You</strong>" in mine

    other = app.test_client()
    login_as(colleague, on=other)
    theirs = _page(other, item)
    assert len(drawn) == 2
    assert "<strong>You</strong>" not in theirs
    assert f"<strong>{world.contact_a.name}</strong>" in theirs


def test_internal_notes_never_reach_the_drawn_timeline(client, world, login_as, drawn):  # noqa: F811
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    _reply(item, world.member_x, "Margin is thin here", public=False)
    _reply(item, world.member_x, "We are on it")
    login_as(world.contact_a)
    page = _page(client, item)
    assert "We are on it" in page and "Margin is thin" not in page


def test_a_renamed_team_member_is_drawn_again(client, world, login_as, drawn):  # noqa: F811
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    _reply(item, world.member_x, "We are on it")
    login_as(world.contact_a)
    assert f"<strong>{world.member_x.name}</strong>" in _page(client, item)
    db.session.execute(update(User).where(User.id == world.member_x.id).values(name="Renamed"))
    db.session.commit()
    assert "<strong>Renamed</strong>" in _page(client, item) and len(drawn) == 2
