"""Accounts, contacts and ratings through the API: each token sees its own side's."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Rating
from tests import factories


def _ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [item["id"] for item in answer.json["items"]]


def test_a_team_token_lists_its_teams_accounts_and_a_contact_token_its_own(world, api, api_tokens):
    assert _ids(api.get("/api/v1/accounts", api_tokens.team_x)) == [
        world.account_a.id,
        world.account_a2.id,
    ]
    assert _ids(api.get("/api/v1/accounts", api_tokens.team_y)) == [world.account_b.id]
    assert _ids(api.get("/api/v1/accounts", api_tokens.contact_a)) == [world.account_a.id]
    other = api.get(f"/api/v1/accounts/{world.account_a2.id}", api_tokens.contact_a)
    assert other.status_code == 404


def test_contacts_are_the_teams_to_read_and_name_whom_to_raise_for(world, api, api_tokens):
    colleague = factories.make_contact(world.account_a, name="Colleague A")
    db.session.commit()
    path = f"/api/v1/accounts/{world.account_a.id}/contacts"
    listed = api.get(path, api_tokens.team_x)
    assert _ids(listed) == [world.contact_a.id, colleague.id]
    assert listed.json["items"][0]["email"] == world.contact_a.email
    assert api.get(path, api_tokens.contact_a).status_code == 403  # no colleague list
    assert api.get(path, api_tokens.team_y).status_code == 404


def test_ratings_are_the_teams_own(world, api, api_tokens):
    mine = factories.make_request(world.account_a, world.contact_a, status="resolved")
    theirs = factories.make_request(world.account_b, world.contact_b, status="resolved")
    db.session.add_all(
        [
            Rating(request_id=mine.id, contact_id=world.contact_a.id, score=2, comment="Slow"),
            Rating(request_id=theirs.id, contact_id=world.contact_b.id, score=5),
        ]
    )
    db.session.commit()
    listed = api.get("/api/v1/ratings", api_tokens.team_x)
    assert [(r["reference"], r["score"], r["comment"]) for r in listed.json["items"]] == [
        (mine.reference, 2, "Slow")
    ]
    assert api.get("/api/v1/ratings", api_tokens.contact_a).status_code == 403
