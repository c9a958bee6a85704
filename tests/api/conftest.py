"""Tokens for the API tests: a team token of Team X, a contact token of Account A, and a
client that sends one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.api_tokens import services as tokens
from portal.extensions import db


@dataclass
class Tokens:
    team_x: str
    team_y: str
    contact_a: str
    contact_a2: str
    read_only: str


@pytest.fixture
def api_tokens(world) -> Tokens:
    def team(team, *, write=True, name="CRM"):
        return tokens.create_team_token(
            world.coach_x, team, name, can_write=write, expires_at=None
        )[1]

    def personal(contact, account):
        return tokens.create_personal_token(
            contact, account, "My script", can_write=True, expires_at=None
        )[1]

    made = Tokens(
        team_x=team(world.team_x),
        team_y=team(world.team_y, name="Team Y's CRM"),
        contact_a=personal(world.contact_a, world.account_a),
        contact_a2=personal(world.contact_a2, world.account_a2),
        read_only=team(world.team_x, write=False, name="Reports"),
    )
    db.session.commit()
    return made


class Api:
    """The test client, sending a token (and JSON) on every call."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, token: str | None, json=None, headers=None):
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return self.client.open(path, method=method, json=json, headers=sent)

    def get(self, path, token, **kwargs):
        return self.call("GET", path, token, **kwargs)

    def post(self, path, token, json=None, **kwargs):
        return self.call("POST", path, token, json=json, **kwargs)


@pytest.fixture
def api(client) -> Api:
    return Api(client)
