"""The skills and cross-training page: the matrix, functions that hang on one person, the
coach setting their own team's skills through the admin's service, learning entries with
their target level and date, reached automatically, overdue shown; bad input says why and
saves nothing; another team's ids are not found."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal import skills
from portal.admin import services as admin_services
from portal.extensions import db
from portal.insights import cross_training as plans
from portal.models import AuditEvent, LearningEntry, Skill, utcnow
from tests import factories
from tests.auth.helpers import csrf_token


@pytest.fixture
def functions(world):
    credit = factories.make_function("Credit")
    delivery = factories.make_function("Delivery")
    # Billing: two capable; Credit: one capable; Delivery: no one capable.
    factories.make_skill(world.member_x, world.function, 3)
    factories.make_skill(world.coach_x, world.function, 2)
    factories.make_skill(world.coach_x, credit, 3)
    factories.make_skill(world.member_x, delivery, 1)
    # Member Y (another team) is an expert in Credit: that covers nothing in Team X.
    factories.make_skill(world.member_y, credit, 3)
    db.session.commit()
    return {"billing": world.function, "credit": credit, "delivery": delivery}


def _page(world):
    return url_for("insights.skills", team_id=world.team_x.id)


def _post(client, world, endpoint, data, **headers):
    data = {"csrf_token": csrf_token(client, _page(world)), **data}
    return client.post(url_for(endpoint, team_id=world.team_x.id), data=data, headers=headers)


def _today():
    return utcnow().date()


def test_the_plan_names_single_points_of_failure(world, functions):
    data = plans.plan(world.team_x)
    single = {c.function_id: c.state for c in data["single_points"]}
    assert single == {functions["credit"].id: "one person only", functions["delivery"].id: "nobody"}


def test_a_member_reads_the_plan_without_the_coachs_forms(world, functions, client, login_as):
    login_as(world.member_x)
    page = client.get(_page(world))
    assert page.status_code == 200
    text = page.text
    assert "Single points of failure" in text and "One person only" in text and "No one" in text
    assert "only Coach X is capable" in text
    assert "Member X" in text and "Expert" in text
    assert "Set a member&#39;s skill" not in text and "Add a learning entry" not in text


def test_the_coach_sets_adds_changes_and_removes_a_skill(world, functions, client, login_as):
    login_as(world.coach_x)
    credit = functions["credit"]
    added = _post(
        client,
        world,
        "insights.set_skill",
        {"member": world.member_x.id, "function": credit.id, "level": "2"},
    )
    assert added.status_code == 303
    skill = db.session.scalar(
        select(Skill).where(Skill.user_id == world.member_x.id, Skill.function_id == credit.id)
    )
    assert skill.level == 2
    assert "One person only" not in client.get(_page(world)).text.split("Skills matrix")[0]
    changed = _post(
        client,
        world,
        "insights.set_skill",
        {"member": world.member_x.id, "function": credit.id, "level": "3"},
    )
    assert changed.status_code == 303
    db.session.refresh(skill)
    assert skill.level == 3
    skill_id = skill.id
    removed = _post(
        client,
        world,
        "insights.set_skill",
        {"member": world.member_x.id, "function": credit.id, "level": ""},
    )
    assert removed.status_code == 303
    db.session.expire_all()
    assert db.session.get(Skill, skill_id) is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == world.coach_x.id)
    ).all()
    assert actions == ["skill.added", "skill.changed", "skill.removed"]


@pytest.mark.parametrize("level", ["7", "0", "abc", "-1"])
def test_a_bad_level_is_refused_and_nothing_saved(world, functions, client, login_as, level):
    login_as(world.coach_x)
    before = db.session.scalar(select(db.func.count()).select_from(Skill))
    refused = _post(
        client,
        world,
        "insights.set_skill",
        {"member": world.member_x.id, "function": functions["credit"].id, "level": level},
    )
    assert refused.status_code == 422
    assert "field-invalid" in refused.text
    assert db.session.scalar(select(db.func.count()).select_from(Skill)) == before


def test_a_member_of_another_team_is_refused(world, functions, client, login_as):
    login_as(world.coach_x)
    refused = _post(
        client,
        world,
        "insights.set_skill",
        {"member": world.member_y.id, "function": functions["billing"].id, "level": "2"},
    )
    assert refused.status_code == 422
    assert db.session.scalar(select(Skill).where(Skill.user_id == world.member_y.id)).level == 3
    with pytest.raises(plans.CrossTrainingError, match="member of the team"):
        plans.set_level(world.coach_x, world.team_x, world.member_y, functions["billing"], 2)


def test_a_plain_member_may_not_set_skills(world, functions, client, login_as):
    login_as(world.member_x)
    token = csrf_token(client, _page(world))
    refused = client.post(
        url_for("insights.set_skill", team_id=world.team_x.id),
        data={"csrf_token": token, "member": world.member_x.id, "function": 1, "level": "3"},
    )
    assert refused.status_code == 403


def _learn(client, world, **fields):
    data = {"target_level": "2", "target_on": (_today() + timedelta(days=30)).isoformat()}
    data.update({k: str(v) for k, v in fields.items()})
    return _post(client, world, "insights.add_learning", data)


def test_the_coach_adds_a_learning_entry(world, functions, client, login_as):
    login_as(world.coach_x)
    added = _learn(
        client, world, member=world.member_x.id, function=functions["credit"].id, note="Shadow"
    )
    assert added.status_code == 303
    entry = db.session.scalars(select(LearningEntry)).one()
    assert (entry.member_id, entry.target_level, entry.status, entry.note) == (
        world.member_x.id,
        2,
        "learning",
        "Shadow",
    )
    page = client.get(_page(world)).text
    assert "learning: Member X" in page  # beside Credit among the single points
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "learning.added"))
    assert event.subject_id == entry.id


def test_htmx_gets_the_plan_fragment(world, functions, client, login_as):
    login_as(world.coach_x)
    token = csrf_token(client, _page(world))
    answer = client.post(
        url_for("insights.add_learning", team_id=world.team_x.id),
        data={
            "csrf_token": token,
            "member": world.member_x.id,
            "function": functions["credit"].id,
            "target_level": "2",
            "target_on": (_today() + timedelta(days=3)).isoformat(),
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="plan"')
    assert "HX-Request" in answer.headers["Vary"]
    refused = client.post(
        url_for("insights.add_learning", team_id=world.team_x.id),
        data={"csrf_token": token, "member": world.member_x.id},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and refused.text.lstrip().startswith('<div id="plan"')


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"target_on": "2020-01-01"}, "from today on"),
        ({"target_level": "1"}, "already at level 1"),  # Member X is level 1 in Delivery
        ({"target_level": "9"}, "Not a valid choice"),
        ({"target_on": "not a date"}, "Not a valid date"),
    ],
)
def test_bad_learning_entries_are_refused(world, functions, client, login_as, fields, message):
    login_as(world.coach_x)
    refused = _learn(
        client, world, member=world.member_x.id, function=functions["delivery"].id, **fields
    )
    assert refused.status_code == 422
    assert message in refused.text
    assert db.session.scalars(select(LearningEntry)).all() == []


def test_a_learning_entry_for_someone_outside_the_team_is_refused(
    world, functions, client, login_as
):
    login_as(world.coach_x)
    refused = _learn(client, world, member=world.member_y.id, function=functions["credit"].id)
    assert refused.status_code == 422
    assert db.session.scalars(select(LearningEntry)).all() == []
    with pytest.raises(plans.CrossTrainingError, match="member of the team"):
        plans.add_entry(
            world.coach_x,
            world.team_x,
            member=world.member_y,
            function=functions["credit"],
            target_level=2,
            target_on=_today(),
        )


def test_one_open_entry_per_member_and_function(world, functions):
    args = dict(member=world.member_x, function=functions["credit"], target_level=2)
    plans.add_entry(world.coach_x, world.team_x, target_on=_today(), **args)
    with pytest.raises(plans.CrossTrainingError, match="already learning"):
        plans.add_entry(world.coach_x, world.team_x, target_on=_today(), **args)


def test_reached_when_the_coach_raises_the_skill(world, functions, client, login_as):
    entry = plans.add_entry(
        world.coach_x,
        world.team_x,
        member=world.member_x,
        function=functions["credit"],
        target_level=2,
        target_on=_today() + timedelta(days=10),
    )
    db.session.commit()
    login_as(world.coach_x)
    _post(
        client,
        world,
        "insights.set_skill",
        {"member": world.member_x.id, "function": functions["credit"].id, "level": "1"},
    )
    db.session.refresh(entry)
    assert entry.status == "learning"
    _post(
        client,
        world,
        "insights.set_skill",
        {"member": world.member_x.id, "function": functions["credit"].id, "level": "2"},
    )
    db.session.refresh(entry)
    assert entry.status == "reached" and entry.closed_at is not None
    assert "Reached" in client.get(_page(world)).text


def test_reached_when_an_admin_raises_the_skill_too(world, functions):
    """One rule: the admin's person page goes through the same service."""
    entry = plans.add_entry(
        world.coach_x,
        world.team_x,
        member=world.member_x,
        function=functions["delivery"],
        target_level=3,
        target_on=_today(),
    )
    skill = skills.skill_of(world.member_x, functions["delivery"])
    admin_services.change_skill_level(world.admin, skill, 3)
    assert entry.status == "reached"
    with pytest.raises(admin_services.AdminError, match="from 1 to 3"):
        admin_services.change_skill_level(world.admin, skill, 4)


