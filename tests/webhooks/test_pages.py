"""The webhook pages: a coach adds an endpoint and sees its secret once, tests it, reads its
delivery log, sends a delivery again, switches it off and on, rolls its secret, changes and
removes it; bad input gets a form error and changes nothing; another team's endpoint is not
found."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from portal.webhooks import delivery, services
from tests.auth.helpers import csrf_token

SECRET = re.compile(r'<code class="secret" id="new-secret">(whsec_[\w+/=]+)</code>')


def _post(client, target, page, **fields):
    return client.post(target, data={"csrf_token": csrf_token(client, page), **fields})


@pytest.fixture
def pages(world):
    team = world.team_x.id
    return {
        "list": url_for("webhooks.endpoints", team_id=team),
        "create": url_for("webhooks.create", team_id=team),
    }


def _add(client, pages, url, events=("request.created",), **fields):
    return _post(client, pages["create"], pages["list"], url=url, events=list(events), **fields)


def _endpoint() -> WebhookEndpoint:
    return db.session.scalars(select(WebhookEndpoint)).one()


def test_a_coach_adds_an_endpoint_and_sees_its_secret_once(world, client, login_as, pages):
    login_as(world.coach_x)
    added = _add(
        client,
        pages,
        "https://crm.example.com/hooks",
        events=("request.created", "reply.created"),
        description="CRM",
    )
    assert added.status_code == 201
    secret = SECRET.search(added.text).group(1)
    endpoint = _endpoint()
    assert endpoint.secret == secret and endpoint.events == "request.created reply.created"
    listed = client.get(pages["list"]).text
    assert "https://crm.example.com/hooks" in listed and secret not in listed
    shown = client.get(
        url_for("webhooks.endpoint", team_id=world.team_x.id, endpoint_id=endpoint.id)
    ).text
    assert secret not in shown and secret[6:12] not in shown  # not even a part of the key
    assert endpoint.secret_fingerprint in shown
    assert db.session.scalar(select(AuditEvent.action)) == "webhook.created"


@pytest.mark.parametrize(
    ("url", "events", "says"),
    [
        ("", ("request.created",), "Give the address to send to."),
        ("crm.example.com/hooks", ("request.created",), "starting with https://"),
        ("http://crm.example.com/hooks", ("request.created",), "over https only"),
        ("https://169.254.169.254/latest", ("request.created",), "cloud metadata"),
        ("https://[fe80::1]/x", ("request.created",), "link-local"),
        ("https://user:pw@crm.example.com/", ("request.created",), "Leave credentials out"),
        ("https://crm.example.com:99999/", ("request.created",), "not a URL"),
        ("https://crm.example.com/hooks", (), "Choose at least one event"),
        ("https://crm.example.com/hooks", ("request.deleted",), "is not a valid choice"),
        ("https://crm.example.com/" + "x" * 500, ("request.created",), "At most 500"),
    ],
)
def test_a_bad_endpoint_says_why_and_adds_nothing(
    world, client, login_as, pages, url, events, says
):
    login_as(world.coach_x)
    refused = _add(client, pages, url, events=events)
    assert refused.status_code == 422
    assert says in refused.text
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_loopback_is_refused_unless_the_site_allows_it(app, world, client, login_as, pages):
    login_as(world.coach_x)
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = False
    try:
        for url in ("https://127.0.0.1/x", "https://localhost/x", "https://[::1]/x"):
            refused = _add(client, pages, url)
            assert refused.status_code == 422 and "loopback" in refused.text, url
    finally:
        app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    assert _add(client, pages, "http://127.0.0.1:8080/x").status_code == 201


def test_test_event_log_and_send_again(world, client, login_as, pages, receiver):
    login_as(world.coach_x)
    _add(client, pages, receiver.url)
    endpoint = _endpoint()
    page = url_for("webhooks.endpoint", team_id=world.team_x.id, endpoint_id=endpoint.id)
    test = url_for("webhooks.send_test", team_id=world.team_x.id, endpoint_id=endpoint.id)
    assert _post(client, test, page).headers["Location"].endswith(page)
    assert "Queued" in client.get(page).text
    assert delivery.deliver_due() == 1
    shown = client.get(page).text
    assert "webhook.test" in shown and "Delivered" in shown and "HTTP 204" in shown
    row = db.session.scalars(select(WebhookDelivery)).one()
    again = url_for(
        "webhooks.redeliver",
        team_id=world.team_x.id,
        endpoint_id=endpoint.id,
        delivery_id=row.id,
    )
    # htmx gets the endpoint's region back, not a redirect.
    fragment = client.post(
        again,
        data={"csrf_token": csrf_token(client, page)},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith(
        '<div id="webhook-endpoint"'
    )
    assert "Queued" in fragment.text
    assert delivery.deliver_due() == 1
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_switch_off_and_on_roll_change_and_remove(world, client, login_as, pages):
    login_as(world.coach_x)
    _add(client, pages, "https://crm.example.com/hooks")
    endpoint = _endpoint()
    ids = {"team_id": world.team_x.id, "endpoint_id": endpoint.id}
    page = url_for("webhooks.endpoint", **ids)

    services.send_test(world.coach_x, endpoint)  # queued, not yet sent
    db.session.commit()
    _post(client, url_for("webhooks.switch_off", **ids), page)
    db.session.refresh(endpoint)
    assert not endpoint.active and "Switched off by Coach X" in client.get(page).text
    # What waited is not sent later by surprise: it is failed, to be sent again by hand.
    [waiting] = db.session.scalars(select(WebhookDelivery)).all()
    assert waiting.state == "failed" and "Switched off by Coach X" in waiting.last_error
    _post(client, url_for("webhooks.switch_on", **ids), page)
    db.session.refresh(endpoint)
    assert endpoint.active and endpoint.disabled_reason is None

    old = endpoint.secret
    rolled = _post(client, url_for("webhooks.roll_secret", **ids), page)
    new = SECRET.search(rolled.text).group(1)
    db.session.refresh(endpoint)
    assert new != old and endpoint.secret == new

    refused = _post(client, url_for("webhooks.change", **ids), page, url="ftp://x", events=[])
    assert refused.status_code == 422 and "Choose at least one event" in refused.text
    db.session.refresh(endpoint)
    assert endpoint.url == "https://crm.example.com/hooks"  # nothing saved
    refused = _post(
        client,
        url_for("webhooks.change", **ids),
        page,
        url="https://169.254.169.254/",
        events=["note.created"],
    )
    assert refused.status_code == 422 and "cloud metadata" in refused.text
    db.session.refresh(endpoint)
    assert endpoint.url == "https://crm.example.com/hooks" and endpoint.events == "request.created"
    changed = _post(
        client,
        url_for("webhooks.change", **ids),
        page,
        url="https://crm.example.com/v2",
        events=["note.created", "round.closed"],
        description="CRM v2",
    )
    assert changed.status_code == 303
    db.session.refresh(endpoint)
    assert endpoint.url == "https://crm.example.com/v2"
    assert endpoint.events == "note.created round.closed"

    removed = _post(client, url_for("webhooks.remove", **ids), page)
    assert removed.headers["Location"].endswith(pages["list"])
    assert db.session.scalars(select(WebhookEndpoint)).all() == []
    assert client.get(page).status_code == 404


def test_another_team_s_endpoint_is_not_found(world, client, login_as, endpoint_of):
    other, _ = endpoint_of("https://y.example.com/hooks", team=world.team_y)
    login_as(world.coach_x)
    # Team X's coach, with team Y's endpoint id under team X's URL: not there.
    for name in ("webhooks.endpoint",):
        url = url_for(name, team_id=world.team_x.id, endpoint_id=other.id)
        assert client.get(url).status_code == 404
    page = url_for("webhooks.endpoints", team_id=world.team_x.id)
    for name in ("webhooks.switch_off", "webhooks.roll_secret", "webhooks.remove"):
        url = url_for(name, team_id=world.team_x.id, endpoint_id=other.id)
        assert _post(client, url, page).status_code == 404, name
    db.session.refresh(other)
    assert other.active


def test_a_queued_delivery_is_not_sent_again_and_an_odd_cursor_is_no_error(
    world, client, login_as, endpoint_of
):
    endpoint, _ = endpoint_of("https://crm.example.com/hooks")
    services.send_test(world.coach_x, endpoint)
    db.session.commit()
    row = db.session.scalars(select(WebhookDelivery)).one()
    login_as(world.coach_x)
    ids = {"team_id": world.team_x.id, "endpoint_id": endpoint.id}
    page = url_for("webhooks.endpoint", **ids)
    again = url_for("webhooks.redeliver", delivery_id=row.id, **ids)
    refused = _post(client, again, page)
    assert refused.status_code == 409
    db.session.refresh(row)
    assert row.state == "queued" and row.attempts == 0
    for cursor in ("99999999999999999999999", "-1", "x"):
        assert client.get(page + f"?before={cursor}").status_code == 200


def test_a_button_post_without_its_token_changes_nothing(world, client, login_as, endpoint_of):
    endpoint, secret = endpoint_of("https://crm.example.com/hooks")
    login_as(world.coach_x)
    ids = {"team_id": world.team_x.id, "endpoint_id": endpoint.id}
    assert client.post(url_for("webhooks.roll_secret", **ids)).status_code == 400
    db.session.refresh(endpoint)
    assert endpoint.secret == secret
