"""Insights pages: the team dashboard and goals, surveys, per-member measures, internal
checks, the weekly review, CSV exports, the admins' side-by-side view, and the survey a
contact answers from the mailed link."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import access
from ..access import ADMIN, CONTACT, PUBLIC, TEAM_COACH, TEAM_MEMBER, policy
from ..domain import insights as rules
from ..domain.insights import InsightError, neutralise_cell
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..htmx import after_write, render_page
from ..limits import LINK_POSTS, contact_write
from ..models import (
    Account,
    Goal,
    ServiceDimension,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyScore,
    Tier,
    User,
    utcnow,
)
from . import bp, reports, services
from .forms import CheckForm, DimensionForm, GoalForm, SendSurveyForm
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


def _kind() -> str:
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
    kind = _kind()
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


# --- surveys ------------------------------------------------------------------------------


def _team_accounts(team):
    return db.session.scalars(
        access.accounts_visible_to(current_user)
        .where(Account.team_id == team.id, Account.active.is_(True))
        .order_by(Account.name)
    ).all()


def _surveys_page(team, form=None, status=200):
    if form is None:
        form = SendSurveyForm(formdata=None)
    form.account.choices = [(a.id, a.name) for a in _team_accounts(team)]
    return render_page(
        "insights/surveys.html",
        status=status,
        team=team,
        form=form,
        surveys=services.team_surveys(team),
        answers=services.recent_answers(team),
        is_coach=access.is_coach_of(current_user, team.id),
        dimensions=services.dimensions(),
        now=utcnow(),
    )


@bp.route("/teams/<int:team_id>/insights/surveys")
@policy(TEAM_MEMBER)
def surveys(team_id: int):
    return _surveys_page(access.get_team(team_id))


@bp.route("/teams/<int:team_id>/insights/surveys", methods=["POST"])
@policy(TEAM_COACH)
def send_survey(team_id: int):
    team = access.get_team(team_id)
    form = SendSurveyForm()
    form.account.choices = [(a.id, a.name) for a in _team_accounts(team)]
    if form.validate_on_submit():
        account = access.get_account(form.account.data)
        try:
            _, invited = services.send_survey(current_user, team, account)
        except InsightError as error:
            db.session.rollback()
            form.account.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                f"Survey sent to {invited} contact{'s' if invited != 1 else ''} of {account.name}.",
                "success",
            )
            return redirect(url_for("insights.surveys", team_id=team_id), code=303)
    return _surveys_page(team, form, status=422)


def _survey_page(
    invitation, action, status=200, errors=None, values=None, done=False, problem=None
):
    return render_page(
        "insights/survey.html",
        status=status,
        invitation=invitation,
        survey=invitation.survey,
        action=action,
        dimensions=services.dimensions(),
        errors=errors or {},
        values=values or {},
        done=done,
        problem=problem,
        form=EmptyForm(),
    )


def _answer(invitation, action: str):
    """The survey page (GET) or the answer (POST) for one contact's invitation. Scores
    outside 1-7, an answered or closed survey: a clear message, nothing saved."""
    problem = services.invitation_problem(invitation)
    if request.method == "GET" or problem:
        return _survey_page(invitation, action, status=410 if problem else 200, problem=problem)
    if not EmptyForm().validate_on_submit():
        abort(400)
    dimensions = services.dimensions()
    values = {
        d.id: (request.form.get(f"expect-{d.id}", ""), request.form.get(f"experience-{d.id}", ""))
        for d in dimensions
    }
    errors = {}
    for d in dimensions:
        for slot, what in ((0, "what you expect"), (1, "what you experience from us")):
            try:
                rules.check_score(values[d.id][slot], f"a score for {what}")
            except InsightError as error:
                errors.setdefault(d.id, []).append(str(error))
    comment = (request.form.get("comment") or "").replace("\x00", "")
    if errors:
        return _survey_page(invitation, action, 422, errors, values)
    answers = [services.Answer(d.id, *values[d.id]) for d in dimensions]
    invitation_id = invitation.id
    try:
        services.answer_survey(invitation, answers, comment)
        db.session.commit()
    except InsightError as error:
        db.session.rollback()
        return _survey_page(invitation, action, 422, {"form": [str(error)]}, values)
    except IntegrityError:  # two tabs posting at once: the first answer stands
        db.session.rollback()
        invitation = db.session.get(SurveyInvitation, invitation_id)
        problem = services.invitation_problem(invitation)
        return _survey_page(invitation, action, 409, problem=problem)
    return _survey_page(invitation, action, done=True)


@bp.route("/surveys/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
@limiter.limit(LINK_POSTS, methods=["POST"])
def survey(token: str):
    """From the mail: the link opens the survey; only the post records an answer (mail
    scanners follow links). A contact signed in as someone else gets 404, like a forged link."""
    invitation = services.invitation_for(token)
    if invitation is None or (
        current_user.is_authenticated and current_user.id != invitation.contact_id
    ):
        return render_page("insights/survey_invalid.html", status=404)
    return _answer(invitation, url_for("insights.survey", token=token))


@bp.route("/surveys/invitations/<int:invitation_id>", methods=["GET", "POST"])
@policy(CONTACT)
@contact_write
def my_survey(invitation_id: int):
    """The same survey for a signed-in contact, from their home page: only their own
    (anyone else's, another account's included, is 404)."""
    invitation = db.session.get(SurveyInvitation, invitation_id)
    if invitation is None or invitation.contact_id != current_user.id:
        abort(404)
    return _answer(invitation, url_for("insights.my_survey", invitation_id=invitation_id))


@bp.app_template_global()
def open_surveys_for(user):
    """For the contact's home page: surveys waiting for their answer."""
    if not user.is_authenticated or not user.is_contact:
        return []
    return services.open_invitations(user)


