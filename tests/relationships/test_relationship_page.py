"""An account's relationship page: the team keeps the customer's key people, its meeting
notes and the plans agreed there; a plan is closed only with what came of it. Bad input says
why and saves nothing; another account's or team's rows are not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AccountMeeting, AgreedPlan, AuditEvent, KeyPerson, utcnow
from portal.relationships import services
from tests import factories
from tests.auth.helpers import csrf_token


def _page(w, account=None):
    return url_for(
        "relationships.page", team_id=w.team_x.id, account_id=(account or w.account_a).id
    )


def _post(client, w, endpoint, data, account=None, **ids):
    url = url_for(
        f"relationships.{endpoint}",
        team_id=w.team_x.id,
        account_id=(account or w.account_a).id,
        **ids,
    )
    return client.post(url, data={"csrf_token": csrf_token(client, _page(w)), **data})


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_key_people_a_meeting_and_its_plan_through_to_the_outcome(world, client, login_as):
    w = world
    login_as(w.member_x)
    today = utcnow().date()

    added = _post(
        client,
        w,
        "add_person",
        {"name": "Dana Reyes", "role": "Head of purchasing", "email": "dana@acme.example"},
    )
    assert added.status_code == 303
    assert added.location.endswith(_page(w) + "#people")
    met = _post(
        client,
        w,
        "record_meeting",
        {
            "held_on": (today - timedelta(days=1)).isoformat(),
            "title": "Quarterly review",
            "attendees": "Dana Reyes, Member X",
            "notes": "Deliveries **before 9:00** from January.",
        },
    )
    assert met.status_code == 303
    meeting = db.session.scalars(select(AccountMeeting)).one()
    agreed = _post(
        client,
        w,
        "agree_plan",
        {
            "what": "Move the standing delivery to 8:00",
            "owner": str(w.coach_x.id),
            "due_on": (today + timedelta(days=14)).isoformat(),
            "meeting": str(meeting.id),
        },
    )
    assert agreed.status_code == 303
    plan = db.session.scalars(select(AgreedPlan)).one()
    assert (plan.owner_id, plan.meeting_id, plan.status) == (w.coach_x.id, meeting.id, "open")

    page = client.get(_page(w)).text
    assert "Dana Reyes" in page and "Head of purchasing" in page
    assert "<strong>before 9:00</strong>" in page  # the notes are Markdown
    assert "Move the standing delivery to 8:00" in page and "Quarterly review" in page

    close = {"plan_id": plan.id}
    refused = _post(client, w, "close_plan", {"status": "done", "outcome": "  "}, **close)
    assert refused.status_code == 422 and "Say what came of it" in refused.text
    db.session.refresh(plan)
    assert plan.status == "open"
    closed = _post(
        client, w, "close_plan", {"status": "done", "outcome": "Driver rota changed."}, **close
    )
    assert closed.status_code == 303
    db.session.refresh(plan)
    assert (plan.status, plan.outcome) == ("done", "Driver rota changed.")
    again = _post(client, w, "close_plan", {"status": "dropped", "outcome": "No"}, **close)
    assert again.status_code == 409 and "This plan is already closed." in again.text
    db.session.refresh(plan)
    assert (plan.status, plan.outcome) == ("done", "Driver rota changed.")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"key_person.added", "meeting.recorded", "plan.agreed", "plan.closed"} <= actions


def test_bad_input_says_why_and_saves_nothing(world, client, login_as):
    w = world
    login_as(w.member_x)
    today = utcnow().date()
    plan = {"what": "Call back", "due_on": (today + timedelta(days=3)).isoformat()}

    outsider = _post(client, w, "agree_plan", {**plan, "owner": str(w.member_y.id)})
    assert outsider.status_code == 422 and "Not a valid choice" in outsider.text
    with pytest.raises(services.RelationshipError, match="active member of the team"):
        services.agree_plan(
            w.member_x, w.account_a, what="x", owner=w.member_y, due_on=today + timedelta(days=1)
        )
    past = {**plan, "owner": str(w.member_x.id), "due_on": (today - timedelta(days=2)).isoformat()}
    late = _post(client, w, "agree_plan", past)
    assert late.status_code == 422 and "from today on" in late.text
    ahead = (today + timedelta(days=2)).isoformat()
    future = _post(client, w, "record_meeting", {"held_on": ahead, "title": "Visit"})
    assert future.status_code == 422 and "once it has been held" in future.text
    nameless = _post(client, w, "add_person", {"name": "", "role": "", "email": "not-an-address"})
    assert nameless.status_code == 422
    assert "Enter a name." in nameless.text and "like name@example.com" in nameless.text
    assert (_count(AgreedPlan), _count(AccountMeeting), _count(KeyPerson)) == (0, 0, 0)


def test_neighbours_rows_are_not_found(world, client, login_as):
    """Account A2 is in the same team: its meeting cannot be named on A's plan, and A2's
    plan or key person cannot be reached through A's page. Team Y's account is not found
    through team X's URL."""
    w = world
    login_as(w.member_x)
    yesterday = utcnow().date() - timedelta(days=1)
    meeting = AccountMeeting(account_id=w.account_a2.id, held_on=yesterday, title="A2 visit")
    person = KeyPerson(account_id=w.account_a2.id, name="Lee", role="Buyer")
    plan = AgreedPlan(
        account_id=w.account_a2.id, what="A2 plan", owner_id=w.member_x.id, due_on=yesterday
    )
    db.session.add_all([meeting, person, plan])
    db.session.commit()

    named = _post(
        client,
        w,
        "agree_plan",
        {
            "what": "Sneak",
            "owner": str(w.member_x.id),
            "due_on": (yesterday + timedelta(days=5)).isoformat(),
            "meeting": str(meeting.id),
        },
    )
    assert named.status_code == 422  # not among A's meetings: not a valid choice
    assert _post(client, w, "remove_person", {}, person_id=person.id).status_code == 404
    closing = _post(client, w, "close_plan", {"status": "done", "outcome": "x"}, plan_id=plan.id)
    assert closing.status_code == 404
    assert "A2 visit" not in client.get(_page(w)).text
    assert client.get(_page(w, w.account_b)).status_code == 404
    assert (_count(KeyPerson), _count(AgreedPlan)) == (1, 1)


