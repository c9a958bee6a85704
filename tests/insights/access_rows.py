"""The insights routes' rows for the role × route matrix in tests/test_access.py.

Team pages follow the team policies: contacts 403, another team's member 404. The coach's
pages (goals, per-member table, internal checks, sending surveys) answer 403 to a member of
the team. POST rows send an empty form without CSRF.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Goal, ServiceDimension, SurveyInvitation
from tests import factories

STAFF_OF_X = {"contact_a": 403, "contact_a2": 403, "contact_b": 403, "member_y": 404}


def _team(answer, **overrides):
    row = {
        "visitor": "login",
        "member_x": answer,
        "coach_x": answer,
        "admin": answer,
        **STAFF_OF_X,
    }
    row.update(overrides)
    return row


def _coach(answer):
    return _team(answer, member_x=403)


def _url(endpoint, **args):
    return lambda w: url_for(endpoint, team_id=w.team_x.id, **args)


def _action_url(w):
    from datetime import date

    from portal.models import CorrectiveAction

    action = CorrectiveAction(
        team_id=w.team_x.id,
        about="A low rating",
        title="Call them",
        owner_id=w.member_x.id,
        due_on=date(2030, 1, 1),
    )
    db.session.add(action)
    db.session.commit()
    return url_for("insights.close_action", team_id=w.team_x.id, action_id=action.id)


def _goal_url(w):
    from datetime import date

    goal = Goal(
        team_id=w.team_x.id,
        measure="csat",
        period_kind="month",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 1),
        target=4.5,
        direction="at_least",
    )
    db.session.add(goal)
    db.session.commit()
    return url_for("insights.delete_goal", team_id=w.team_x.id, goal_id=goal.id)


def _member_url(w):
    """Member X's own measures: they may; the coach and admins may; others may not."""
    return url_for("insights.member", team_id=w.team_x.id, user_id=w.member_x.id)


def _coach_measures_url(w):
    """The coach's measures, opened by a plain member: 403."""
    return url_for("insights.member", team_id=w.team_x.id, user_id=w.coach_x.id)


def _check_url(w):
    item = factories.make_request(w.account_a, w.contact_a, status="open")
    db.session.commit()
    return url_for("insights.record_check", team_id=w.team_x.id, request_id=item.id)


def _adopted_procedure_url(w):
    """A procedure Team X adopted: how its measures moved, for the team only."""
    from portal.models import utcnow

    procedure = factories.make_procedure(w.team_x, w.member_x)
    procedure.status, procedure.adopted_at = "adopted", utcnow()
    db.session.commit()
    return url_for("insights.procedure_measures", team_id=w.team_x.id, procedure_id=procedure.id)


def _dimension_url(w):
    dimension = ServiceDimension(name=f"Dimension {next(factories._seq)}")
    db.session.add(dimension)
    db.session.commit()
    return url_for("insights.update_dimension", dimension_id=dimension.id)


def _learning_url(w):
    from datetime import date

    from portal.models import LearningEntry

    entry = LearningEntry(
        team_id=w.team_x.id,
        member_id=w.member_x.id,
        function_id=w.function.id,
        target_level=2,
        target_on=date(2030, 1, 1),
    )
    db.session.add(entry)
    db.session.commit()
    return url_for("insights.drop_learning", team_id=w.team_x.id, entry_id=entry.id)


def _target_url(w):
    """Member X's target, new for each role (the coach removes it)."""
    from datetime import date

    from portal.models import MemberTarget

    target = MemberTarget(
        team_id=w.team_x.id,
        member_id=w.member_x.id,
        measure="resolved",
        period_kind="month",
        period_start=date(2030, next(factories._seq) % 12 + 1, 1),
        target=10,
        direction="at_least",
    )
    db.session.add(target)
    db.session.commit()
    return url_for(
        "insights.delete_target", team_id=w.team_x.id, user_id=w.member_x.id, target_id=target.id
    )