# --- per-member measures ------------------------------------------------------------------


@bp.route("/teams/<int:team_id>/insights/members")
@policy(TEAM_COACH)
def members(team_id: int):
    team = access.get_team(team_id)
    return render_page(
        "insights/members.html", team=team, kind=_kind(), **reports.member_table(team, _kind())
    )


@bp.route("/teams/<int:team_id>/insights/members/<int:user_id>")
@policy(TEAM_MEMBER)
def member(team_id: int, user_id: int):
    """A member sees their own measures; only the coach (or an admin) sees anyone's."""
    team = access.get_team(team_id)
    person = db.session.get(User, user_id)
    if person is None or person not in reports.members(team):
        abort(404)
    if person.id != current_user.id and not access.is_coach_of(current_user, team.id):
        abort(403)
    return render_page(
        "insights/member.html",
        team=team,
        person=person,
        kind=_kind(),
        is_coach=access.is_coach_of(current_user, team.id),
        **reports.member_detail(team, person, _kind()),
    )


# --- internal checks ----------------------------------------------------------------------


def _checks_page(team, forms=None, status=200, sample=None):
    sample = sample if sample is not None else services.check_sample(team)
    forms = forms or {}
    return render_page(
        "insights/checks.html",
        status=status,
        team=team,
        sample=sample,
        forms={
            item.id: forms.get(item.id) or CheckForm(formdata=None, prefix=f"c{item.id}")
            for item in sample
        },
        checks=services.recent_checks(team),
        checklist=services.CHECKLIST,
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
    form = CheckForm(prefix=f"c{item.id}")
    if form.validate_on_submit():
        try:
            check = services.record_check(
                current_user,
                team,
                item,
                {key: getattr(form, key).data for key in services.CHECKLIST},
                form.note.data or "",
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
    return _checks_page(team, {item.id: form}, status=422, sample=[item])


# --- the weekly review --------------------------------------------------------------------


@bp.route("/teams/<int:team_id>/insights/review")
@policy(TEAM_MEMBER)
def review(team_id: int):
    team = access.get_team(team_id)
    printable = request.args.get("print") == "1"
    return render_page(
        "insights/review_print.html" if printable else "insights/review.html",
        team=team,
        printable=printable,
        **reports.weekly_review(current_user, team),
    )


# --- CSV exports --------------------------------------------------------------------------


def _csv(filename: str, header: list[str], rows) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise_cell(h) for h in header])
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _round(value):
    return None if value is None else round(value, 2)


