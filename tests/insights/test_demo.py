"""The demo's insights history: a year of figures, so trends show, and goals on and off
track."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.insights import reports
from portal.models import Goal, Request, SurveyResponse, Team, User, utcnow
from portal.seeding.demo import seed


def test_demo_has_a_year_of_history_and_goals_on_and_off_track(app):
    seed()
    db.session.commit()
    oldest = db.session.scalar(select(func.min(Request.created_at)))
    assert (utcnow() - oldest).days >= 330
    assert db.session.scalar(select(func.count(SurveyResponse.id))) >= 20
    assert db.session.scalar(select(func.count(Goal.id))) >= 3
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
    statuses = set()
    for team in db.session.scalars(select(Team)):
        views = reports.goal_views(admin, team)
        assert all(len(v.values) == reports.TREND_PERIODS[v.goal.period_kind] for v in views)
        # Every goal has figures in most of its periods: the trend line has something to draw.
        assert all(sum(x is not None for x in v.values) >= 2 for v in views), team.name
        statuses |= {v.status for v in views}
    assert {"on track", "off track"} <= statuses


def test_demo_team_has_a_cross_training_plan_and_a_member_with_targets(app):
    from portal.insights import cross_training, targets
    from portal.seeding.demo import sign_in_details

    seed()
    db.session.commit()
    team = db.session.scalar(select(Team).order_by(Team.id))
    plan = cross_training.plan(team)
    states = {c.state for c in plan["single_points"]}
    assert "one person only" in states
    assert plan["learning"] and any(v.overdue for v in plan["learning"])
    assert any(v.entry.status == "reached" for v in plan["closed"])
    member_email = next(email for role, email, _ in sign_in_details() if role == "member")
    member = db.session.scalar(select(User).where(User.email == member_email))
    views = targets.for_member(team, member)
    assert len(views) >= 4
    assert any(v.goals for v in views)  # some roll up to a team goal
    assert any(v.actual is not None for v in views)


def test_demo_procedure_adopted_months_ago_shows_its_measures_move(app):
    """The demo's adopted procedure is old enough for its before-and-after page to compare
    something: several measures with a verdict, not all "not enough data"."""
    from portal.insights import adoption
    from portal.models import Procedure

    seed()
    db.session.commit()
    adopted = db.session.scalars(
        select(Procedure).where(Procedure.adopted_at.is_not(None)).order_by(Procedure.id)
    ).first()
    moved = adoption.measures_moved(adopted)
    verdicts = [row.movement.verdict for row in moved["rows"]]
    assert sum(verdict != "not enough data" for verdict in verdicts) >= 3, verdicts
