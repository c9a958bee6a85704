"""The request pane's properties (owner, status, function, urgency), saved with one action:
each change recorded as its own, nothing saved over a newer version, nothing lost."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Entry, Request
from tests import factories
from tests.inbox.test_views import HX, _post
from tests.inbox.test_views import member as member  # the fixture, re-exported


def _save(client, world, item, **changes):
    values = {
        "assignee": item.assignee_id or "",
        "status": "open" if item.status == "new" else item.status,
        "function": item.function_id or "",
        "urgency": item.urgency,
    }
    return _post(client, world, "inbox.properties", item, headers=HX, **(values | changes))


def _events(item) -> list[str]:
    return db.session.scalars(
        select(Entry.event)
        .where(Entry.request_id == item.id, Entry.kind == "event")
        .order_by(Entry.id)
    ).all()


def test_one_save_changes_owner_urgency_and_status_together(client, world, member):
    item = factories.raise_request(world.contact_a, world.account_a, subject="Wrong invoice")
    db.session.commit()
    before = _events(item)
    response = _save(
        client,
        world,
        item,
        assignee=world.member_x.id,
        function=world.function.id,
        urgency="high",
        status="waiting_on_customer",
    )
    assert response.status_code == 200 and 'id="request-detail"' in response.text
    assert "Saved: function, urgency, owner, status." in response.text
    saved = db.session.get(Request, item.id)
    assert (saved.assignee_id, saved.function_id, saved.urgency, saved.status) == (
        world.member_x.id,
        world.function.id,
        "high",
        "waiting_on_customer",
    )
    assert _events(item)[len(before) :] == ["reclassified", "assigned", "status"]


def test_saving_unchanged_properties_changes_nothing_and_leaves_a_new_request_new(
    client, world, member
):
    item = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    before = (_events(item), item.version)
    response = _save(client, world, item)
    assert "Nothing changed." in response.text
    saved = db.session.get(Request, item.id)
    assert saved.status == "new" and (_events(item), saved.version) == before


def test_a_stale_pane_saves_nothing(client, world, member):
    item = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    seen = item.version
    _save(client, world, item, urgency="high")  # someone else, a moment before
    db.session.refresh(item)
    response = _post(
        client,
        world,
        "inbox.properties",
        item,
        headers=HX,
        version=seen,
        assignee=world.member_x.id,
        status="resolved",
        function="",
        urgency="low",
    )
    assert response.status_code == 409
    saved = db.session.get(Request, item.id)
    assert (saved.assignee_id, saved.status, saved.urgency) == (None, "new", "high")


def test_bad_values_are_form_errors_and_change_nothing(client, world, member):
    item = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    for bad in ({"status": "deleted"}, {"urgency": "panic"}, {"assignee": world.member_y.id}):
        response = _save(client, world, item, **bad)
        assert response.status_code == 422, bad
        assert 'id="request-detail"' in response.text
    saved = db.session.get(Request, item.id)
    assert (saved.assignee_id, saved.status, saved.urgency) == (None, "new", "normal")


def test_the_pane_draws_one_properties_form_with_one_save(client, world, member):
    item = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    page = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).text
    assert page.count(url_for("inbox.properties", team_id=world.team_x.id, request_id=item.id)) == 2
    for label in ("Owner", "Status", "Function", "Urgency"):
        assert f">{label}</label>" in page
    for gone in ("Save owner", "Save status", "Save function and urgency"):
        assert gone not in page


def test_an_owner_who_left_the_team_is_kept_when_other_properties_change(client, world, member):
    from portal.admin import services as admin_services
    from portal.models import Membership

    leaver = factories.make_member(world.team_x, name="Leaving Member")
    item = factories.raise_request(world.contact_a, world.account_a)
    item.assignee_id = leaver.id
    db.session.commit()
    # As an admin removes someone: the team's menus (cached by its stamp) follow.
    membership = db.session.scalar(select(Membership).where(Membership.user_id == leaver.id))
    admin_services.remove_member(world.admin, membership)
    db.session.commit()
    page = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).text
    assert f'<option selected value="{leaver.id}">Leaving Member (no longer in the team)' in page
    response = _save(client, world, item, urgency="high")
    assert "Saved: urgency." in response.text
    saved = db.session.get(Request, item.id)
    assert (saved.assignee_id, saved.urgency) == (leaver.id, "high")
