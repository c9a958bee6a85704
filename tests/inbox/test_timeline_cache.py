"""The staff timeline is drawn once per set of rows: any change to what it prints draws
it again, whether or not the change moved the request's version."""

import pytest
from flask import current_app, url_for
from sqlalchemy import update

from portal.extensions import db
from portal.inbox import timelines
from portal.models import Attachment, Entry, Request, User, utcnow
from tests import factories


@pytest.fixture
def drawn(monkeypatch):
    """How many times the timeline block was drawn (not served from the cache)."""
    count = []
    real = timelines.drawn

    def counting(key, caller):
        def drawing():
            count.append(1)
            return caller()

        return real(key, drawing)

    # The template global was bound when the app was made: replace that one.
    monkeypatch.setitem(current_app.jinja_env.globals, "timeline_drawn", counting)
    return count


@pytest.fixture
def page(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.add(Entry(request_id=item.id, author_id=world.member_x.id, kind="reply", body="Hi"))
    db.session.commit()
    login_as(world.member_x)
    url = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
    return item, lambda: client.get(url).text


def _version(item):
    return db.session.scalar(db.select(Request.version).where(Request.id == item.id))


def test_the_same_rows_are_drawn_once_for_every_staff_reader(client, world, login_as, page, drawn):
    item, view = page
    first = view()
    view()
    login_as(world.coach_x)
    other = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id))
    assert other.status_code == 200
    assert len(drawn) == 1  # the second load and the second reader reused the markup
    assert first[first.index('<ol class="timeline">') :].split("</ol>")[0] in other.text


def test_a_renamed_author_is_drawn_again_though_no_version_moved(world, page, drawn):
    item, view = page
    assert f"<strong>{world.member_x.name}</strong>" in view()
    version = _version(item)
    db.session.execute(update(User).where(User.id == world.member_x.id).values(name="Renamed"))
    db.session.commit()
    assert _version(item) == version
    assert "<strong>Renamed</strong>" in view() and len(drawn) == 2


def test_an_entry_written_around_the_orm_is_drawn(world, page, drawn):
    item, view = page
    view()
    db.session.execute(
        Entry.__table__.insert().values(
            request_id=item.id,
            author_id=world.contact_a.id,
            kind="reply",
            public=True,
            body="Written *raw*",
            data={},
            created_at=utcnow(),
        )
    )
    db.session.commit()
    assert "<em>raw</em>" in view() and len(drawn) == 2


def test_an_edited_entry_an_attachment_and_event_data_are_drawn(world, page, drawn):
    item, view = page
    view()
    entry = db.session.scalar(db.select(Entry).where(Entry.request_id == item.id))
    entry.body = "Edited **now**"
    db.session.commit()
    assert "<strong>now</strong>" in view()
    db.session.add(
        Attachment(
            request_id=item.id,
            entry_id=entry.id,
            uploader_id=world.member_x.id,
            filename="photo.png",
            content_type="image/png",
            stored_name="x",
            size=2048,
            sha256="0" * 64,
            public=True,
        )
    )
    db.session.commit()
    assert "photo.png" in view()
    db.session.add(
        Entry(
            request_id=item.id,
            author_id=world.member_x.id,
            kind="event",
            public=False,
            event="reclassified",
            data={"urgency": "high", "function": "Billing"},
        )
    )
    db.session.commit()
    assert "changed urgency to high, function to Billing." in view()
    # The same items in another order (an equal dict: the ORM would not write it). On
    # PostgreSQL's json the text keeps its order too; whatever order loads is what prints.
    db.session.execute(
        update(Entry)
        .where(Entry.event == "reclassified")
        .values(data={"function": "Billing", "urgency": "high"})
    )
    db.session.commit()
    assert "changed function to Billing, urgency to high." in view()
    assert len(drawn) == 5
