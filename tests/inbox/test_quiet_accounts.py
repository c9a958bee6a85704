"""Quiet accounts: the customers who will not chase, surfaced before they are forgotten."""

from datetime import timedelta

from flask import url_for

from portal.extensions import db
from portal.models import Entry, utcnow
from tests import factories


def test_quiet_accounts_lists_the_unanswered_and_the_long_silent(client, world, login_as):
    now = utcnow()
    waiting = world.account_a  # an unanswered request nearing its target
    factories.make_request(
        waiting,
        world.contact_a,
        status="open",
        next_due_at=now + timedelta(minutes=10),
        next_at_risk_at=now - timedelta(minutes=20),
    )
    recent = factories.make_account(world.team_x, world.tier, "Recently Helped")
    recent_contact = factories.make_contact(recent)
    helped = factories.make_request(recent, recent_contact, status="open")
    db.session.add(
        Entry(
            request_id=helped.id,
            author_id=world.member_x.id,
            kind="reply",
            public=True,
            body="On it",
            created_at=now - timedelta(days=2),
        )
    )
    silent = factories.make_account(world.team_x, world.tier, "Long Silent")
    silent_contact = factories.make_contact(silent)
    old = factories.make_request(silent, silent_contact, status="resolved")
    db.session.add(
        Entry(
            request_id=old.id,
            author_id=world.member_x.id,
            kind="reply",
            public=True,
            body="Done",
            created_at=now - timedelta(days=45),
        )
    )
    # Only an internal note recently: that is not a word to the customer.
    db.session.add(
        Entry(
            request_id=old.id,
            author_id=world.member_x.id,
            kind="note",
            public=False,
            body="Should call them",
            created_at=now,
        )
    )
    db.session.commit()

    login_as(world.member_x)
    page = client.get(url_for("inbox.index", team_id=world.team_x.id, view="quiet")).text
    page = page[page.index('id="inbox-list"') :]  # the list, not the filter menus
    assert "Account A" in page and "1 unanswered" in page
    assert "Long Silent" in page
    assert "Recently Helped" not in page
    assert "Account B" not in page  # another team's account, never listed
    assert page.index("Account A") < page.index("Long Silent")  # never contacted comes first
