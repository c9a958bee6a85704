"""Members' own targets: a coach sets one on a per-member measure for a month or a quarter;
the member sees it on their own page with their figure, the team goal it rolls up to and
the team's figure; no one else in the team does. Bad input says why and saves nothing;
another team's people and targets are not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.domain.insights import add_months
from portal.extensions import db
from portal.insights import targets
from portal.insights.forms import this_month
from portal.models import AuditEvent, Goal, MemberTarget, utcnow
from tests import factories
from tests.auth.helpers import csrf_token


def _page(world, person=None):
    person = person or world.member_x
    return url_for("insights.member", team_id=world.team_x.id, user_id=person.id)


def _add(client, world, person=None, **fields):
    person = person or world.member_x
    data = {
        "csrf_token": csrf_token(client, _page(world, person)),
        "measure": "resolved",
        "direction": "",
        "target": "3",
        "period_kind": "month",
        "month": this_month().strftime("%Y-%m"),
    }
    data.update(fields)
    return client.post(
        url_for("insights.add_target", team_id=world.team_x.id, user_id=person.id), data=data
    )


@pytest.fixture
def resolved_two(world):
    """Member X resolved two requests this month; Coach X one."""
    now = utcnow()
    for owner in (world.member_x, world.member_x, world.coach_x):
        factories.make_request(
            world.account_a,
            world.contact_a,
            status="resolved",
            assignee_id=owner.id,
            resolved_at=now - timedelta(minutes=5),
        )
    month = this_month()
    db.session.add(
        Goal(
            team_id=world.team_x.id,
            measure="resolved",
            period_kind="month",
            period_start=month,
            period_end=add_months(month, 3),
            target=5,
            direction="at_least",
        )
    )
    db.session.commit()


def test_the_coach_sets_a_target_the_member_sees_it_rolled_up(
    world, resolved_two, client, login_as
):
    login_as(world.coach_x)
    added = _add(client, world, note="Own the billing queue on Mondays")
    assert added.status_code == 303
    target = db.session.scalars(select(MemberTarget)).one()
    # Left to the measure: more resolved is better.
    assert (target.measure, target.direction, target.target) == ("resolved", "at_least", 3.0)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "target.created"))

    (view,) = targets.for_member(world.team_x, world.member_x)
    assert (view.actual, view.status, view.team_value) == (2.0, "off track", 3.0)
    ((goal, goal_status),) = view.goals
    assert (goal.target, goal_status) == (5.0, "off track")

    login_as(world.member_x)
    page = client.get(_page(world)).text
    assert "Your targets" in page and "Own the billing queue on Mondays" in page
    assert "Team goal: at least 5 requests" in page and "team figure 3 requests" in page
    assert "Set a target" not in page  # the member reads; the coach sets
    assert "My measures and targets" in page  # their way here from any insights page


def test_targets_are_for_that_member_and_the_coach_only(world, client, login_as):
    other = factories.make_member(world.team_x, name="Other Member")
    db.session.commit()
    login_as(world.coach_x)
    assert _add(client, world).status_code == 303
    login_as(other)
    assert client.get(_page(world)).status_code == 403
    own = client.get(_page(world, other)).text  # their own page: none of Member X's
    assert "Your targets" in own and "No targets yet" in own
    login_as(world.contact_a)
    assert client.get(_page(world)).status_code == 403
    login_as(world.member_y)
    assert client.get(_page(world)).status_code == 404


def test_htmx_gets_the_targets_fragment(world, client, login_as):
    login_as(world.coach_x)
    token = csrf_token(client, _page(world))
    answer = client.post(
        url_for("insights.add_target", team_id=world.team_x.id, user_id=world.member_x.id),
        data={
            "csrf_token": token,
            "measure": "csat",
            "direction": "at_least",
            "target": "4.5",
            "period_kind": "quarter",
            "month": this_month().strftime("%Y-%m"),
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="card" id="targets"')
    assert "CSAT average" in answer.text and "HX-Request" in answer.headers["Vary"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"month": add_months(this_month(), -1).strftime("%Y-%m")}, "is over"),
        ({"measure": "received"}, "Not a valid choice"),  # not measured per member
        ({"target": "lots"}, "Not a valid decimal"),
        ({"target": "1e99"}, "between"),
        ({"target": "sNaN"}, "Give the target as a number."),  # a Decimal float() refuses
        ({"month": "9999-12"}, "within the next five years"),  # past date's range: no 500
        ({"direction": "sideways"}, "Not a valid choice"),
        ({"period_kind": "year"}, "Not a valid choice"),
    ],
)
def test_bad_targets_are_refused_and_nothing_saved(world, client, login_as, fields, message):
    login_as(world.coach_x)
    refused = _add(client, world, **fields)
    assert refused.status_code == 422
    assert message in refused.text
    assert db.session.scalars(select(MemberTarget)).all() == []


def test_one_target_per_measure_and_period(world, client, login_as):
    login_as(world.coach_x)
    assert _add(client, world).status_code == 303
    again = _add(client, world, target="4")
    assert again.status_code == 422 and "already has a target" in again.text


def test_a_member_outside_the_team_is_not_found(world, client, login_as):
    login_as(world.coach_x)
    token = csrf_token(client, _page(world))
    answer = client.post(
        url_for("insights.add_target", team_id=world.team_x.id, user_id=world.member_y.id),
        data={"csrf_token": token, "measure": "resolved", "target": "3", "month": "2030-01"},
    )
    assert answer.status_code == 404
    assert db.session.scalars(select(MemberTarget)).all() == []


def test_a_plain_member_may_not_set_their_own_target(world, client, login_as):
    login_as(world.member_x)
    assert _add(client, world).status_code == 403


def test_removing_a_target_and_another_teams_target_is_not_found(world, client, login_as):
    login_as(world.coach_x)
    _add(client, world)
    mine = db.session.scalars(select(MemberTarget)).one()
    theirs = MemberTarget(
        team_id=world.team_y.id,
        member_id=world.member_y.id,
        measure="resolved",
        period_kind="month",
        period_start=this_month(),
        target=1,
        direction="at_least",
    )
    db.session.add(theirs)
    db.session.commit()
    token = csrf_token(client, _page(world))
    for team, person, row in (
        (world.team_x, world.member_x, theirs),
        (world.team_y, world.member_y, theirs),
        (world.team_x, world.coach_x, mine),  # another member's URL
    ):
        answer = client.post(
            url_for("insights.delete_target", team_id=team.id, user_id=person.id, target_id=row.id),
            data={"csrf_token": token},
        )
        assert answer.status_code == 404
    removed = client.post(
        url_for(
            "insights.delete_target",
            team_id=world.team_x.id,
            user_id=world.member_x.id,
            target_id=mine.id,
        ),
        data={"csrf_token": token},
    )
    assert removed.status_code == 303
    db.session.expire_all()
    assert [t.team_id for t in db.session.scalars(select(MemberTarget))] == [world.team_y.id]


def test_a_target_set_meanwhile_in_another_tab_is_a_clear_refusal(world, monkeypatch):
    """The duplicate check looked before the other tab's insert: the unique constraint
    answers, and the coach is told, not a 500; the transaction goes on."""
    args = dict(measure="resolved", period_kind="month", month=this_month(), direction="")
    targets.create_target(world.coach_x, world.team_x, world.member_x, target=3, **args)
    db.session.commit()
    session = db.session
    missed = []

    class LookedTooEarly:
        def __getattr__(self, name):
            return getattr(session, name)

        def scalar(self, statement, *rest, **kw):
            if "FROM member_target" in str(statement):
                missed.append(statement)
                return None
            return session.scalar(statement, *rest, **kw)

    monkeypatch.setattr(targets, "db", type("Db", (), {"session": LookedTooEarly()}))
    with pytest.raises(targets.InsightError, match="already has a target"):
        targets.create_target(world.coach_x, world.team_x, world.member_x, target=4, **args)
    monkeypatch.undo()
    assert missed  # the check was fooled: the constraint is what refused
    db.session.commit()
    assert [t.target for t in db.session.scalars(select(MemberTarget))] == [3.0]
