"""Corrective actions from the weekly review: an item becomes an action with an owner and a
due date, stays on the review until closed with an outcome, and the next review shows what
came of it; bad input says why and saves nothing; another team's action is not found."""

from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import CorrectiveAction, Rating, utcnow
from tests import factories
from tests.auth.helpers import csrf_token


def _review(world):
    return url_for("insights.review", team_id=world.team_x.id)


def _low_rating(world):
    item = factories.make_request(world.account_a, world.contact_a, status="resolved")
    db.session.flush()
    db.session.add(
        Rating(request_id=item.id, contact_id=world.contact_a.id, score=1, comment="Slow")
    )
    db.session.commit()
    return item


def test_an_item_becomes_an_action_then_an_outcome(world, client, login_as):
    item = _low_rating(world)
    login_as(world.member_x)
    about = f"1 of 5 on {item.reference} from Contact A"
    rating = db.session.scalars(select(Rating)).one()
    page = client.get(_review(world)).text
    assert f'<option value="rating:{rating.id}">{about}</option>' in page
    due = (utcnow().date() + timedelta(days=7)).isoformat()
    added = client.post(
        url_for("insights.add_action", team_id=world.team_x.id),
        data={
            "csrf_token": csrf_token(client, _review(world)),
            "about": f"rating:{rating.id}",
            "title": "Call the customer and agree a redelivery",
            "owner": str(world.coach_x.id),
            "due_on": due,
        },
    )
    assert added.status_code == 303
    action = db.session.scalars(select(CorrectiveAction)).one()
    assert (action.about, action.owner_id, action.status) == (about, world.coach_x.id, "open")
    assert "Call the customer and agree a redelivery" in client.get(_review(world)).text

    close = url_for("insights.close_action", team_id=world.team_x.id, action_id=action.id)
    refused = client.post(close, data={"csrf_token": csrf_token(client, _review(world))})
    assert refused.status_code == 422 and "Say what came of it" in refused.text
    closed = client.post(
        close,
        data={
            "csrf_token": csrf_token(client, _review(world)),
            "outcome": "Redelivered on Tuesday; they rated the next one 5.",
        },
    )
    assert closed.status_code == 303
    page = client.get(_review(world)).text
    assert "What came of them since the last review" in page
    assert "Redelivered on Tuesday" in page and "(0 open)" in page


def test_bad_actions_say_why_and_save_nothing(world, client, login_as):
    _low_rating(world)
    login_as(world.member_x)
    url = url_for("insights.add_action", team_id=world.team_x.id)
    base = {
        "about": "other",
        "title": "Do it",
        "owner": str(world.member_x.id),
        "due_on": (utcnow().date() + timedelta(days=1)).isoformat(),
    }
    for change, says in (
        ({"owner": str(world.member_y.id)}, "Not a valid choice"),  # team Y's member
        ({"due_on": (utcnow().date() - timedelta(days=1)).isoformat()}, "from today on"),
        ({"title": ""}, "Say what will be done."),
        ({"about": "Made up"}, "Not a valid choice"),
    ):
        answer = client.post(
            url, data={"csrf_token": csrf_token(client, _review(world)), **base, **change}
        )
        assert answer.status_code == 422 and says in answer.text, change
    assert db.session.scalars(select(CorrectiveAction)).all() == []


def test_another_team_s_action_is_not_found(world, client, login_as):
    action = CorrectiveAction(
        team_id=world.team_y.id,
        about="x",
        title="y",
        owner_id=world.member_y.id,
        due_on=date(2030, 1, 1),
    )
    db.session.add(action)
    db.session.commit()
    login_as(world.member_x)
    url = url_for("insights.close_action", team_id=world.team_x.id, action_id=action.id)
    answer = client.post(
        url, data={"csrf_token": csrf_token(client, _review(world)), "outcome": "Done"}
    )
    assert answer.status_code == 404
    db.session.refresh(action)
    assert action.status == "open"