EXPORTS = {
    "measures": "Measures by period",
    "sla-by-tier": "Resolved within service level, by tier",
    "gap-by-dimension": "Satisfaction gap by dimension",
    "csat": "CSAT distribution",
    "volumes": "Requests received by function",
    "goals": "Goals",
    "members": "Per-member measures",
    "survey-responses": "Survey responses",
}


@bp.route("/teams/<int:team_id>/insights/export/<name>.csv")
@policy(TEAM_MEMBER)
def export(team_id: int, name: str):
    team = access.get_team(team_id)
    if name not in EXPORTS:
        abort(404)
    kind = _kind()
    # Only plain letters, digits and dashes: a header must not carry quotes or other scripts.
    stem = re.sub(r"[^a-z0-9]+", "-", f"{team.name}-{name}".lower()).strip("-") or name
    if name == "members":
        if not access.is_coach_of(current_user, team.id):
            abort(403)
        data = reports.member_table(team, kind)
        return _csv(
            f"{stem}-{data['period'].start:%Y-%m}.csv",
            ["Member", *[f"{m.label} ({m.unit})" for m in data["columns"]]],
            [[person.name, *map(_round, values)] for person, values in data["rows"]],
        )
    if name == "survey-responses":
        return _survey_csv(team, stem)
    data = reports.dashboard(current_user, team, kind)
    if name == "measures":
        periods = data["periods"]
        rows = [
            [
                GROUPS[row.measure.group],
                row.measure.label,
                row.measure.unit,
                *map(_round, row.values),
            ]
            for _, group_rows in data["table"]
            for row in group_rows
        ]
        return _csv(f"{stem}.csv", ["Group", "Measure", "Unit", *[p.label for p in periods]], rows)
    if name == "goals":
        rows = [
            [
                g.label,
                g.goal.direction.replace("_", " "),
                g.goal.target,
                _round(g.current),
                g.status,
                g.trend or "",
                g.goal.period_kind,
                g.goal.period_start.isoformat(),
                g.goal.period_end.isoformat(),
            ]
            for g in data["goals"]
        ]
        header = [
            "Goal",
            "Direction",
            "Target",
            "Current",
            "Status",
            "Trend",
            "Checked",
            "From",
            "Until (exclusive)",
        ]
        return _csv(f"{stem}.csv", header, rows)
    label = data["period"].label
    tables = {
        "sla-by-tier": (
            ["Tier", f"Resolved within service level % ({label})"],
            data["sla_by_tier"],
        ),
        "gap-by-dimension": (
            ["Dimension", f"Gap ({data['survey_period'].label})"],
            data["gap_by_dimension"],
        ),
        "csat": (["Rating", f"Ratings ({label})"], list(data["csat"].items())),
        "volumes": (["Function", f"Requests received ({label})"], data["volumes"]),
    }
    header, rows = tables[name]
    return _csv(
        f"{stem}.csv", header, [[a, _round(b) if isinstance(b, float) else b] for a, b in rows]
    )


