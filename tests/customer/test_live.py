"""The customer's pages stay current by polls that cost a 304 while nothing changes."""

from flask import url_for

from tests import factories

HX = {"HX-Request": "true"}


def etag_of(response):
    return response.headers["ETag"].strip('"')


def test_request_page_poll_is_304_until_the_team_replies(client, world, login_as, no_csrf, app):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.contact_a)
    poll = url_for("customer.request_updates", request_id=item.id)
    first = client.get(poll, headers=HX)
    assert first.status_code == 200 and 'id="live-timeline"' in first.text
    assert first.headers["Cache-Control"] == "private, no-cache"
    same = client.get(poll, headers={**HX, "If-None-Match": etag_of(first)})
    assert same.status_code == 304 and same.data == b""

    staff = app.test_client()
    login_as(world.member_x, on=staff)
    staff.post(
        url_for("inbox.reply", team_id=world.team_x.id, request_id=item.id),
        data={"body": "Refund approved", "version": item.version},
    )
    staff.post(
        url_for("inbox.note", team_id=world.team_x.id, request_id=item.id),
        data={"body": "Secret margin note", "version": item.version + 1},
    )

    changed = client.get(poll, headers={**HX, "If-None-Match": etag_of(first)})
    assert changed.status_code == 200
    assert "Refund approved" in changed.text and "Secret margin note" not in changed.text
    assert 'id="live-status" hx-swap-oob="true"' in changed.text


def test_list_poll_is_304_until_a_listed_request_changes(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.contact_a)
    poll = url_for("customer.list_updates", show="open")
    first = client.get(poll, headers=HX)
    assert first.status_code == 200 and 'id="request-list"' in first.text
    assert client.get(poll, headers={**HX, "If-None-Match": etag_of(first)}).status_code == 304
    client.post(url_for("customer.chase", request_id=item.id))
    assert client.get(poll, headers={**HX, "If-None-Match": etag_of(first)}).status_code == 200


def test_polls_are_scoped_and_not_pages(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a)
    login_as(world.contact_b)
    poll = url_for("customer.request_updates", request_id=item.id)
    assert client.get(poll, headers=HX).status_code == 404
    login_as(world.contact_a)
    assert client.get(poll).status_code == 302  # a plain GET opens the page instead
