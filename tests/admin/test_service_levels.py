"""Admins set service levels and business hours; open requests' clocks follow at once."""

from datetime import time

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Holiday, ServiceLevel, WorkingHours
from portal.requests import clock
from tests import factories


def test_service_levels_grid_saves_and_moves_open_clocks(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a, status="open", urgency="high")
    login_as(world.admin)
    page = client.get(url_for("admin.service_levels"))
    assert page.status_code == 200 and "Key" in page.text
    key = f"{world.tier.id}-high"
    response = client.post(
        url_for("admin.service_levels"), data={f"fr-{key}": "1", f"rs-{key}": "8"}
    )
    assert response.status_code == 303
    level = db.session.scalar(select(ServiceLevel))
    assert (level.first_response_minutes, level.resolution_minutes) == (60, 480)
    db.session.refresh(item)
    assert item.next_due_at is not None  # recomputed when the level appeared


def test_bad_cells_are_refused_and_nothing_changes(client, world, login_as, no_csrf):
    login_as(world.admin)
    key = f"{world.tier.id}-normal"
    for data, message in (
        ({f"fr-{key}": "abc", f"rs-{key}": "8"}, "Use hours between"),
        ({f"fr-{key}": "4", f"rs-{key}": ""}, "Give both targets"),
        ({f"fr-{key}": "8", f"rs-{key}": "4"}, "cannot come before"),
        ({f"fr-{key}": "-1", f"rs-{key}": "4"}, "Use hours between"),
    ):
        response = client.post(url_for("admin.service_levels"), data=data)
        assert response.status_code == 422 and message in response.text
    assert db.session.scalar(select(ServiceLevel)) is None


def test_team_hours_and_holidays(client, world, login_as, no_csrf):
    login_as(world.admin)
    url = url_for("admin.team_hours", team_id=world.team_x.id)
    assert 'value="09:00"' in client.get(url).text  # office hours until set
    data = {
        "open-0": "on",
        "opens-0": "08:00",
        "closes-0": "16:00",
        "open-5": "on",
        "opens-5": "10:00",
        "closes-5": "00:00",
        "holidays": "2026-12-25 Christmas Day\n2026-12-26",
    }
    assert client.post(url, data=data).status_code == 303
    rows = db.session.scalars(select(WorkingHours).order_by(WorkingHours.weekday)).all()
    assert [(r.weekday, r.opens, r.closes) for r in rows] == [
        (0, time(8), time(16)),
        (5, time(10), time(0)),
    ]
    assert [h.name for h in db.session.scalars(select(Holiday).order_by(Holiday.day))] == [
        "Christmas Day",
        "",
    ]
    calendar = clock.team_calendar(world.team_x)
    assert set(calendar.weekly) == {0, 5}

    bad = client.post(
        url, data={"open-1": "on", "opens-1": "17:00", "closes-1": "09:00", "holidays": "Christmas"}
    )
    assert bad.status_code == 422 and "Closing must come after opening" in bad.text
    assert len(db.session.scalars(select(WorkingHours)).all()) == 2  # unchanged


def test_only_admins(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    assert client.get(url_for("admin.service_levels")).status_code == 403
    assert (
        client.post(url_for("admin.team_hours", team_id=world.team_x.id), data={}).status_code
        == 403
    )


def test_admin_renames_a_team_and_a_new_time_zone_moves_due_times(client, world, login_as, no_csrf):
    factories.make_service_level(world.tier, first_response=60, resolution=480)
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    clock.recompute(item)
    db.session.commit()
    before = item.next_due_at
    login_as(world.admin)
    url = url_for("admin.update_team", team_id=world.team_x.id)
    response = client.post(
        url, data={"name": "Team Xenon", "description": "", "timezone": "Pacific/Auckland"}
    )
    assert response.status_code == 303
    db.session.refresh(world.team_x)
    db.session.refresh(item)
    assert (world.team_x.name, world.team_x.timezone) == ("Team Xenon", "Pacific/Auckland")
    assert item.next_due_at != before
    bad = client.post(url, data={"name": "Team Y", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    db.session.refresh(world.team_x)
    assert world.team_x.name == "Team Xenon"
