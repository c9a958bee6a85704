"""The inbox poll: 304 while nothing changes, a refresh offer when something does."""

import re

from flask import url_for

from tests import factories

HX = {"HX-Request": "true"}


def test_inbox_poll_offers_a_refresh_only_after_a_change(client, world, login_as, no_csrf, app):
    item = factories.make_request(world.account_a, world.contact_a)
    login_as(world.member_x)
    page = client.get(url_for("inbox.index", team_id=world.team_x.id)).text
    poll = re.search(r'id="inbox-news"[^>]*hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")

    quiet = client.get(poll, headers=HX)
    assert quiet.status_code == 200 and "new activity" not in quiet.text
    etag = quiet.headers["ETag"].strip('"')
    assert client.get(poll, headers={**HX, "If-None-Match": etag}).status_code == 304

    customer = app.test_client()
    login_as(world.contact_a, on=customer)
    customer.post(url_for("customer.chase", request_id=item.id))
    news = client.get(poll, headers={**HX, "If-None-Match": etag})
    assert news.status_code == 200 and "new activity" in news.text


def test_inbox_poll_is_the_teams_only(client, world, login_as):
    login_as(world.member_y)
    url = url_for("inbox.updates", team_id=world.team_x.id, seen="x")
    assert client.get(url, headers=HX).status_code == 404


def test_query_arguments_cannot_steer_links_to_another_host(client, world, login_as):
    login_as(world.member_x)
    crafted = {"_external": "1", "_scheme": "https", "_anchor": "x"}
    page = client.get(url_for("inbox.index", team_id=world.team_x.id), query_string=crafted)
    assert "http://localhost/teams" not in page.text  # links stay relative
    moved = client.get(url_for("inbox.updates", team_id=world.team_x.id), query_string=crafted)
    assert moved.status_code == 302 and moved.headers["Location"].startswith("/teams/")
    login_as(world.contact_a)
    listed = client.get(url_for("customer.list_updates"), query_string=crafted)
    assert listed.headers["Location"].startswith("/portal/")


def _activity(team):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Team

    return db.session.scalar(select(Team.activity).where(Team.id == team.id))


def test_the_poll_sees_a_request_leave_the_views_and_ignores_old_history(world):
    from datetime import timedelta

    from portal.extensions import db
    from portal.inbox.queries import view_counts
    from portal.models import utcnow

    item = factories.make_request(world.account_a, world.contact_a, status="open")
    old = factories.make_request(
        world.account_a,
        world.contact_a,
        status="closed",
        resolved_at=utcnow() - timedelta(days=90),
    )
    db.session.commit()
    counts, before = view_counts(world.member_x, world.team_x), _activity(world.team_x)
    assert counts["open"] == 1 and counts["resolved"] == 0

    old.subject = "Edited long after it closed"  # no view shows it: no refresh offered
    db.session.commit()
    assert _activity(world.team_x) == before

    item.status = "closed"  # closed without a resolution date: it leaves every view
    db.session.commit()
    assert view_counts(world.member_x, world.team_x)["open"] == 0
    assert _activity(world.team_x) > before


def test_every_change_the_inbox_shows_moves_the_teams_activity_and_no_other(world):
    from portal.extensions import db
    from portal.requests import services

    start_x, start_y = _activity(world.team_x), _activity(world.team_y)
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    steps = [_activity(world.team_x)]
    services.reply_as_contact(world.contact_a, item, "Any news?")
    db.session.commit()
    steps.append(_activity(world.team_x))
    item.assignee_id = world.member_x.id
    db.session.commit()
    steps.append(_activity(world.team_x))
    handoff = factories.make_handoff(item, world.function, world.member_x, world.coach_x)
    db.session.commit()
    steps.append(_activity(world.team_x))
    handoff.status = "done"
    db.session.commit()
    steps.append(_activity(world.team_x))
    assert [start_x, *steps] == sorted(set([start_x, *steps]))  # each step moved it on
    assert _activity(world.team_y) == start_y  # the other team's inbox saw nothing


def test_the_count_moves_when_the_change_commits_and_not_for_a_rollback(world):
    from portal.extensions import db

    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    before = _activity(world.team_x)
    item.subject = "Rolled back"
    db.session.flush()
    db.session.rollback()
    assert _activity(world.team_x) == before
    item.subject = "Kept"
    db.session.commit()
    assert _activity(world.team_x) == before + 1  # counted once, at the commit
    db.session.commit()  # nothing changed since: nothing counted
    assert _activity(world.team_x) == before + 1


def test_a_request_raised_through_the_form_moves_the_count_and_shows_in_the_inbox(
    client, world, login_as, app, no_csrf
):
    import uuid

    from portal.extensions import db

    member = app.test_client()
    login_as(world.member_x, on=member)
    inbox = url_for("inbox.index", team_id=world.team_x.id)
    assert "Forklift stuck" not in member.get(inbox).text  # now kept by the inbox cache
    before = _activity(world.team_x)
    login_as(world.contact_a)
    form = {
        "account": str(world.account_a.id),
        "about": str(world.function.id),
        "subject": "Forklift stuck",
        "description": "Since this morning.",
        "urgency": "normal",
        "idempotency_key": uuid.uuid4().hex,
    }
    assert client.post(url_for("customer.new_request"), data=form).status_code == 303
    db.session.expire_all()
    assert _activity(world.team_x) == before + 1
    assert "Forklift stuck" in member.get(inbox).text


def test_a_savepoint_rolled_back_keeps_the_changes_flushed_before_it(world):
    from portal.extensions import db

    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    before = _activity(world.team_x)
    item.subject = "Flushed before the savepoint"
    db.session.flush()
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    db.session.commit()
    assert _activity(world.team_x) == before + 1


def test_a_bulk_write_past_the_orm_is_counted_by_touch(world):
    from portal.extensions import db
    from portal.requests import activity

    before_x, before_y = _activity(world.team_x), _activity(world.team_y)
    activity.touch(db.session, [world.team_x.id])
    activity.touch(db.session, [])  # nothing to count: no statement
    assert (_activity(world.team_x), _activity(world.team_y)) == (before_x + 1, before_y)
    activity.touch(db.session, None)
    assert (_activity(world.team_x), _activity(world.team_y)) == (before_x + 2, before_y + 1)


def _old_closed_request_handed_to_member_x(world):
    """Closed three months ago, with a handoff still open: outside every other view."""
    from datetime import timedelta

    from portal.extensions import db
    from portal.models import utcnow

    old = factories.make_request(
        world.account_a,
        world.contact_a,
        status="closed",
        resolved_at=utcnow() - timedelta(days=90),
    )
    factories.make_handoff(old, world.function, world.member_x, world.coach_x)
    db.session.commit()
    return old


def test_handoffs_for_me_counts_a_handoff_left_open_on_an_old_closed_request(
    client, world, login_as
):
    from portal.inbox.queries import view_counts

    old = _old_closed_request_handed_to_member_x(world)
    assert view_counts(world.member_x, world.team_x)["handoffs"] == 1
    login_as(world.member_x)
    page = client.get(url_for("inbox.index", team_id=world.team_x.id, view="handoffs")).text
    assert old.reference in page


def test_the_poll_sees_a_change_to_an_old_request_handed_to_me(world):
    from portal.extensions import db

    old = _old_closed_request_handed_to_member_x(world)
    before = _activity(world.team_x)
    old.subject = "A note on it, say"
    db.session.commit()
    assert _activity(world.team_x) > before
