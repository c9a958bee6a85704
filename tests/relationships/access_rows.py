"""The relationship page's rows for the role × route matrix in tests/test_access.py: the
team that owns the account (members, coaches, admins); contacts 403, another team 404. POST
rows send an empty form without CSRF, so a form post answers 422; removing answers 303."""

from __future__ import annotations

from datetime import date

from flask import url_for

from portal.extensions import db
from portal.models import AgreedPlan, KeyPerson

STAFF_OF_X = {"contact_a": 403, "contact_a2": 403, "contact_b": 403, "member_y": 404}


def _team(answer):
    return {
        "visitor": "login",
        "member_x": answer,
        "coach_x": answer,
        "admin": answer,
        **STAFF_OF_X,
    }


def _url(endpoint):
    return lambda w: url_for(endpoint, team_id=w.team_x.id, account_id=w.account_a.id)


def _person_url(w):
    person = KeyPerson(account_id=w.account_a.id, name="Dana", role="Buyer")
    db.session.add(person)
    db.session.commit()
    return url_for(
        "relationships.remove_person",
        team_id=w.team_x.id,
        account_id=w.account_a.id,
        person_id=person.id,
    )


def _plan_url(w):
    plan = AgreedPlan(
        account_id=w.account_a.id,
        what="Quarterly call",
        owner_id=w.member_x.id,
        due_on=date(2030, 1, 1),
    )
    db.session.add(plan)
    db.session.commit()
    return url_for(
        "relationships.close_plan",
        team_id=w.team_x.id,
        account_id=w.account_a.id,
        plan_id=plan.id,
    )


ROWS = {
    "relationships.page": ("GET", _url("relationships.page"), _team(200)),
    "relationships.add_person": ("POST", _url("relationships.add_person"), _team(422)),
    "relationships.remove_person": ("POST", _person_url, _team(303)),
    "relationships.record_meeting": ("POST", _url("relationships.record_meeting"), _team(422)),
    "relationships.agree_plan": ("POST", _url("relationships.agree_plan"), _team(422)),
    "relationships.close_plan": ("POST", _plan_url, _team(422)),
}
