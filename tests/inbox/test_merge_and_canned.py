"""Merging duplicates and canned replies."""

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CannedReply, Contact, Entry, OutboxMessage, Request
from portal.requests.errors import RequestError
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


def _merge(client, world, duplicate, survivor):
    return client.post(
        url_for("inbox.merge", team_id=world.team_x.id, request_id=duplicate.id),
        data={"into": survivor.reference, "version": duplicate.version},
    )


def _merged_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Request).where(Request.merged_into_id.is_not(None))
    )


def test_merge_refuses_another_accounts_request_of_the_same_team(client, world, login_as, no_csrf):
    """Account A's conversation must never reach Account A2's contacts, nor A2's reference
    and subject reach A's contact by mail, however the reference was typed."""
    mine = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.add(
        Entry(
            request_id=mine.id,
            author_id=world.contact_a.id,
            kind="reply",
            public=True,
            body="Our bank details are attached.",
        )
    )
    theirs = factories.make_request(
        world.account_a2, world.contact_a2, status="open", subject="A2's secret subject"
    )
    db.session.commit()
    login_as(world.member_x)
    response = _merge(client, world, mine, theirs)
    assert response.status_code == 422
    assert "another account (Account A2)" in response.text
    assert _merged_count() == 0
    moved = db.session.scalar(select(Entry).where(Entry.body == "Our bank details are attached."))
    assert moved.request_id == mine.id
    assert not db.session.scalars(select(OutboxMessage)).all()

    login_as(world.contact_a2)
    page = client.get(url_for("customer.request", request_id=theirs.id)).text
    assert "Our bank details" not in page


def test_merge_within_an_account_keeps_each_contacts_opt_in(client, world, login_as, no_csrf):
    """Two contacts of one account see each other's requests only when the account shares
    visibility and both opted in; a merge must not make an exception."""
    world.account_a.shares_visibility = True
    colleague = factories.make_contact(world.account_a, name="Opted-out Colleague")
    private = factories.make_request(world.account_a, colleague, status="open")
    db.session.add(
        Entry(
            request_id=private.id,
            author_id=colleague.id,
            kind="reply",
            public=True,
            body="My salary question.",
        )
    )
    mine = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.member_x)
    refused = _merge(client, world, private, mine)
    assert refused.status_code == 422
    assert "cannot see each other" in refused.text
    assert _merged_count() == 0
    login_as(world.contact_a)
    assert (
        "My salary question."
        not in client.get(url_for("customer.request", request_id=mine.id)).text
    )

    # Once both opted in, each could already read the other's request: the merge goes ahead.
    for person in (colleague, world.contact_a):
        contact = db.session.scalar(select(Contact).where(Contact.user_id == person.id))
        contact.sees_account_requests = True
    db.session.commit()
    login_as(world.member_x)
    db.session.refresh(private)
    assert _merge(client, world, private, mine).status_code == 303
    login_as(world.contact_a)
    assert "My salary question." in client.get(url_for("customer.request", request_id=mine.id)).text


def test_merge_service_refuses_another_account_whoever_calls_it(world):
    from portal.requests import merging

    mine = factories.make_request(world.account_a, world.contact_a, status="open")
    theirs = factories.make_request(world.account_a2, world.contact_a2, status="open")
    with pytest.raises(RequestError, match="another account"):
        merging.merge(world.member_x, mine, theirs)
    assert mine.merged_into_id is None and mine.status == "open"


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


def test_another_teams_canned_reply_never_fills_this_teams_request(
    client, world, login_as, no_csrf
):
    foreign = CannedReply(
        team_id=world.team_y.id, title="Theirs", body="Team Y's private wording", created_by_id=None
    )
    db.session.add(foreign)
    item = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    login_as(world.member_x)
    page = client.get(
        url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id, canned=foreign.id)
    )
    assert page.status_code == 200 and "Team Y's private wording" not in page.text


def test_bulk_resolve_over_two_accounts_mails_each_requester_only_their_own(
    client, world, login_as, no_csrf
):
    a = factories.make_request(world.account_a, world.contact_a, status="open", subject="A's")
    a2 = factories.make_request(world.account_a2, world.contact_a2, status="open", subject="A2's")
    db.session.commit()
    login_as(world.member_x)
    response = client.post(
        url_for("inbox.bulk", team_id=world.team_x.id),
        data={"ids": [a.id, a2.id], "assignee": "", "status": "resolved"},
    )
    assert response.status_code == 303
    mail = {(m.recipient, m.subject) for m in db.session.scalars(select(OutboxMessage))}
    assert mail == {
        (world.contact_a.email, f"[{a.reference}] Resolved: A's"),
        (world.contact_a2.email, f"[{a2.reference}] Resolved: A2's"),
    }
