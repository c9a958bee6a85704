"""The inbox keeps what it rendered until the team's requests change or the minute turns."""

from datetime import timedelta

from flask import url_for

from portal.extensions import db
from portal.inbox import queries
from portal.models import utcnow
from tests import factories


def _rows_built(monkeypatch) -> list[int]:
    built: list[int] = []
    real = queries.inbox_page

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(queries, "inbox_page", counting)
    return built


def test_a_reload_reuses_the_rows_until_a_change_then_shows_the_change(
    client, world, login_as, monkeypatch
):
    item = factories.make_request(world.account_a, world.contact_a, subject="Pallets late")
    db.session.commit()
    built = _rows_built(monkeypatch)
    login_as(world.member_x)
    inbox = url_for("inbox.index", team_id=world.team_x.id)
    assert "Pallets late" in client.get(inbox).text
    assert "Pallets late" in client.get(inbox).text
    assert len(built) == 1  # the second load was served from what the first rendered

    item.subject = "Pallets arrived damaged"
    db.session.commit()
    page = client.get(inbox).text
    assert "Pallets arrived damaged" in page and "Pallets late" not in page
    assert len(built) == 2

    other = factories.make_request(world.account_a, world.contact_a, subject="New invoice")
    db.session.commit()
    assert other.reference in client.get(inbox).text


def test_each_reader_has_their_own_mine_and_the_other_team_sees_none_of_it(
    client, world, login_as, app
):
    factories.make_request(world.account_a, world.contact_a, subject="For X", status="open")
    db.session.commit()
    mine = url_for("inbox.index", team_id=world.team_x.id, view="mine")
    item = factories.make_request(world.account_a, world.contact_a, subject="Claimed by coach")
    item.assignee_id = world.coach_x.id
    db.session.commit()
    login_as(world.coach_x)
    assert "Claimed by coach" in client.get(mine).text
    member = app.test_client()
    login_as(world.member_x, on=member)
    assert "Claimed by coach" not in member.get(mine).text
    outsider = app.test_client()
    login_as(world.member_y, on=outsider)
    assert outsider.get(url_for("inbox.index", team_id=world.team_x.id)).status_code == 404


def test_members_share_the_rows_of_a_team_view_but_not_their_own_views(
    client, world, login_as, app, monkeypatch
):
    from portal.models import Membership

    db.session.add(Membership(team_id=world.team_x.id, user_id=world.member_y.id))
    item = factories.make_request(world.account_a, world.contact_a, subject="Shared row")
    item.assignee_id = world.member_x.id
    db.session.commit()
    built = _rows_built(monkeypatch)
    login_as(world.member_x)
    colleague = app.test_client()
    login_as(world.member_y, on=colleague)
    inbox = url_for("inbox.index", team_id=world.team_x.id)
    assert "Shared row" in client.get(inbox).text
    assert "Shared row" in colleague.get(inbox).text
    assert len(built) == 1  # one render of All open served both
    mine = url_for("inbox.index", team_id=world.team_x.id, view="mine")
    assert "Shared row" in client.get(mine).text
    assert "Shared row" not in colleague.get(mine).text
    assert len(built) == 3


def test_the_rows_are_rebuilt_when_the_minute_turns(client, world, login_as, monkeypatch):
    from portal.inbox import list_views as views

    factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    built = _rows_built(monkeypatch)
    login_as(world.member_x)
    inbox = url_for("inbox.index", team_id=world.team_x.id)
    now = utcnow().replace(second=1)
    monkeypatch.setattr(views, "utcnow", lambda: now)
    client.get(inbox)
    monkeypatch.setattr(views, "utcnow", lambda: now + timedelta(seconds=30))
    client.get(inbox)
    assert len(built) == 1
    monkeypatch.setattr(views, "utcnow", lambda: now + timedelta(seconds=61))
    client.get(inbox)
    assert len(built) == 2  # the service clocks' texts moved on
