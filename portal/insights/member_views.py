"""One member's page: their measures, their internal checks and their own targets. The
member sees their own; the team's coaches (and admins) see anyone's in the team and set
targets; another member of the team is refused (403), anyone outside the team gets 404."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, request, url_for
from flask_login import current_user

from .. import access
from ..access import TEAM_COACH, TEAM_MEMBER, policy
from ..domain.insights import InsightError
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import after_write, render_page
from ..models import MemberTarget, User
from ..reader_zone import team_today
from . import bp, reports, targets
from .forms import TargetForm
from .views import period_kind


def _person(team, user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None or person not in reports.members(team):
        abort(404)
    return person


def _target_form(team, formdata=None) -> TargetForm:
    form = TargetForm(formdata=formdata)
    if formdata is None:  # the team's month: on the 1st east of UTC, UTC is still last month
        form.month.data = team_today(team).replace(day=1)
    form.measure.choices = targets.measure_choices()
    form.direction.choices = [
        ("", "As the measure: better is the usual way"),
        *form.direction.choices,
    ]
    return form


def _page(team, person, target_form=None, status=200):
    is_coach = access.is_coach_of(current_user, team.id)
    return render_page(
        "insights/member.html",
        "insights/_targets.html",
        status=status,
        team=team,
        person=person,
        kind=period_kind(),
        is_coach=is_coach,
        targets=targets.for_member(team, person),
        target_form=(target_form or _target_form(team)) if is_coach else None,
        delete_form=EmptyForm(formdata=None),
        **reports.member_detail(team, person, period_kind()),
    )


@bp.route("/teams/<int:team_id>/insights/members/<int:user_id>")
@policy(TEAM_MEMBER)
def member(team_id: int, user_id: int):
    """A member sees their own measures; only the coach (or an admin) sees anyone's."""
    team = access.get_team(team_id)
    person = _person(team, user_id)
    if person.id != current_user.id and not access.is_coach_of(current_user, team.id):
        abort(403)
    return _page(team, person)


def _to_targets(team, person):
    return after_write(
        url_for("insights.member", team_id=team.id, user_id=person.id) + "#targets",
        lambda: _page(team, person),
    )


@bp.route("/teams/<int:team_id>/insights/members/<int:user_id>/targets", methods=["POST"])
@policy(TEAM_COACH)
def add_target(team_id: int, user_id: int):
    team = access.get_team(team_id)
    person = _person(team, user_id)
    form = _target_form(team, request.form)
    if form.validate_on_submit():
        try:
            targets.create_target(
                current_user,
                team,
                person,
                measure=form.measure.data,
                period_kind=form.period_kind.data,
                month=form.month.data,
                target=form.target.data if isinstance(form.target.data, Decimal) else None,
                direction=form.direction.data,
                note=form.note.data or "",
            )
        except InsightError as error:
            db.session.rollback()
            field = form._fields.get(error.field or "", form.target)
            field.errors = [*field.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Target set for {person.name}: they see it on their page.", "success")
            return _to_targets(team, person)
    return _page(team, person, target_form=form, status=422)


@bp.route(
    "/teams/<int:team_id>/insights/members/<int:user_id>/targets/<int:target_id>/delete",
    methods=["POST"],
)
@policy(TEAM_COACH)
def delete_target(team_id: int, user_id: int, target_id: int):
    team = access.get_team(team_id)
    person = _person(team, user_id)
    row = db.session.get(MemberTarget, target_id)
    if row is None or row.team_id != team.id or row.member_id != person.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    targets.delete_target(current_user, row)
    db.session.commit()
    flash("Target removed.", "success")
    return _to_targets(team, person)
