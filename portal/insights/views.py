"""Insights pages for a team: the dashboard and its goals, per-member measures, internal
checks and the weekly review. Surveys, CSV exports and the admins' pages register on the same
blueprint from survey_views.py, exports.py and admin_views.py."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import access, reference
from ..access import TEAM_COACH, TEAM_MEMBER, policy
from ..domain.insights import InsightError
from ..extensions import db
from ..follow_ups import services as follow_ups
from ..forms import EmptyForm
from ..htmx import after_write, render_page
from ..models import CorrectiveAction, Goal, Procedure, User
from . import actions, adoption, bp, internal_checks, reports, services
from . import function_load as load
from .forms import ActionForm, CloseActionForm, GoalForm, check_form
from .measures import GROUPS, MEASURES

KINDS = ("month", "quarter")


@bp.context_processor
def _insights_context():
    team_id = (request.view_args or {}).get("team_id")
    coach = (
        bool(team_id)
        and current_user.is_authenticated
        and access.is_coach_of(current_user, team_id)
    )
    return {"team_coach": coach}


def period_kind() -> str:
    kind = request.args.get("period", "month")
    return kind if kind in KINDS else "month"


def _goal_form(formdata=None) -> GoalForm:
    form = GoalForm(formdata=formdata)
    form.measure.choices = {
        name: [(m.key, f"{m.label} ({m.unit})") for m in MEASURES.values() if m.group == key]
        for key, name in GROUPS.items()
    }
    form.dimension.choices = [("", "All dimensions")] + [
        (d.id, d.name) for d in services.dimensions()
    ]
    return form


def _dashboard(team, goal_form=None, status=200):
    kind = period_kind()
    data = reports.dashboard(current_user, team, kind)
    return render_page(
        "insights/dashboard.html",
        "insights/_goals.html",
        status=status,
        team=team,
        kind=kind,
        is_coach=access.is_coach_of(current_user, team.id),
        goal_form=goal_form or _goal_form(),
        delete_form=EmptyForm(),
        measures=MEASURES,
        groups=GROUPS,
        **data,
    )


@bp.route("/teams/<int:team_id>/insights")
@policy(TEAM_MEMBER)
def dashboard(team_id: int):
    return _dashboard(access.get_team(team_id))


@bp.route("/teams/<int:team_id>/insights/goals", methods=["POST"])
@policy(TEAM_COACH)
def add_goal(team_id: int):
    team = access.get_team(team_id)
    form = _goal_form(request.form)
    if form.validate_on_submit():
        try:
            services.create_goal(
                current_user,
                team,
                measure=form.measure.data,
                period_kind=form.period_kind.data,
                first=form.first.data,
                last=form.last.data,
                target=form.target.data if isinstance(form.target.data, Decimal) else None,
                direction=form.direction.data,
                dimension_id=form.dimension.data,
            )
        except InsightError as error:
            db.session.rollback()
            field = form._fields.get(error.field or "", form.target)
            field.errors = [*field.errors, str(error)]
        else:
            db.session.commit()
            flash("Goal set: it shows on the dashboard from now on.", "success")
            return after_write(
                url_for("insights.dashboard", team_id=team_id) + "#goals",
                lambda: _dashboard(team),
            )
    return _dashboard(team, goal_form=form, status=422)


@bp.route("/teams/<int:team_id>/insights/goals/<int:goal_id>/delete", methods=["POST"])
@policy(TEAM_COACH)
def delete_goal(team_id: int, goal_id: int):
    team = access.get_team(team_id)
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.team_id != team.id:
        abort(404)
    services.delete_goal(current_user, goal)
    db.session.commit()
    flash("Goal removed.", "success")
    return after_write(
        url_for("insights.dashboard", team_id=team_id) + "#goals", lambda: _dashboard(team)
    )


# --- per-member measures ------------------------------------------------------------------


@bp.route("/teams/<int:team_id>/insights/members")
@policy(TEAM_COACH)
def members(team_id: int):
    team = access.get_team(team_id)
    return render_page(
        "insights/members.html",
        team=team,
        kind=period_kind(),
        **reports.member_table(team, period_kind()),
    )


# --- internal checks ----------------------------------------------------------------------


def _checks_page(team, forms=None, status=200, sample=None, points=None):
    sample = sample if sample is not None else internal_checks.check_sample(team)
    points = points if points is not None else internal_checks.worst_rated_points(team)
    forms = forms or {}
    return render_page(
        "insights/checks.html",
        status=status,
        team=team,
        sample=sample,
        points=points,
        forms={
            item.id: forms.get(item.id) or check_form(points, formdata=None, prefix=f"c{item.id}")
            for item in sample
        },
        checks=internal_checks.recent_checks(team),
        checklist=internal_checks.CHECKLIST,
        week=internal_checks.sample_week(),
    )


@bp.route("/teams/<int:team_id>/insights/checks")
@policy(TEAM_COACH)
def checks(team_id: int):
    return _checks_page(access.get_team(team_id))


@bp.route("/teams/<int:team_id>/insights/checks/<int:request_id>", methods=["POST"])
@policy(TEAM_COACH)
def record_check(team_id: int, request_id: int):
    team = access.get_team(team_id)
    item = access.get_request(request_id)
    if item.team_id != team.id:
        abort(404)
    points = internal_checks.worst_rated_points(team)
    form = check_form(points, prefix=f"c{item.id}")
    valid = form.validate_on_submit()
    if valid and form.asked.data != form.asked.default:
        # A survey answer moved the worst-rated dimensions since the page was drawn.
        form.note.errors = [
            "The checklist changed since you opened it: customers' worst-rated "
            "dimensions moved. Tick the points below again."
        ]
        form.asked.data = form.asked.default  # the form now asks today's points
    elif valid:
        try:
            check = internal_checks.record_check(
                current_user,
                team,
                item,
                {f.short_name: f.data for f in form if f.type == "BooleanField"},
                form.note.data or "",
                points,
            )
        except InsightError as error:
            db.session.rollback()
            form.note.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                f"Check of {item.reference} recorded: "
                f"{'passed' if check.passed else 'not passed'}.",
                "success",
            )
            return redirect(url_for("insights.checks", team_id=team_id), code=303)
    return _checks_page(team, {item.id: form}, status=422, sample=[item], points=points)


# --- the weekly review --------------------------------------------------------------------


def _with_choices(form: ActionForm, team, review: dict) -> ActionForm:
    form.about.choices = actions.about_choices(review)
    form.owner.choices = [(s.id, s.name) for s in reference.members(team)]
    return form


def _review(team, action_form=None, close_forms=None, status=200, review=None):
    printable = request.args.get("print") == "1"
    review = review or reports.weekly_review(current_user, team)
    action_form = _with_choices(
        action_form or ActionForm(formdata=None, about=request.args.get("about")), team, review
    )
    return render_page(
        "insights/review_print.html" if printable else "insights/review.html",
        status=status,
        team=team,
        printable=printable,
        action_form=action_form,
        close_forms=close_forms or {},
        close_form=CloseActionForm(formdata=None),
        **review,
        **actions.for_review(team, review["since"]),
        open_follow_ups=follow_ups.open_in_team(team),
    )


@bp.route("/teams/<int:team_id>/insights/review")
@policy(TEAM_MEMBER)
def review(team_id: int):
    return _review(access.get_team(team_id))


def _to_actions(team_id: int):
    return after_write(
        url_for("insights.review", team_id=team_id) + "#actions",
        lambda: _review(access.get_team(team_id)),
    )


@bp.route("/teams/<int:team_id>/insights/actions", methods=["POST"])
@policy(TEAM_MEMBER)
def add_action(team_id: int):
    """An item of the review becomes an action with an owner and a due date."""
    team = access.get_team(team_id)
    review = reports.weekly_review(current_user, team)
    form = _with_choices(ActionForm(), team, review)
    if form.validate_on_submit():
        try:
            actions.create(
                current_user,
                team,
                about=dict(form.about.choices)[form.about.data],
                title=form.title.data,
                owner=db.session.get(User, form.owner.data),
                due_on=form.due_on.data,
            )
        except InsightError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            db.session.commit()
            flash("Action added: it stays on the review until it is closed.", "success")
            return _to_actions(team_id)
    return _review(team, action_form=form, status=422, review=review)


@bp.route("/teams/<int:team_id>/insights/actions/<int:action_id>/close", methods=["POST"])
@policy(TEAM_MEMBER)
def close_action(team_id: int, action_id: int):
    team = access.get_team(team_id)
    action = db.session.get(CorrectiveAction, action_id)
    if action is None or action.team_id != team.id:
        abort(404)
    form = CloseActionForm()
    if form.validate_on_submit():
        try:
            actions.close(current_user, action, form.outcome.data)
        except InsightError as error:
            form.outcome.errors.append(str(error))
        else:
            db.session.commit()
            flash("Action closed: the next review shows what came of it.", "success")
            return _to_actions(team_id)
    return _review(team, close_forms={action.id: form}, status=422)


@bp.route("/teams/<int:team_id>/insights/load")
@policy(TEAM_MEMBER)
def function_load(team_id: int):
    """Handoffs by function, day by day: where work jams up and clears in clumps."""
    team = access.get_team(team_id)
    return render_page("insights/load.html", team=team, **load.function_load(team))


@bp.route("/teams/<int:team_id>/procedures/<int:procedure_id>/measures")
@policy(TEAM_MEMBER)
def procedure_measures(team_id: int, procedure_id: int):
    """How the team's related measures moved before and after it adopted the procedure."""
    team = access.get_team(team_id)
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None or procedure.team_id != team.id or procedure.adopted_at is None:
        abort(404)
    kind = request.args.get("period", "month")
    if kind not in KINDS:
        abort(400, "Choose monthly or quarterly periods.")
    return render_page(
        "insights/adoption.html",
        team=team,
        procedure=procedure,
        kind=kind,
        **adoption.measures_moved(procedure, kind),
    )
