"""Each account remembers when the team last wrote to it: public staff replies only."""

from datetime import timedelta

from sqlalchemy import insert

from portal.extensions import db
from portal.models import Account, Entry, utcnow
from portal.requests import last_contact
from portal.requests import services as requests
from tests import factories


def _last(account):
    db.session.expire_all()
    return db.session.get(Account, account.id).last_contact_at


def test_a_public_staff_reply_moves_it_forward_and_nothing_else_does(world):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    assert _last(world.account_a) is None
    requests.add_note(world.member_x, item, "Call them tomorrow")
    requests.reply_as_contact(world.contact_a, item, "Any news?")
    db.session.commit()
    assert _last(world.account_a) is None
    requests.reply_as_staff(world.member_x, item, "On its way")
    db.session.commit()
    first = _last(world.account_a)
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    # An older reply written later (an import, a test) never moves it back.
    db.session.add(
        Entry(
            request_id=item.id,
            author_id=world.member_x.id,
            kind="reply",
            public=True,
            body="Old",
            created_at=first - timedelta(days=3),
        )
    )
    db.session.commit()
    assert _last(world.account_a) == first
    assert _last(world.account_b) is None  # another account is untouched


def test_refresh_recomputes_after_bulk_inserts(world):
    item = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    when = utcnow() - timedelta(days=40)
    db.session.execute(
        insert(Entry),
        [
            {
                "request_id": item.id,
                "author_id": world.member_x.id,
                "kind": "reply",
                "public": True,
                "body": "Bulk",
                "created_at": when,
                "data": {},
            },
            {
                "request_id": item.id,
                "author_id": world.contact_a.id,
                "kind": "reply",
                "public": True,
                "body": "Customer",
                "created_at": utcnow(),
                "data": {},
            },
        ],
    )
    db.session.commit()
    assert _last(world.account_a) is None  # bulk inserts bypass the ORM
    last_contact.refresh(db.session)
    db.session.commit()
    assert _last(world.account_a) == when
