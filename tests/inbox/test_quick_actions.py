"""One-click 'Assign to me' and 'Resolve' in a request's detail: plain forms that also carry
the keyboard shortcuts, offered only when they would change something."""

from flask import url_for

from portal.extensions import db
from portal.models import Request
from tests import factories


def _detail(client, world, item):
    return client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id))


def test_quick_actions_are_offered_only_when_they_change_something(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    mine = factories.make_request(
        world.account_a, world.contact_a, status="resolved", assignee_id=world.member_x.id
    )
    db.session.commit()
    login_as(world.member_x)
    page = _detail(client, world, item).text
    assert ">Assign to me</button>" in page and ">Resolve</button>" in page
    assert "aria-keyshortcuts" not in page  # shortcuts are off until turned on
    assert 'id="shortcuts"' in page
    world.member_x.keyboard_shortcuts = True
    db.session.commit()
    page = _detail(client, world, item).text
    assert 'aria-keyshortcuts="a">Assign to me' in page
    assert 'aria-keyshortcuts="e">Resolve' in page
    done = _detail(client, world, mine).text
    assert "Assign to me" not in done
    assert 'aria-keyshortcuts="e"' not in done


def test_assign_to_me_and_resolve_work_as_plain_posts(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.member_x)
    html = _detail(client, world, item).text
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    owner = url_for("inbox.assign", team_id=world.team_x.id, request_id=item.id)
    answer = client.post(
        owner, data={"csrf_token": token, "version": item.version, "assignee": world.member_x.id}
    )
    assert answer.status_code == 303
    db.session.expire_all()
    item = db.session.get(Request, item.id)
    assert item.assignee_id == world.member_x.id
    status = url_for("inbox.status", team_id=world.team_x.id, request_id=item.id)
    answer = client.post(
        status, data={"csrf_token": token, "version": item.version, "status": "resolved"}
    )
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(Request, item.id).status == "resolved"


def test_a_stale_resolve_is_refused_and_changes_nothing(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.member_x)
    html = _detail(client, world, item).text
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    seen = item.version
    item.subject = "Edited meanwhile"
    item.version += 1
    db.session.commit()
    status = url_for("inbox.status", team_id=world.team_x.id, request_id=item.id)
    answer = client.post(status, data={"csrf_token": token, "version": seen, "status": "resolved"})
    assert answer.status_code == 409
    db.session.expire_all()
    assert db.session.get(Request, item.id).status == "open"


def test_assign_to_me_is_offered_only_to_those_the_owner_picker_accepts(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.admin)  # sees every team, but is not one of Team X's members
    page = _detail(client, world, item).text
    assert "Assign to me" not in page
    assert ">Resolve</button>" in page
