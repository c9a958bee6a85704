"""The admins' audit log: filters show exactly the matching events, pages never repeat or skip
one, bad filter input is left out with a message (never a 500), and rows read as words."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import delete

from portal import audit
from portal.admin import audit_log
from portal.domain.audit_words import ACTIONS, action_words, changes_words
from portal.extensions import db
from portal.models import AuditEvent

HX = {"HX-Request": "true"}
DAY = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def admin(client, world, login_as):
    login_as(world.admin)
    return client


def shown(response) -> list[int]:
    assert response.status_code == 200, response.text[:500]
    return [int(i) for i in re.findall(r'<tr id="audit-(\d+)"', response.text)]


def record(actor, action, subject, when, **detail):
    event = audit.record(actor, action, subject, **detail)
    event.created_at = when
    db.session.flush()
    return event.id


@pytest.fixture
def events(world):
    db.session.execute(delete(AuditEvent))  # only this test's events
    ids = {
        "admin_team_x": record(world.admin, "team.updated", world.team_x, DAY, changes={}),
        "admin_tier": record(world.admin, "tier.created", world.tier, DAY + timedelta(days=1)),
        "coach_team_x": record(world.coach_x, "team.routing", world.team_x, DAY + timedelta(2)),
        "coach_team_y": record(world.coach_x, "team.updated", world.team_y, DAY + timedelta(3)),
        "member_away": record(world.member_x, "person.away", world.member_x, DAY + timedelta(4)),
    }
    db.session.commit()
    return ids


def test_newest_first_with_words_zone_and_links(admin, world, events):
    response = admin.get(url_for("admin.audit_log"))
    assert shown(response) == sorted(events.values(), reverse=True)
    text = response.text
    assert "Left out" not in text and 'aria-invalid="true"' not in text
    assert "Added the tier" in text and "Marked themselves away" in text
    assert "11 Mar 2026, 09:30 UTC" in text
    # objects with an admin page link to it
    assert f'href="{url_for("admin.tier", item_id=world.tier.id)}"' in text
    assert f'href="{url_for("admin.team", team_id=world.team_x.id)}"' in text
    assert 'aria-current="page"' in text and ">Audit log</a>" in text  # in the admin navigation


def test_filter_by_person(admin, world, events):
    ids = shown(admin.get(url_for("admin.audit_log", person=world.coach_x.email)))
    assert ids == [events["coach_team_y"], events["coach_team_x"]]
    by_name = shown(admin.get(url_for("admin.audit_log", person=world.admin.name.upper())))
    assert by_name == [events["admin_tier"], events["admin_team_x"]]
    assert shown(admin.get(url_for("admin.audit_log", person="nobody-like-this"))) == []


def test_filter_by_object_type_and_id(admin, world, events):
    teams = shown(admin.get(url_for("admin.audit_log", subject="team")))
    assert teams == [events["coach_team_y"], events["coach_team_x"], events["admin_team_x"]]
    team_x = shown(
        admin.get(url_for("admin.audit_log", subject="team", subject_id=world.team_x.id))
    )
    assert team_x == [events["coach_team_x"], events["admin_team_x"]]
    # an id alone matches any kind of object with that id
    by_id = shown(admin.get(url_for("admin.audit_log", subject_id=world.tier.id)))
    assert events["admin_tier"] in by_id
    assert all(db.session.get(AuditEvent, i).subject_id == world.tier.id for i in by_id)


def test_filter_by_dates_counts_whole_days(admin, events):
    ids = shown(admin.get(url_for("admin.audit_log", since="2026-03-11", until="2026-03-12")))
    assert ids == [events["coach_team_x"], events["admin_tier"]]
    assert shown(admin.get(url_for("admin.audit_log", since="2026-03-13"))) == [
        events["member_away"],
        events["coach_team_y"],
    ]
    assert shown(admin.get(url_for("admin.audit_log", until="2026-03-10"))) == [
        events["admin_team_x"]
    ]


@pytest.mark.parametrize(
    "args, left_out",
    [
        ({"since": "last tuesday"}, "From"),
        ({"until": "2026-02-30"}, "To"),
        ({"subject_id": "99999999999999999999"}, "Object id"),
        ({"subject_id": "-3"}, "Object id"),
        ({"subject": "'; drop table"}, "Object type"),
        ({"since": "2026-03-12", "until": "2026-03-11"}, "To"),
    ],
)
def test_bad_filter_input_is_left_out_with_a_message(admin, events, args, left_out):
    response = admin.get(url_for("admin.audit_log", **args))
    ids = shown(response)
    assert "Left out of the filter" in response.text and left_out in response.text
    if "since" not in args:
        assert ids == sorted(events.values(), reverse=True)  # nothing else narrowed it


def test_a_huge_or_bad_cursor_is_the_first_page(admin, events):
    newest = sorted(events.values(), reverse=True)
    assert shown(admin.get(url_for("admin.audit_log", before="9" * 30))) == newest
    assert shown(admin.get(url_for("admin.audit_log", before="abc"))) == newest


def test_paging_forward_shows_the_next_events_and_no_duplicates(admin, world, monkeypatch):
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 4)
    db.session.execute(delete(AuditEvent))
    ids = [
        record(world.admin, "team.updated", world.team_x, DAY + timedelta(minutes=n))
        for n in range(10)
    ]
    db.session.commit()
    seen, url, pages = [], url_for("admin.audit_log"), 0
    while url:
        response = admin.get(url)
        page = shown(response)
        seen += page
        pages += 1
        found = re.search(r'<a class="button" href="([^"]+)"[^>]*>Older events', response.text)
        url = found and found.group(1).replace("&amp;", "&")
        # an event written while someone pages does not shift the pages already read
        if pages == 1:
            record(world.admin, "team.updated", world.team_x, DAY + timedelta(days=9))
            db.session.commit()
    assert pages == 3
    assert seen == sorted(ids, reverse=True)  # every event once, newest first


def test_paging_keeps_the_filters(admin, world, monkeypatch):
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 2)
    db.session.execute(delete(AuditEvent))
    mine = [record(world.coach_x, "team.routing", world.team_x, DAY) for _ in range(3)]
    for _ in range(3):
        record(world.admin, "team.updated", world.team_x, DAY)
    db.session.commit()
    first = admin.get(url_for("admin.audit_log", person=world.coach_x.email))
    assert shown(first) == [mine[2], mine[1]]
    older = url_for("admin.audit_log", person=world.coach_x.email, before=mine[1])
    second = admin.get(older, headers=HX)
    assert "<html" not in second.text  # htmx gets the results alone
    assert shown(second) == [mine[0]]


def test_words_for_every_action_and_for_one_never_named():
    assert all(words and words[0].islower() for words in ACTIONS.values())
    assert action_words("gadget.re_wired") == "re wired (gadget)"
    assert changes_words({"changes": {"name": ["Old", "New"], "active": [True, False]}}) == [
        "name: Old → New",
        "active: yes → no",
    ]
    assert changes_words({"changes": "not a dict"}) == []


def test_dates_are_the_reader_s_days(admin, world):
    """23:30 UTC on 10 March is already 11 March in Berlin: the admin's day decides."""
    late = record(
        world.admin, "team.updated", world.team_x, datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    )
    db.session.commit()
    eleventh = url_for("admin.audit_log", since="2026-03-11", until="2026-03-11")
    assert late not in shown(admin.get(eleventh))
    world.admin.timezone = "Europe/Berlin"
    db.session.commit()
    assert late in shown(admin.get(eleventh))
