"""What each inbox row tells at a glance, what a search says it found, and "every request
on this page" for the bulk bar."""

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.inbox import queries
from portal.models import Entry, Request, utcnow
from tests import factories
from tests.inbox.test_views import inbox, listed


@pytest.fixture
def member(client, world, login_as, no_csrf):
    login_as(world.member_x)
    return world.member_x


def entry(item, kind, body, minutes_ago, public=True):
    db.session.add(
        Entry(
            request_id=item.id,
            kind=kind,
            public=public,
            body=body,
            event="status" if kind == "event" else None,
            created_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )


def test_a_row_shows_who_asked_the_latest_message_urgency_and_how_long_ago(client, world, member):
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        subject="Pallets short",
        description="We counted 38.",
        urgency="high",
        status="open",
        last_activity_at=utcnow() - timedelta(hours=3),
    )
    db.session.flush()
    entry(item, "reply", "Sorry about that:\n\n  we will   send two more.", 50)
    entry(item, "note", "Driver confirms the count.", 20, public=False)
    entry(item, "event", "", 5)  # events are not messages
    quiet = factories.make_request(
        world.account_a2, world.contact_a2, subject="Invoice copy", description="Please resend."
    )
    db.session.commit()
    page = inbox(client, world).text
    row = page[page.index(f'id="row-{item.id}"') : page.index(f'id="row-{quiet.id}"')]
    assert world.contact_a.name in row and world.account_a.name in row
    assert "Driver confirms the count." in row  # the latest message, a note for staff
    assert "we will send two more" not in row
    assert ">High<" in row  # the team's word for the urgency
    assert ">3 h ago</time>" in row
    # Without a message yet, the row shows what the customer wrote.
    assert "Please resend." in page[page.index(f'id="row-{quiet.id}"') :]


def test_latest_messages_fold_whitespace_and_leave_out_requests_without_one(world):
    talked = factories.make_request(world.account_a, world.contact_a)
    silent = factories.make_request(world.account_a, world.contact_a)
    db.session.flush()
    entry(talked, "reply", "First", 30)
    entry(talked, "reply", "Second\n\nline   two " + "x" * 500, 10)
    db.session.commit()
    found = queries.latest_messages([talked.id, silent.id])
    assert found.keys() == {talked.id}
    assert found[talked.id].startswith("Second line two x")
    assert len(found[talked.id]) == queries.PREVIEW_LENGTH


def test_a_search_says_how_many_it_found_and_offers_to_clear(client, world, member):
    for n in range(3):
        factories.make_request(world.account_a, world.contact_a, subject=f"Pallet {n}")
    factories.make_request(world.account_a, world.contact_a, subject="Invoice")
    db.session.commit()
    page = inbox(client, world, q="pallet").text
    assert "3 requests found for “pallet”" in page
    assert "Clear filters" in page
    assert "the nearest target first" not in page
    plain = inbox(client, world).text
    assert "4 requests, the nearest target first" in plain
    assert "Clear filters" not in plain
    nothing = inbox(client, world, q="zebra").text
    assert "0 requests found" in nothing
    assert "No request matches “zebra” in All open." in nothing


def test_the_count_stops_at_its_cap(world):
    for _ in range(4):
        factories.make_request(world.account_a, world.contact_a, subject="Pallet")
    db.session.commit()
    filters = queries.InboxFilter(q="pallet")
    assert queries.count_matching(world.member_x, world.team_x, filters, utcnow(), cap=2) == 3
    assert queries.count_matching(world.member_x, world.team_x, filters, utcnow(), cap=10) == 4


def test_a_search_counts_only_what_the_reader_may_see(client, world, member):
    factories.make_request(world.account_a, world.contact_a, subject="Pallet here")
    factories.make_request(world.account_b, world.contact_b, subject="Pallet elsewhere")
    db.session.commit()
    assert "1 request found for “pallet”" in inbox(client, world, q="pallet").text


def test_every_request_on_this_page_works_without_ticking_each(client, world, member):
    items = [factories.make_request(world.account_a, world.contact_a) for _ in range(3)]
    other_team = factories.make_request(world.account_b, world.contact_b)
    db.session.commit()
    bulk = url_for("inbox.bulk", team_id=world.team_x.id)
    response = client.post(
        bulk,
        data={
            "every": "y",
            "page_ids": ",".join(str(i.id) for i in [*items, other_team]),
            "assignee": world.member_x.id,
        },
    )
    assert response.status_code == 303
    owners = db.session.execute(select(Request.id, Request.assignee_id)).all()
    assert {i: o for i, o in owners if i in {x.id for x in items}} == {
        i.id: world.member_x.id for i in items
    }
    # The scoped service never reaches another team's request, whatever the form lists.
    assert dict(owners)[other_team.id] is None


def test_the_page_lists_its_ids_once_for_the_bulk_bar(client, world, member):
    items = [factories.make_request(world.account_a, world.contact_a) for _ in range(2)]
    db.session.commit()
    ids = ",".join(str(i.id) for i in sorted(items, key=lambda i: i.id))
    text = inbox(client, world).text
    assert f'name="page_ids" value="{ids}"' in text
    # A second, empty page_ids field ahead of it would be the one the form posts.
    assert text.count('name="page_ids"') == 1


@pytest.mark.parametrize("junk", ["x,y", "-1", "99999999999", "1;DROP", ""])
def test_a_crafted_page_list_changes_nothing_and_is_not_a_500(client, world, member, junk):
    item = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    response = client.post(
        url_for("inbox.bulk", team_id=world.team_x.id),
        data={"every": "y", "page_ids": junk, "assignee": world.member_x.id},
    )
    assert response.status_code == 303
    db.session.refresh(item)
    assert item.assignee_id is None


def test_without_every_the_page_ids_alone_change_nothing(client, world, member):
    item = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    response = client.post(
        url_for("inbox.bulk", team_id=world.team_x.id),
        data={"page_ids": str(item.id), "assignee": world.member_x.id},
        follow_redirects=True,
    )
    assert "Select at least one request" in response.text
    db.session.refresh(item)
    assert item.assignee_id is None
    assert listed(inbox(client, world), item) == [item.reference]