def _survey_csv(team, stem: str) -> Response:
    rows = db.session.execute(
        select(
            SurveyResponse.created_at,
            Account.name,
            User.name,
            ServiceDimension.name,
            SurveyScore.expectation,
            SurveyScore.perception,
            SurveyResponse.comment,
        )
        .join(SurveyScore, SurveyScore.response_id == SurveyResponse.id)
        .join(ServiceDimension, ServiceDimension.id == SurveyScore.dimension_id)
        .join(User, User.id == SurveyResponse.contact_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Account, Account.id == Survey.account_id)
        .where(SurveyResponse.team_id == team.id)
        .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id, ServiceDimension.position)
    )
    return _csv(
        f"{stem}.csv",
        [
            "Answered (UTC)",
            "Account",
            "Contact",
            "Dimension",
            "Expected",
            "Experienced",
            "Gap",
            "Comment",
        ],
        [
            [at.strftime("%Y-%m-%d %H:%M"), account, contact, dimension, e, p, p - e, comment]
            for at, account, contact, dimension, e, p, comment in rows
        ],
    )


# --- admins -------------------------------------------------------------------------------


@bp.route("/insights")
@policy(ADMIN)
def overview():
    teams = db.session.scalars(access.teams_visible_to(current_user)).all()
    kind = _kind()
    return render_page(
        "insights/overview.html",
        teams=teams,
        kind=kind,
        groups=GROUPS,
        **reports.side_by_side(current_user, teams, kind),
    )


def _dimensions_page(form=None, status=200, edit_forms=None, schedule_error=None):
    all_dimensions = services.dimensions(active_only=False)
    edit_forms = edit_forms or {}
    return render_page(
        "insights/dimensions.html",
        status=status,
        tiers=db.session.scalars(select(Tier).order_by(Tier.rank)).all(),
        schedules=services.schedules(),
        schedule_error=schedule_error,
        schedule_form=EmptyForm(),
        form=form or DimensionForm(formdata=None),
        dimensions=all_dimensions,
        edit_forms={
            d.id: edit_forms.get(d.id) or DimensionForm(formdata=None, obj=d, prefix=f"d{d.id}")
            for d in all_dimensions
        },
    )


@bp.route("/insights/dimensions")
@policy(ADMIN)
def dimensions():
    return _dimensions_page()


@bp.route("/insights/dimensions", methods=["POST"])
@policy(ADMIN)
def add_dimension():
    form = DimensionForm()
    if form.validate_on_submit():
        try:
            services.save_dimension(
                current_user, None, form.name.data, form.description.data or "", form.active.data
            )
        except InsightError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Dimension {form.name.data} added.", "success")
            return redirect(url_for("insights.dimensions"), code=303)
    return _dimensions_page(form, 422)


@bp.route("/insights/schedules", methods=["POST"])
@policy(ADMIN)
def save_schedules():
    """Every tier's survey schedule at once: a number of days, or empty for none."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        for tier in db.session.scalars(select(Tier)):
            raw = (request.form.get(f"tier-{tier.id}") or "").strip()
            if raw and not raw.isdigit():
                raise InsightError(f"{tier.name}: give a whole number of days, or leave it empty.")
            services.set_schedule(current_user, tier, int(raw) if raw else None)
    except InsightError as error:
        db.session.rollback()
        return _dimensions_page(status=422, schedule_error=str(error))
    db.session.commit()
    flash("Survey schedules saved: `tick` sends surveys when they fall due.", "success")
    return redirect(url_for("insights.dimensions"), code=303)


@bp.route("/insights/dimensions/<int:dimension_id>", methods=["POST"])
@policy(ADMIN)
def update_dimension(dimension_id: int):
    dimension = db.session.get(ServiceDimension, dimension_id)
    if dimension is None:
        abort(404)
    form = DimensionForm(prefix=f"d{dimension.id}")
    if form.validate_on_submit():
        try:
            services.save_dimension(
                current_user,
                dimension,
                form.name.data,
                form.description.data or "",
                form.active.data,
            )
        except InsightError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"Dimension {form.name.data} saved.", "success")
            return redirect(url_for("insights.dimensions"), code=303)
    return _dimensions_page(status=422, edit_forms={dimension.id: form})