def _add_target_url(w):
    return url_for("insights.add_target", team_id=w.team_x.id, user_id=w.member_x.id)


ADMIN_ONLY_200 = {
    "visitor": "login",
    "contact_a": 403,
    "contact_a2": 403,
    "contact_b": 403,
    "member_x": 403,
    "member_y": 403,
    "coach_x": 403,
    "admin": 200,
}

ROWS = {
    "insights.dashboard": ("GET", _url("insights.dashboard"), _team(200)),
    "insights.function_load": ("GET", _url("insights.function_load"), _team(200)),
    "insights.add_goal": ("POST", _url("insights.add_goal"), _coach(422)),
    "insights.delete_goal": ("POST", _goal_url, _coach(303)),
    "insights.add_action": ("POST", _url("insights.add_action"), _team(422)),
    "insights.close_action": ("POST", _action_url, _team(422)),
    "insights.surveys": ("GET", _url("insights.surveys"), _team(200)),
    "insights.send_survey": ("POST", _url("insights.send_survey"), _coach(422)),
    "insights.members": ("GET", _url("insights.members"), _coach(200)),
    "insights.member": ("GET", _member_url, _team(200)),
    "insights.skills": ("GET", _url("insights.skills"), _team(200)),
    "insights.set_skill": ("POST", _url("insights.set_skill"), _coach(422)),
    "insights.add_learning": ("POST", _url("insights.add_learning"), _coach(422)),
    "insights.drop_learning": ("POST", _learning_url, _coach(303)),
    "insights.add_target": ("POST", _add_target_url, _coach(422)),
    "insights.delete_target": ("POST", _target_url, _coach(303)),
    "insights.checks": ("GET", _url("insights.checks"), _coach(200)),
    # An open request cannot be checked: the form comes back with the reason.
    "insights.record_check": ("POST", _check_url, _coach(422)),
    "insights.review": ("GET", _url("insights.review"), _team(200)),
    "insights.procedure_measures": ("GET", _adopted_procedure_url, _team(200)),
    "insights.export": ("GET", _url("insights.export", name="measures"), _team(200)),
    # Coaches compare their team with the others; a plain member may not (403).
    "insights.overview": (
        "GET",
        lambda w: url_for("insights.overview"),
        {**ADMIN_ONLY_200, "coach_x": 200},
    ),
    "insights.dimensions": ("GET", lambda w: url_for("insights.dimensions"), ADMIN_ONLY_200),
    "insights.add_dimension": (
        "POST",
        lambda w: url_for("insights.add_dimension"),
        {**ADMIN_ONLY_200, "admin": 422},
    ),
    # An empty form is a complete answer: no schedules.
    "insights.save_schedules": (
        "POST",
        lambda w: url_for("insights.save_schedules"),
        {**ADMIN_ONLY_200, "admin": 303},
    ),
    "insights.update_dimension": ("POST", _dimension_url, {**ADMIN_ONLY_200, "admin": 422}),
    # The signed link is the credential: a forged one is 404 for everyone.
    "insights.survey": (
        "GET",
        lambda w: url_for("insights.survey", token="forged"),
        {role: 404 for role in ADMIN_ONLY_200},
    ),
}


def _my_survey_url(w):
    """Contact A's own invitation: theirs to answer; Contact B (another account) gets 404."""
    from portal.insights import services

    services.send_survey(w.coach_x, w.team_x, w.account_a)
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation).order_by(SurveyInvitation.id.desc()))
    return url_for("insights.my_survey", invitation_id=invitation.id)


ROWS["insights.my_survey"] = (
    "GET",
    _my_survey_url,
    {
        "visitor": "login",
        "contact_a": 200,
        "contact_a2": 404,
        "contact_b": 404,
        "member_x": 403,
        "member_y": 403,
        "coach_x": 403,
        "admin": 403,
    },
)

# Extra rows checked by tests/insights/test_views.py (same endpoint, other objects).
COACH_MEASURES_ROW = ("GET", _coach_measures_url, _team(200, member_x=403))
