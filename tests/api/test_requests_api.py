"""The API's requests: what each token sees, raises and answers, and how it is refused."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Entry, Request
from portal.problems import PROBLEM
from tests import factories

LIST = "/api/v1/requests"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"] for item in response.json["items"]}


def _requests(world):
    made = {
        "a": factories.make_request(world.account_a, world.contact_a, subject="Pallets short"),
        "a2": factories.make_request(world.account_a2, world.contact_a2, subject="Invoice"),
        "b": factories.make_request(world.account_b, world.contact_b, subject="Pallets late"),
    }
    db.session.commit()
    return {k: v.id for k, v in made.items()}


def test_each_token_lists_exactly_what_its_person_sees_on_the_web(world, api, api_tokens):
    ids = _requests(world)
    assert _ids(api.get(LIST, api_tokens.team_x)) == {ids["a"], ids["a2"]}
    assert _ids(api.get(LIST, api_tokens.team_y)) == {ids["b"]}
    assert _ids(api.get(LIST, api_tokens.contact_a)) == {ids["a"]}
    assert _ids(api.get(LIST, api_tokens.contact_a2)) == {ids["a2"]}
    # Search is scoped the same way: Team Y's "Pallets" never reaches Team X.
    assert _ids(api.get(LIST + "?q=pallets", api_tokens.team_x)) == {ids["a"]}


def test_another_tenants_request_is_not_found_for_every_resource(world, api, api_tokens):
    ids = _requests(world)
    refused = {
        api_tokens.team_x: ids["b"],
        api_tokens.contact_a: ids["a2"],
        api_tokens.team_y: ids["a"],
    }
    for token, other in refused.items():
        for method, path, body in (
            ("GET", f"{LIST}/{other}", None),
            ("GET", f"{LIST}/{other}/timeline", None),
            ("POST", f"{LIST}/{other}/replies", {"body": "Hello"}),
        ):
            answer = api.call(method, path, token, json=body)
            assert answer.status_code == 404, (method, path)
            assert answer.mimetype == PROBLEM
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_no_token_a_bad_token_or_a_cookie_gets_401_in_json(world, api, api_tokens, login_as):
    _requests(world)
    for token in (None, "ost_not-a-token"):
        answer = api.get(LIST, token)
        assert answer.status_code == 401 and answer.mimetype == PROBLEM
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    login_as(world.member_x)  # a signed-in browser is no API client
    assert api.get(LIST, None).status_code == 401


def test_a_revoked_or_expired_token_or_a_contact_who_left_is_refused(world, api, api_tokens):
    from datetime import timedelta

    from portal.api_tokens import services as tokens
    from portal.models import ApiToken, Contact, utcnow

    _requests(world)
    by_name = {t.name: t for t in db.session.scalars(select(ApiToken))}
    tokens.revoke(world.coach_x, by_name["CRM"])
    by_name["Team Y's CRM"].expires_at = utcnow() - timedelta(seconds=1)
    db.session.execute(Contact.__table__.delete().where(Contact.user_id == world.contact_a.id))
    db.session.commit()
    for token in (api_tokens.team_x, api_tokens.team_y, api_tokens.contact_a):
        assert api.get(LIST, token).status_code == 401
    assert api.get(LIST, api_tokens.contact_a2).status_code == 200


def test_a_read_only_token_may_not_write(world, api, api_tokens):
    ids = _requests(world)
    answer = api.post(f"{LIST}/{ids['a']}/replies", api_tokens.read_only, {"body": "Hi"})
    assert answer.status_code == 403 and answer.mimetype == PROBLEM
    assert api.get(f"{LIST}/{ids['a']}", api_tokens.read_only).status_code == 200


def test_a_contact_raises_a_request_for_their_account_once_per_key(world, api, api_tokens):
    body = {"subject": "Pallet count short", "description": "Two missing.", "urgency": "high"}
    key = {"Idempotency-Key": "order-991"}
    first = api.post(LIST, api_tokens.contact_a, body, headers=key)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = api.post(LIST, api_tokens.contact_a, body, headers=key)
    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    changed = api.post(LIST, api_tokens.contact_a, {**body, "urgency": "low"}, headers=key)
    assert changed.status_code == 409 and changed.mimetype == PROBLEM
    made = db.session.scalars(select(Request)).all()
    assert len(made) == 1
    assert (made[0].account_id, made[0].requester_id) == (world.account_a.id, world.contact_a.id)
    assert made[0].channel == "api"
    assert first.headers["Location"].endswith(f"{LIST}/{made[0].id}")
    assert first.json["first_response_due_at"] is None  # the service clock is the team's


def test_a_team_token_raises_for_one_of_its_contacts_only(world, api, api_tokens):
    body = {"subject": "Called in", "description": "By phone.", "requester_id": 0}
    for requester in (world.contact_b.id, world.member_x.id):
        body["requester_id"] = requester
        refused = api.post(LIST, api_tokens.team_x, body)
        assert refused.status_code == 422 and refused.mimetype == PROBLEM
    body["requester_id"] = world.contact_a2.id
    made = api.post(LIST, api_tokens.team_x, body)
    assert made.status_code == 201
    assert made.json["account"]["id"] == world.account_a2.id
    assert made.json["requester"]["id"] == world.contact_a2.id


def test_a_reply_lands_on_the_timeline_and_a_stale_one_is_refused(world, api, api_tokens):
    ids = _requests(world)
    path = f"{LIST}/{ids['a']}"
    seen = api.get(path, api_tokens.team_x)
    etag = seen.headers["ETag"]
    assert api.get(path, api_tokens.team_x, headers={"If-None-Match": etag}).status_code == 304
    reply = api.post(
        f"{path}/replies", api_tokens.team_x, {"body": "On its way."}, headers={"If-Match": etag}
    )
    assert reply.status_code == 201, reply.get_data(as_text=True)
    assert reply.json["author"]["name"] == "CRM"
    (audited,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.write"))
    assert audited.detail["token"] == "CRM"
    assert audited.detail["call"] == f"POST {path}/replies"
    stale = api.post(
        f"{path}/replies", api_tokens.team_x, {"body": "Again"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    mine = api.get(f"{path}/timeline", api_tokens.contact_a)
    bodies = [e["body"] for e in mine.json["items"] if e["kind"] == "reply"]
    assert bodies == ["On its way."]


def test_a_contact_never_sees_internal_notes_in_the_timeline(world, api, api_tokens):
    ids = _requests(world)
    item = db.session.get(Request, ids["a"])
    db.session.add(
        Entry(
            request_id=item.id,
            author_id=world.member_x.id,
            kind="note",
            public=False,
            body="Margin is thin",
        )
    )
    db.session.commit()
    team = api.get(f"{LIST}/{item.id}/timeline", api_tokens.team_x).json["items"]
    mine = api.get(f"{LIST}/{item.id}/timeline", api_tokens.contact_a).json["items"]
    assert "Margin is thin" in [e["body"] for e in team]
    assert "Margin is thin" not in [e["body"] for e in mine]


def test_pages_follow_next_links_newest_first(world, api, api_tokens):
    made = [
        factories.make_request(world.account_a, world.contact_a, subject=f"R{n}") for n in range(5)
    ]
    db.session.commit()
    seen, url = [], LIST + "?limit=2"
    while url:
        page = api.get(url, api_tokens.team_x)
        seen += [item["id"] for item in page.json["items"]]
        url = page.json["next"]
    assert seen == sorted((r.id for r in made), reverse=True)


def test_the_inbox_s_filters_narrow_the_list_and_follow_to_the_next_page(world, api, api_tokens):
    other = factories.make_function("Delivery")
    mine = [
        factories.make_request(
            world.account_a,
            world.contact_a,
            function_id=world.function.id,
            urgency="high",
            assignee_id=world.member_x.id,
        )
        for _ in range(3)
    ]
    unowned = factories.make_request(world.account_a2, world.contact_a2, function_id=other.id)
    db.session.commit()
    query = f"function_id={world.function.id}&urgency=high&assignee_id={world.member_x.id}"
    seen, url = [], f"{LIST}?{query}&limit=2"
    while url:
        page = api.get(url, api_tokens.team_x)
        seen += [item["id"] for item in page.json["items"]]
        url = page.json["next"]
        assert url is None or "urgency=high" in url  # the filters travel with the cursor
    assert seen == sorted((r.id for r in mine), reverse=True)
    assert _ids(api.get(f"{LIST}?unassigned=true", api_tokens.team_x)) == {unowned.id}
    assert _ids(api.get(f"{LIST}?function_id={other.id}", api_tokens.team_y)) == set()


def test_bad_input_gets_a_problem_naming_the_field_and_saves_nothing(world, api, api_tokens):
    for body in (
        {"subject": "", "description": "x"},
        {"subject": "x" * 201, "description": "x"},
        {"subject": "Hi", "description": "x", "status": "closed"},
        {"subject": "Hi\ud800", "description": "x"},
        {"subject": "Hi", "description": "x", "urgency": "yesterday"},
    ):
        answer = api.post(LIST, api_tokens.contact_a, body)
        assert answer.status_code == 422, body
        assert answer.mimetype == PROBLEM and answer.json["invalid-params"]
    not_json = api.client.post(
        LIST, data="subject=Hi", headers={"Authorization": f"Bearer {api_tokens.contact_a}"}
    )
    assert not_json.status_code in (400, 415, 422) and not_json.mimetype == PROBLEM
    assert db.session.scalar(select(func.count()).select_from(Request)) == 0


def test_errors_under_the_api_are_json_and_pages_keep_theirs(world, api, api_tokens, client):
    for path in ("/api/v1/nothing-here", f"{LIST}/-1", f"{LIST}/99999999999"):
        for method in ("GET", "PATCH", "POST"):
            answer = api.call(method, path, api_tokens.team_x, json={})
            assert answer.status_code == 404 and answer.mimetype == PROBLEM, (method, path)
    wrong_method = api.call("DELETE", LIST, api_tokens.team_x)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_each_token_has_its_own_rate_limit_and_is_told_what_is_left(world, api_tokens, limited_app):
    from tests.api.conftest import Api

    limited_app.config["API_RATE_LIMIT"] = "3 per minute"
    api = Api(limited_app.test_client())
    for left in (2, 1, 0):
        answer = api.get(LIST, api_tokens.team_x)
        assert answer.status_code == 200
        assert answer.headers["RateLimit-Policy"] == '"token";q=3;w=60'
        assert answer.headers["RateLimit"].startswith(f'"token";r={left};t=')
        assert "Set-Cookie" not in answer.headers
    refused = api.get(LIST, api_tokens.team_x)
    assert refused.status_code == 429 and refused.mimetype == PROBLEM
    assert int(refused.headers["Retry-After"]) > 0
    assert api.get(LIST, api_tokens.team_y).status_code == 200  # another token's budget


def test_the_schema_is_served_and_names_every_operation(client):
    schema = client.get(url_for("api.openapi")).json
    assert schema["openapi"].startswith("3.1")
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"listRequests", "getRequest", "getTimeline", "raiseRequest", "replyToRequest"} <= (
        operations
    )


def test_a_team_token_notes_and_changes_a_request_as_the_pane_does(world, api, api_tokens):
    ids = _requests(world)
    path = f"{LIST}/{ids['a']}"
    note = api.post(f"{path}/notes", api_tokens.team_x, {"body": "Depot says Friday."})
    assert note.status_code == 201 and note.json["public"] is False
    etag = note.headers["ETag"]
    changed = api.call(
        "PATCH",
        path,
        api_tokens.team_x,
        json={"assignee_id": world.member_x.id, "urgency": "critical", "status": "resolved"},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.json["assignee"]["id"] == world.member_x.id
    assert (changed.json["urgency"], changed.json["status"]) == ("critical", "resolved")
    stale = api.call(
        "PATCH", path, api_tokens.team_x, json={"urgency": "low"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    events = [e["event"] for e in api.get(f"{path}/timeline", api_tokens.team_x).json["items"]]
    assert "assigned" in events and "reclassified" in events and "status" in events


def test_a_request_is_owned_only_by_a_member_of_its_team(world, api, api_tokens):
    ids = _requests(world)
    for stranger in (world.member_y.id, world.contact_a.id, 2**31 - 1):
        refused = api.call(
            "PATCH", f"{LIST}/{ids['a']}", api_tokens.team_x, json={"assignee_id": stranger}
        )
        assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert db.session.get(Request, ids["a"]).assignee_id is None


def test_a_request_merged_into_another_takes_no_more_writes(world, api, api_tokens):
    ids = _requests(world)
    kept = db.session.get(Request, ids["a"])
    duplicate = factories.make_request(world.account_a, world.contact_a, status="closed")
    duplicate.merged_into_id = kept.id
    db.session.commit()
    path = f"{LIST}/{duplicate.id}"
    for method, url, body in (
        ("POST", f"{path}/replies", {"body": "Hello?"}),
        ("POST", f"{path}/notes", {"body": "Note"}),
        ("PATCH", path, {"status": "open"}),
    ):
        answer = api.call(method, url, api_tokens.team_x, json=body)
        assert answer.status_code == 409 and kept.reference in answer.json["detail"]
    assert db.session.get(Request, duplicate.id).status == "closed"


def test_a_write_that_loses_a_race_is_refused_not_a_500(world, api, api_tokens, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from portal.requests import services

    def lose(*args, **kwargs):
        raise StaleDataError("another write won")

    monkeypatch.setattr(services, "reply_as_staff", lose)
    ids = _requests(world)
    answer = api.post(f"{LIST}/{ids['a']}/replies", api_tokens.team_x, {"body": "Hi"})
    assert answer.status_code == 412 and answer.mimetype == PROBLEM


def test_made_up_tokens_are_limited_by_address_and_contacts_by_their_web_budget(
    world, api_tokens, limited_app
):
    from tests.api.conftest import Api

    limited_app.config.update(
        API_FAILED_AUTH_LIMIT="3 per minute", SUBMISSION_RATE_LIMIT="2 per hour"
    )
    api = Api(limited_app.test_client())
    body = {"subject": "Short", "description": "Two pallets."}
    answers = [api.post(LIST, api_tokens.contact_a2, body).status_code for _ in range(3)]
    assert answers == [201, 201, 429]
    for n in range(3):
        assert api.get(LIST, f"ost_guess-{n}").status_code == 401
    # Every call from that address now waits: a guesser's next good-looking try too.
    assert api.get(LIST, "ost_guess-4").status_code == 429
