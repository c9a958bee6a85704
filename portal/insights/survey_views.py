"""Survey pages: a team sending relationship surveys, and the survey a contact answers
from the mailed link or from their own list."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import access
from ..access import CONTACT, PUBLIC, TEAM_COACH, TEAM_MEMBER, policy
from ..domain import insights as rules
from ..domain.insights import InsightError
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..htmx import render_page
from ..limits import LINK_POSTS, contact_write
from ..models import Account, SurveyInvitation, utcnow
from . import bp, services
from .forms import SendSurveyForm


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