def test_what_customers_write_in_notes_does_not_run(world, client, login_as):
    w = world
    login_as(w.coach_x)
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    hostile = '<script>alert(1)</script><a href="javascript:alert(2)" hx-get="/x">x</a> {{7*7}}'
    _post(client, w, "record_meeting", {"held_on": yesterday, "title": "Call", "notes": hostile})
    page = client.get(_page(w)).text
    # Shown as the text it is: no tag of it reaches the page, and the template is not run.
    assert "<script>alert(1)" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;alert(1)" in page and "{{7*7}}" in page


def test_the_account_page_leads_to_the_relationship(world, client, login_as):
    login_as(world.member_x)
    factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    page = client.get(
        url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)
    ).text
    assert f'href="{_page(world)}"' in page


def test_two_teammates_closing_one_plan_at_once_keep_the_first_outcome(world):
    """Both read the plan open; the other's close lands first. The second is told, and the
    first outcome is not overwritten."""
    w = world
    plan = AgreedPlan(
        account_id=w.account_a.id,
        what="Monthly invoice",
        owner_id=w.member_x.id,
        due_on=utcnow().date() + timedelta(days=5),
    )
    db.session.add(plan)
    db.session.commit()
    assert plan.status == "open"  # what the second teammate's page read
    db.session.execute(
        AgreedPlan.__table__.update()
        .where(AgreedPlan.__table__.c.id == plan.id)
        .values(status="done", outcome="First: sent from December.", closed_at=utcnow())
    )
    with pytest.raises(services.PlanClosed):
        services.close_plan(w.coach_x, plan, status="dropped", outcome="Second: not needed.")
    assert (plan.status, plan.outcome) == ("done", "First: sent from December.")
