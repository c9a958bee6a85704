"""Handoffs, files, procedures with their rounds' results, and survey results through the
API: each through the web's services and access rules, and another tenant's ids not found."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.insights import services as insights
from portal.models import Handoff, SurveyInvitation
from portal.problems import PROBLEM
from portal.procedures import decisions, review_rounds, stances
from portal.requests import services as request_services
from tests import factories

REQUESTS = "/api/v1/requests"


def _request(world, account=None, contact=None):
    item = factories.make_request(
        account or world.account_a, contact or world.contact_a, status="open"
    )
    db.session.commit()
    return item


def test_a_team_token_hands_a_part_on_and_marks_it_done(world, api, api_tokens):
    item = _request(world)
    made = api.call(
        "POST",
        f"{REQUESTS}/{item.id}/handoffs",
        api_tokens.team_x,
        json={
            "function_id": world.function.id,
            "owner_id": world.member_y.id,  # a handoff may bring in another team's member
            "what_is_needed": "Check the credit limit",
            "due_in_hours": 4,
        },
    )
    assert made.status_code == 201, made.json
    handoff = made.json
    assert handoff["owner"]["name"] == "Member Y" and handoff["asked_by"]["name"] == "CRM"
    assert handoff["status"] == "open" and handoff["due_at"]
    listed = api.get(f"{REQUESTS}/{item.id}/handoffs", api_tokens.team_x).json["items"]
    assert [h["id"] for h in listed] == [handoff["id"]]

    done_url = f"{REQUESTS}/{item.id}/handoffs/{handoff['id']}/done"
    done = api.call("POST", done_url, api_tokens.team_x, json={"outcome": "Limit raised"})
    assert done.status_code == 200 and done.json["status"] == "done"
    assert done.json["outcome"] == "Limit raised" and done.json["completed_at"]
    again = api.call("POST", done_url, api_tokens.team_x, json={"outcome": "Twice"})
    assert again.status_code == 422 and "already closed" in again.json["detail"]
    # Recorded on the timeline as the web records it.
    events = api.get(f"{REQUESTS}/{item.id}/timeline", api_tokens.team_x).json["items"]
    assert [e["event"] for e in events if e["event"]] == ["handoff", "handoff_done"]


def test_a_handoff_needs_a_function_in_use_and_a_real_owner(world, api, api_tokens):
    item = _request(world)
    url = f"{REQUESTS}/{item.id}/handoffs"
    for body, says in (
        ({"function_id": 999, "what_is_needed": "x"}, "functions in use"),
        (
            {"function_id": world.function.id, "owner_id": 999, "what_is_needed": "x"},
            "active staff",
        ),
        ({"function_id": world.function.id, "what_is_needed": "x"}, "Nobody available"),
        ({"function_id": world.function.id, "what_is_needed": " "}, "what_is_needed"),
    ):
        refused = api.call("POST", url, api_tokens.team_x, json=body)
        assert refused.status_code == 422, body
        assert says in refused.get_data(as_text=True)
    assert db.session.scalars(select(Handoff)).all() == []


def test_files_are_listed_and_downloaded_as_the_web_serves_them(world, api, api_tokens):
    item = _request(world)
    sent = factories.attach(world.contact_a, item, "count.txt", b"38 pallets\n")
    note = request_services.add_note(world.member_x, item, "Depot photo")
    hidden = factories.attach(world.member_x, item, "depot.txt", b"internal\n", entry=note)
    db.session.commit()
    url = f"{REQUESTS}/{item.id}/attachments"

    mine = api.get(url, api_tokens.contact_a).json["items"]
    assert [f["filename"] for f in mine] == ["count.txt"]  # the note's file is not theirs
    team = api.get(url, api_tokens.team_x).json["items"]
    assert [(f["filename"], f["public"]) for f in team] == [
        ("count.txt", True),
        ("depot.txt", False),
    ]

    got = api.get(mine[0]["download"], api_tokens.contact_a)
    assert got.status_code == 200 and got.data == b"38 pallets\n"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["Content-Security-Policy"].startswith("sandbox")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Cache-Control"] == "private, no-store"
    assert api.get(f"{url}/{hidden.id}", api_tokens.contact_a).status_code == 404
    assert api.get(f"{url}/{hidden.id}", api_tokens.team_x).status_code == 200
    assert api.get(f"{url}/{sent.id}", api_tokens.team_y).status_code == 404


def test_rounds_show_their_results_once_closed(world, api, api_tokens):
    factories.join_reference_group(world.contact_a, world.account_a)
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    stances.take_stance(world.contact_a, round_, "concern", "Two days is tight")
    db.session.commit()
    url = f"/api/v1/procedures/{procedure.id}"

    read = api.get(url, api_tokens.team_x).json
    assert read["title"] == "Returns collected in two days" and read["status"] == "in_review"
    assert "within 5 working days" in read["body"] and read["adopted_version"] is None
    [open_round] = api.get(f"{url}/rounds", api_tokens.team_x).json["items"]
    assert open_round["status"] == "open" and open_round["results"] is None

    review_rounds.close_round(world.coach_x, round_, early=True)
    db.session.commit()
    [closed] = api.get(f"{url}/rounds", api_tokens.team_x).json["items"]
    results = closed["results"]
    assert results["tally"] == {"support": 0, "concern": 1, "object": 0}
    assert results["by_tier"] == [{"tier": "Key", "support": 0, "concern": 1, "object": 0}]
    assert results["members"] == 1 and results["decision"] is None

    stances.answer(world.coach_x, stances.stances_in(round_)[0], "We will call first.")
    decisions.decide(world.coach_x, round_, "adopted", "Adopted with a call first.")
    db.session.commit()
    [decided] = api.get(f"{url}/rounds", api_tokens.team_x).json["items"]
    assert decided["results"]["decision"] == "adopted"
    assert decided["results"]["decision_statement"] == "Adopted with a call first."
    listed = api.get("/api/v1/procedures", api_tokens.team_x).json["items"]
    assert [(p["id"], p["status"], p["adopted_version"]) for p in listed] == [
        (procedure.id, "adopted", 1)
    ]
    assert api.get("/api/v1/procedures", api_tokens.team_y).json["items"] == []


def test_survey_results_give_the_gap_per_dimension(world, api, api_tokens):
    survey, _ = insights.send_survey(world.coach_x, world.team_x, world.account_a)
    invitation = db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.survey_id == survey.id)
    )
    answers = [insights.Answer(d.id, 4, 5) for d in insights.dimensions()]
    insights.answer_survey(invitation, answers, "")
    db.session.commit()

    now = api.get("/api/v1/survey-results", api_tokens.team_x).json
    assert now["responses"] == 1 and now["gaps"] and all(g["gap"] == 1 for g in now["gaps"])
    quarter = (date.today().month - 1) // 3 + 1
    assert now["period"] == f"Q{quarter} {date.today().year}"
    other = api.get("/api/v1/survey-results", api_tokens.team_y).json
    assert other["responses"] == 0 and all(g["gap"] is None for g in other["gaps"])
    earlier = api.get("/api/v1/survey-results?quarter=2020-Q1", api_tokens.team_x).json
    assert earlier["responses"] == 0 and earlier["start"] == "2020-01-01"
    refused = api.get("/api/v1/survey-results?quarter=2020-Q5", api_tokens.team_x)
    assert refused.status_code == 422 and refused.mimetype == PROBLEM


def test_another_tenant_s_ids_are_not_found_for_every_new_resource(world, api, api_tokens):
    """Team Y's token and Contact A2's token replay Team X's and Contact A's ids."""
    item = _request(world)
    handoff = factories.make_handoff(item, world.function, world.member_x, world.member_x)
    attachment = factories.attach(world.contact_a, item)
    procedure = factories.make_procedure(world.team_x, world.member_x)
    other = _request(world)  # Team X's too: a handoff id on the wrong request
    db.session.commit()
    replays = [
        ("GET", f"{REQUESTS}/{item.id}/handoffs", None),
        (
            "POST",
            f"{REQUESTS}/{item.id}/handoffs",
            {"function_id": world.function.id, "what_is_needed": "x"},
        ),
        ("POST", f"{REQUESTS}/{item.id}/handoffs/{handoff.id}/done", {"outcome": "x"}),
        ("GET", f"{REQUESTS}/{item.id}/attachments", None),
        ("GET", f"{REQUESTS}/{item.id}/attachments/{attachment.id}", None),
    ]
    for method, path, body in replays:
        assert api.call(method, path, api_tokens.team_y, json=body).status_code == 404, path
    for method, path, body in replays[3:]:
        assert api.call(method, path, api_tokens.contact_a2, json=body).status_code == 404, path
    for path in (f"/api/v1/procedures/{procedure.id}", f"/api/v1/procedures/{procedure.id}/rounds"):
        answer = api.get(path, api_tokens.team_y)
        assert answer.status_code == 404 and answer.mimetype == PROBLEM, path
    misplaced = api.call(
        "POST",
        f"{REQUESTS}/{other.id}/handoffs/{handoff.id}/done",
        api_tokens.team_x,
        json={"outcome": "x"},
    )
    assert misplaced.status_code == 404
    assert (
        api.get(f"{REQUESTS}/{other.id}/attachments/{attachment.id}", api_tokens.team_x).status_code
        == 404
    )
    db.session.refresh(handoff)
    assert handoff.status == "open"


def test_a_json_true_is_not_an_id(world, api, api_tokens):
    """Found by Schemathesis: `true` was taken for 1 (Contact A's id in a fresh database)."""
    item = _request(world)
    for path, token, body in (
        (REQUESTS, api_tokens.team_x, {"subject": "s", "description": "d", "requester_id": True}),
        (
            f"{REQUESTS}/{item.id}/handoffs",
            api_tokens.team_x,
            {"function_id": True, "what_is_needed": "x"},
        ),
        (f"{REQUESTS}/{item.id}", api_tokens.team_x, {"unassign": 1}),
    ):
        method = "PATCH" if path.endswith(str(item.id)) else "POST"
        refused = api.call(method, path, token, json=body)
        assert refused.status_code == 422, (path, refused.json)
        assert refused.json["invalid-params"]


def test_the_api_hands_off_in_order(world, api, api_tokens):
    credit = factories.make_function("Credit", customer_label="credit")
    delivery = factories.make_function("Delivery", customer_label="delivery")
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    url = f"/api/v1/requests/{item.id}/handoffs"
    first = api.call(
        "POST",
        url,
        api_tokens.team_x,
        json={"function_id": credit.id, "owner_id": world.member_y.id, "what_is_needed": "x"},
    ).json
    second = api.call(
        "POST",
        url,
        api_tokens.team_x,
        json={
            "function_id": delivery.id,
            "owner_id": world.coach_x.id,
            "what_is_needed": "y",
            "waits_for_id": first["id"],
        },
    )
    assert second.status_code == 201
    assert second.json["waits_for_id"] == first["id"] and second.json["started_at"] is None
    assert second.json["due_at"] is None
    refused = api.call(
        "POST",
        url,
        api_tokens.team_x,
        json={"function_id": delivery.id, "what_is_needed": "z", "waits_for_id": 999999},
    )
    assert refused.status_code == 422 and "waits_for_id" in refused.json["detail"]
