"""Schemathesis against the served OpenAPI document, in process, on whichever database the
suite runs on: generated requests for every operation (valid and invalid), then stateful
sequences that follow the document's links (raise a request, then read it). No answer may be
a 5xx, and every answer must match the document: its status, its media type, its body.

The single calls run derandomized: the same calls every run, so a run never passes or fails
by luck; they change when the document does."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.generation import GenerationMode

from portal.extensions import db
from tests import factories

# Schema-valid data may still break a rule the schema cannot say: a team token must name one
# of its own contacts, a closed request takes no reply. Those answer 422 with the reason.
RULES_THE_SCHEMA_CANNOT_SAY = ["2xx", "304", "401", "403", "404", "409", "412", "422"]


class Recorder:
    """The app as Schemathesis calls it, noting each answer: proof the calls got through."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def __call__(self, environ, start_response):
        def noted(status, headers, *rest):
            self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], int(status[:3])))
            return start_response(status, headers, *rest)

        return self.app(environ, noted)


def _schema(app, token: str, mode="all"):
    """The served document, with the token every generated call (and no probe of the auth
    checks) carries."""
    config = schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {"mode": mode},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": RULES_THE_SCHEMA_CANNOT_SAY}
            },
        }
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", Recorder(app), config=config)


@pytest.fixture
def requests_to_find(world):
    for n in range(3):
        factories.make_request(world.account_a, world.contact_a, subject=f"Pallets {n}")
    db.session.commit()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(app, api_tokens, requests_to_find, mode):
    schema = _schema(app, api_tokens.team_x)

    @given(case=schema.as_strategy(mode))
    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate()

    check()
    statuses = {status for _, _, status in schema.app.seen}
    assert statuses & {200, 201}, "every call was refused: the token did not get through"


@pytest.mark.parametrize("who", ["team_x", "contact_a"])
def test_sequences_of_calls_answer_as_documented(app, api_tokens, requests_to_find, who):
    # Sequences of valid calls: each step's input from the step before (the document's links).
    schema = _schema(app, getattr(api_tokens, who), mode="positive")
    machine = schema.as_state_machine()
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=80,
            stateful_step_count=5,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    seen = schema.app.seen
    raised = [call for call in seen if call == ("POST", "/api/v1/requests", 201)]
    read_back = [
        path
        for method, path, status in seen
        if method == "GET"
        and status == 200
        and path.startswith("/api/v1/requests/")
        and path.rsplit("/", 1)[1].isdigit()
    ]
    # Sequences are random (a derandomized state machine keeps to its simplest one): when one
    # raised a request, one must have read a request back by the document's link.
    assert read_back or not raised, f"nothing was read back: {sorted(set(seen))}"


def test_a_raised_request_links_to_reading_it(client):
    raised = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/requests"]["post"]
    link = raised["responses"]["201"]["links"]["GetRequestById"]
    assert link == {"operationId": "getRequest", "parameters": {"request_id": "$response.body#/id"}}
