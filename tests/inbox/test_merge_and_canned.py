"""Merging duplicates and canned replies."""

from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CannedReply, Entry, OutboxMessage, Request
from tests import factories

HX = {"HX-Request": "true"}


def test_merging_moves_the_timeline_closes_the_duplicate_and_tells_the_customer(
    client, world, login_as, no_csrf
):
    survivor = factories.make_request(
        world.account_a, world.contact_a, status="open", subject="Invoice wrong"
    )
    duplicate = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        subject="Invoice wrong again",
        chase_count=2,
    )
    db.session.add(
        Entry(
            request_id=duplicate.id,
            author_id=world.contact_a.id,
            kind="reply",
            public=True,
            body="Any news on the invoice?",
        )
    )
    db.session.commit()
    login_as(world.member_x)
    response = client.post(
        url_for("inbox.merge", team_id=world.team_x.id, request_id=duplicate.id),
        data={"into": survivor.reference, "version": duplicate.version},
    )
    assert response.status_code == 303
    db.session.refresh(duplicate)
    db.session.refresh(survivor)
    assert (duplicate.status, duplicate.merged_into_id) == ("closed", survivor.id)
    assert survivor.chase_count == 2
    moved = db.session.scalar(select(Entry).where(Entry.body == "Any news on the invoice?"))
    assert moved.request_id == survivor.id
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert any(survivor.reference in m.subject for m in mail)

    login_as(world.contact_a)
    page = client.get(url_for("customer.request", request_id=duplicate.id)).text
    assert "continues as <a" in page and survivor.reference in page
    kept = client.get(url_for("customer.request", request_id=survivor.id)).text
    assert "Any news on the invoice?" in kept

    # Acting on the merged request is refused with a pointer to the survivor.
    login_as(world.member_x)
    db.session.refresh(duplicate)
    again = client.post(
        url_for("inbox.reply", team_id=world.team_x.id, request_id=duplicate.id),
        data={"body": "Hello?", "version": duplicate.version},
    )
    assert again.status_code == 422 and "merged into" in again.text


def test_merge_refuses_other_teams_itself_and_nonsense(client, world, login_as, no_csrf):
    mine = factories.make_request(world.account_a, world.contact_a, status="open")
    foreign = factories.make_request(world.account_b, world.contact_b, status="open")
    login_as(world.member_x)
    url = url_for("inbox.merge", team_id=world.team_x.id, request_id=mine.id)
    for target in (foreign.reference, mine.reference, "R-99999", "hello"):
        response = client.post(url, data={"into": target, "version": mine.version})
        assert response.status_code == 422, target
    assert (
        db.session.scalar(
            select(func.count()).select_from(Request).where(Request.merged_into_id.is_not(None))
        )
        == 0
    )


def test_canned_replies_fill_placeholders_safely(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a)
    login_as(world.member_x)
    add = url_for("inbox.add_canned_reply", team_id=world.team_x.id)
    body = "Hi {customer}, about {reference}: {me} of {team} here. {unknown} {customer.__class__}"
    assert client.post(add, data={"title": "Hello", "body": body}).status_code == 303
    duplicate = client.post(add, data={"title": "Hello", "body": "x"})
    assert duplicate.status_code == 422 and "already has a canned reply" in duplicate.text
    reply = db.session.scalar(select(CannedReply))
    page = client.get(
        url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id, canned=reply.id)
    ).text
    assert f"Hi Contact, about {item.reference}: Member X of Team X here." in page
    assert "{unknown} {customer.__class__}" in page  # unknown tokens stay as typed

    login_as(world.member_y)  # another team's canned reply is neither listed nor usable
    assert (
        client.post(
            url_for("inbox.delete_canned_reply", team_id=world.team_x.id, reply_id=reply.id)
        ).status_code
        == 404
    )
