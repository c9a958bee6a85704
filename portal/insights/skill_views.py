"""The team's skills and cross-training plan: every member reads it, the coach changes
skills and learning entries. One page, one fragment (`#plan`) every form swaps."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user

from .. import access
from ..access import TEAM_COACH, TEAM_MEMBER, policy
from ..domain.cross_training import CrossTrainingError
from ..extensions import db
from ..forms import EmptyForm, form_error
from ..htmx import after_write, render_page
from ..models import Function, LearningEntry, User
from . import bp
from . import cross_training as plans
from .forms import LearningForm, SetSkillForm

PAGE, FRAGMENT = "insights/skills.html", "insights/_plan.html"


def _choices(form, team, data: dict | None = None):
    """The team's active members and the active functions: a choice outside them is a form
    error (the service checks again)."""
    members = data["members"] if data else plans.team_members(team)
    functions = data["functions"] if data else plans.team_functions()
    form.member.choices = [(m.id, m.name) for m in members]
    form.function.choices = [(f.id, f.name) for f in functions]
    return form


def _page(team, *, skill_form=None, learning_form=None, status=200):
    data = plans.plan(team)
    return render_page(
        PAGE,
        FRAGMENT,
        status=status,
        team=team,
        is_coach=access.is_coach_of(current_user, team.id),
        skill_form=_choices(skill_form or SetSkillForm(formdata=None), team, data),
        learning_form=_choices(learning_form or LearningForm(formdata=None), team, data),
        drop_form=EmptyForm(formdata=None),
        **data,
    )


def _done(team, message: str):
    flash(message, "success")
    return after_write(url_for("insights.skills", team_id=team.id) + "#plan", lambda: _page(team))


@bp.route("/teams/<int:team_id>/insights/skills")
@policy(TEAM_MEMBER)
def skills(team_id: int):
    return _page(access.get_team(team_id))


@bp.route("/teams/<int:team_id>/insights/skills", methods=["POST"])
@policy(TEAM_COACH)
def set_skill(team_id: int):
    team = access.get_team(team_id)
    form = _choices(SetSkillForm(), team)
    if form.validate_on_submit():
        try:
            message = plans.set_level(
                current_user,
                team,
                db.session.get(User, form.member.data),
                db.session.get(Function, form.function.data),
                form.level.data,
            )
        except CrossTrainingError as error:
            db.session.rollback()
            form_error(form, error, "level")
        else:
            db.session.commit()
            return _done(team, message)
    return _page(team, skill_form=form, status=422)


@bp.route("/teams/<int:team_id>/insights/learning", methods=["POST"])
@policy(TEAM_COACH)
def add_learning(team_id: int):
    team = access.get_team(team_id)
    form = _choices(LearningForm(), team)
    if form.validate_on_submit():
        try:
            entry = plans.add_entry(
                current_user,
                team,
                member=db.session.get(User, form.member.data),
                function=db.session.get(Function, form.function.data),
                target_level=form.target_level.data,
                target_on=form.target_on.data,
                note=form.note.data or "",
            )
        except CrossTrainingError as error:
            db.session.rollback()
            form_error(form, error, "target_level")
        else:
            db.session.commit()
            return _done(
                team,
                f"{entry.member.name} is learning {entry.function.name}: "
                f"level {entry.target_level} by {entry.target_on:%-d %b %Y}.",
            )
    return _page(team, learning_form=form, status=422)


@bp.route("/teams/<int:team_id>/insights/learning/<int:entry_id>/drop", methods=["POST"])
@policy(TEAM_COACH)
def drop_learning(team_id: int, entry_id: int):
    team = access.get_team(team_id)
    entry = db.session.get(LearningEntry, entry_id)
    if entry is None or entry.team_id != team.id:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        plans.drop_entry(current_user, entry)
    except CrossTrainingError as error:
        flash(str(error), "error")
        return after_write(
            url_for("insights.skills", team_id=team.id) + "#plan", lambda: _page(team)
        )
    db.session.commit()
    return _done(team, f"Dropped: {entry.member.name} learning {entry.function.name}.")