def test_an_entry_past_its_date_shows_overdue(world, functions, client, login_as):
    db.session.add(
        LearningEntry(
            team_id=world.team_x.id,
            member_id=world.member_x.id,
            function_id=functions["credit"].id,
            target_level=2,
            target_on=date(2020, 1, 1),
        )
    )
    db.session.commit()
    login_as(world.member_x)
    assert "Overdue" in client.get(_page(world)).text


def test_the_coach_drops_an_entry_and_another_teams_entry_is_not_found(
    world, functions, client, login_as
):
    mine = plans.add_entry(
        world.coach_x,
        world.team_x,
        member=world.member_x,
        function=functions["credit"],
        target_level=2,
        target_on=_today(),
    )
    theirs = LearningEntry(
        team_id=world.team_y.id,
        member_id=world.member_y.id,
        function_id=functions["billing"].id,
        target_level=2,
        target_on=_today(),
    )
    db.session.add(theirs)
    db.session.commit()
    login_as(world.coach_x)
    token = csrf_token(client, _page(world))
    for team, entry in ((world.team_x, theirs), (world.team_y, theirs)):
        answer = client.post(
            url_for("insights.drop_learning", team_id=team.id, entry_id=entry.id),
            data={"csrf_token": token},
        )
        assert answer.status_code == 404
    dropped = client.post(
        url_for("insights.drop_learning", team_id=world.team_x.id, entry_id=mine.id),
        data={"csrf_token": token},
    )
    assert dropped.status_code == 303
    db.session.refresh(mine)
    db.session.refresh(theirs)
    assert (mine.status, theirs.status) == ("dropped", "learning")
    again = client.post(
        url_for("insights.drop_learning", team_id=world.team_x.id, entry_id=mine.id),
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "no longer open" in again.text


def test_another_teams_member_does_not_see_the_plan(world, functions, client, login_as):
    login_as(world.member_y)
    assert client.get(_page(world)).status_code == 404
    login_as(world.contact_a)
    assert client.get(_page(world)).status_code == 403


def test_a_skill_added_meanwhile_by_someone_else_is_a_clear_refusal(world, functions, monkeypatch):
    """Two coaches (or a coach and an admin) adding the same skill at once: the second is
    told, not a 500, and the transaction goes on."""
    monkeypatch.setattr(skills, "skill_of", lambda person, function: None)  # looked too early
    with pytest.raises(skills.SkillError, match="already has a Billing skill"):
        skills.add_skill(world.coach_x, world.member_x, functions["billing"], 2)
    db.session.commit()
    assert db.session.scalar(select(Skill.level).where(Skill.user_id == world.member_x.id)) == 3
