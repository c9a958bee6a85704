"""Which changes queue which webhook events, for whom: each service queues its event in the
transaction of the change (a rolled-back change announces nothing), only for the endpoints
of the request's own team that asked for that event, and from whatever channel."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import WEBHOOK_EVENTS, WebhookDelivery
from portal.procedures import decisions, review_rounds, stances
from portal.requests import handoffs, ratings
from portal.requests import services as requests
from tests import factories

EVERY = tuple(WEBHOOK_EVENTS)


def _events(endpoint=None) -> list[dict]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if endpoint is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint.id)
    return [json.loads(d.payload) for d in db.session.scalars(query)]


def _types(endpoint=None) -> list[str]:
    return [event["type"] for event in _events(endpoint)]


@pytest.fixture
def hooked(world, endpoint_of):
    """Every event for team X; request.created only for team Y."""
    x, _ = endpoint_of("https://crm.example.com/x", events=EVERY)
    y, _ = endpoint_of("https://crm.example.com/y", team=world.team_y)
    return x, y


def test_a_request_s_life_queues_its_events_in_order(world, hooked):
    x, y = hooked
    request = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    requests.assign(world.member_x, request, world.member_x)
    requests.reply_as_staff(world.member_x, request, "Which invoice?", wait_for_customer=True)
    requests.reply_as_contact(world.contact_a, request, "Number 42.")
    requests.add_note(world.member_x, request, "Credit note needed.")
    requests.change_status(world.member_x, request, "resolved")
    ratings.rate(world.contact_a, request, 5, "Quick.")
    db.session.commit()

    assert _types(x) == [
        "request.created",
        "request.updated",  # assigned
        "request.updated",  # waiting on the customer
        "reply.created",
        "request.updated",  # open again: the customer answered
        "reply.created",
        "note.created",
        "request.updated",  # resolved
        "rating.created",
    ]
    events = _events(x)
    assert {e["data"]["request"]["id"] for e in events} == {request.id}
    assert len({e["id"] for e in events}) == len(events)  # each its own event id
    assert events[1]["data"]["change"]["event"] == "assigned"
    assert events[3]["data"]["entry"]["body"] == "Which invoice?"
    assert events[3]["data"]["request"]["status"] == "waiting_on_customer"
    assert events[1]["data"]["change"]["assignee_id"] == world.member_x.id
    note = events[6]["data"]["entry"]
    assert note["kind"] == "note" and note["public"] is False
    assert note["body"] == "Credit note needed."
    assert events[7]["data"]["change"] == {
        "event": "status",
        "status": "resolved",
        "previous": "open",
    }
    assert events[8]["data"]["rating"]["score"] == 5
    # Team Y's endpoint hears nothing of team X's request.
    assert _types(y) == []


def test_another_team_hears_only_its_own(world, hooked):
    x, y = hooked
    factories.raise_request(world.contact_b, world.account_b)
    factories.raise_request(world.contact_a2, world.account_a2)
    db.session.commit()
    assert [e["data"]["request"]["account_id"] for e in _events(y)] == [world.account_b.id]
    assert [e["data"]["request"]["account_id"] for e in _events(x)] == [world.account_a2.id]


def test_an_endpoint_hears_only_the_events_it_chose(world, endpoint_of):
    notes_only, _ = endpoint_of("https://crm.example.com/notes", events=("note.created",))
    request = factories.raise_request(world.contact_a, world.account_a)
    requests.reply_as_staff(world.member_x, request, "Hello")
    requests.add_note(world.member_x, request, "Internal")
    db.session.commit()
    assert _types(notes_only) == ["note.created"]


def test_a_change_rolled_back_announces_nothing(world, hooked):
    request = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    before = len(_events())
    requests.add_note(world.member_x, request, "Never saved")
    db.session.rollback()
    assert len(_events()) == before


def test_handoffs_are_announced_when_made_and_done(world, hooked):
    x, _ = hooked
    request = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    handoff = handoffs.create(
        world.member_x,
        request,
        function=world.function,
        owner=world.member_y,
        what_is_needed="Check the credit limit",
        due_in_hours=4,
    )
    handoffs.complete(world.member_y, handoff, "Limit raised")
    db.session.commit()
    made, done = [e for e in _events(x) if e["type"].startswith("handoff.")]
    assert made["type"] == "handoff.created" and done["type"] == "handoff.completed"
    assert (
        made["data"]["change"]["handoff_id"] == handoff.id == done["data"]["change"]["handoff_id"]
    )
    assert made["data"]["change"]["function"] == "Billing"


def test_rounds_and_adoption_are_announced_with_the_tally(world, hooked):
    x, _ = hooked
    factories.join_reference_group(world.contact_a, world.account_a)
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    stances.take_stance(world.contact_a, round_, "support", "")
    review_rounds.close_round(world.coach_x, round_, early=True)
    decisions.decide(world.coach_x, round_, "adopted", "Adopted as proposed.")
    db.session.commit()
    opened, closed, adopted = _events(x)
    assert opened["type"] == "round.opened"
    assert opened["data"]["round"]["id"] == round_.id
    assert opened["data"]["procedure"]["id"] == procedure.id
    assert "tally" not in opened["data"]["round"]
    assert closed["type"] == "round.closed"
    assert closed["data"]["round"]["closed_early"] is True
    assert closed["data"]["round"]["tally"] == {"support": 1, "concern": 0, "object": 0}
    assert adopted["type"] == "procedure.adopted"
    assert adopted["data"]["procedure"]["decision_statement"] == "Adopted as proposed."
    assert adopted["data"]["procedure"]["adopted_version"] == 1


def test_a_new_endpoint_is_heard_at_once_and_a_switched_off_one_is_not(
    world, endpoint_of, login_as, client
):
    """Which endpoints want what is cached under the site stamp: a change to an endpoint
    moves the stamp, so the very next post sees it (here in another request context)."""
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    assert _events() == []  # cached now: no endpoints
    endpoint, _ = endpoint_of("https://crm.example.com/x")
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    assert len(_events(endpoint)) == 1
    endpoint.active = False
    db.session.commit()
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    assert len(_events(endpoint)) == 1


def test_a_request_raised_through_the_api_is_announced(world, hooked, app):
    """A channel only parses its input: the API's raise goes through the same service."""
    from portal.api_tokens import services as tokens

    x, _ = hooked
    _, secret = tokens.create_personal_token(
        world.contact_a, world.account_a, "Script", can_write=True, expires_at=None
    )
    db.session.commit()
    response = app.test_client().post(
        "/api/v1/requests",
        json={"subject": "From a script", "description": "Hello", "urgency": "normal"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.get_json()
    [event] = _events(x)
    assert event["data"]["request"]["subject"] == "From a script"
    assert event["data"]["request"]["channel"] == "api"
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_an_announced_post_costs_one_statement_more(world, client, login_as, no_csrf, endpoint_of):
    """Which endpoints want what is cached: a post reads nothing more for it, and writes one
    INSERT for its deliveries, whichever channel and however many endpoints."""
    from tests.test_query_counts import post_new_request

    login_as(world.contact_a)

    def post():
        return post_new_request(client, world)

    post()
    quiet = post()
    endpoint_of("https://crm.example.com/a")
    endpoint_of("https://crm.example.com/b", events=("request.created", "note.created"))
    post()  # the first post after the change reads the endpoints once
    assert post() == quiet + 1
    assert len(_events()) == 4
