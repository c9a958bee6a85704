"""People (staff): the list with filters, inviting staff, and a person's page: details, admin
flag, skills (inline), and deactivation. Their teams are in memberships.py."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from ..access import ADMIN, policy
from ..extensions import db
from ..forms import form_error, prefix_ids
from ..htmx import render_page
from ..invitations import services as invitations
from ..models import Function, Team
from ..web import render_error
from . import bp, pages, queries, services
from .common import saved
from .forms import InviteStaffForm, PeopleFilter, PersonForm, SkillLevelForm


def _invite_form(*, blank: bool = False) -> InviteStaffForm:
    form = InviteStaffForm(formdata=None) if blank else InviteStaffForm()
    form.team.choices = queries.team_choices(blank="No team yet")
    return prefix_ids(form, "invite")  # the filter above has a "team" field too


def _people_page(fragment: str, invite_form=None, status: int = 200):
    filters = PeopleFilter(request.args)
    filters.team.choices = queries.team_choices(blank="All teams")
    q = (filters.q.data or "")[:120]
    return render_page(
        "admin/people.html",
        fragment,
        status=status,
        filters=filters,
        people=queries.people(filters.team.data, q),
        invite_form=invite_form or _invite_form(blank=True),
    )


@bp.route("/people")
@policy(ADMIN)
def people():
    return _people_page("admin/_people_results.html")


@bp.route("/people/invitations", methods=["POST"])
@policy(ADMIN)
def invite_staff():
    form = _invite_form()
    if form.validate_on_submit():
        team = db.get_or_404(Team, form.team.data) if form.team.data else None
        try:
            invitation = invitations.invite_staff(
                current_user,
                email=form.email.data,
                name=form.name.data,
                team=team,
                role=form.role.data if team else None,
            )
        except invitations.InvitationError as error:
            form_error(form, error, "email")
        else:
            return saved(
                f"Invitation sent to {invitation.email}.",
                url_for("admin.people"),
                lambda: _people_page("admin/_invite_staff.html", _invite_form(blank=True)),
            )
    return _people_page("admin/_invite_staff.html", form, status=422)


# --- one person -----------------------------------------------------------------------------

DETAILS = "admin/_person_details.html"
SKILLS = "admin/_person_skills.html"


@bp.route("/people/<int:user_id>")
@policy(ADMIN)
def person(user_id: int):
    return pages.person_page(queries.get_staff(user_id))


@bp.route("/people/<int:user_id>", methods=["POST"])
@policy(ADMIN)
def update_person(user_id: int):
    person = queries.get_staff(user_id)
    form = PersonForm()
    if form.validate_on_submit():
        try:
            services.update_person(
                current_user, person, name=form.name.data, is_admin=form.is_admin.data
            )
        except services.AdminError as error:
            form_error(form, error, "name")
        else:
            url = url_for("admin.person", user_id=person.id)
            return saved(f"{person.name} saved.", url, lambda: pages.person_page(person, DETAILS))
    return pages.person_page(person, DETAILS, status=422, details_form=form)


def _set_active(user_id: int, action, message: str):
    person = queries.get_staff(user_id)
    try:
        action(current_user, person)
    except services.AdminError as error:
        return render_error(403, str(error))
    url = url_for("admin.person", user_id=person.id)
    return saved(message.format(name=person.name), url, lambda: pages.person_page(person, DETAILS))


@bp.route("/people/<int:user_id>/deactivate", methods=["POST"])
@policy(ADMIN)
def deactivate_person(user_id: int):
    return _set_active(
        user_id,
        services.deactivate_user,
        "{name} is deactivated and signed out everywhere. Their history is kept.",
    )


@bp.route("/people/<int:user_id>/reactivate", methods=["POST"])
@policy(ADMIN)
def reactivate_person(user_id: int):
    return _set_active(user_id, services.reactivate_user, "{name} can sign in again.")


# --- skills, inline -------------------------------------------------------------------------


def _skills_done(person, message: str):
    url = url_for("admin.person", user_id=person.id)
    return saved(message, url, lambda: pages.person_page(person, SKILLS))


@bp.route("/people/<int:user_id>/skills", methods=["POST"])
@policy(ADMIN)
def add_skill(user_id: int):
    person = queries.get_staff(user_id)
    form = pages.skill_form(person)
    if form.validate_on_submit():
        function = db.get_or_404(Function, form.function.data)
        try:
            services.add_skill(current_user, person, function, form.level.data)
        except services.AdminError as error:
            form_error(form, error, "function")
        else:
            return _skills_done(person, f"{function.name} skill added for {person.name}.")
    return pages.person_page(person, SKILLS, status=422, skill_form=form)


@bp.route("/people/<int:user_id>/skills/<int:skill_id>", methods=["POST"])
@policy(ADMIN)
def change_skill(user_id: int, skill_id: int):
    person = queries.get_staff(user_id)
    skill = queries.get_skill(person, skill_id)
    form = SkillLevelForm()
    if not form.validate_on_submit():
        return pages.person_page(
            person, SKILLS, status=422, skill_error=" ".join(form.level.errors)
        )
    services.change_skill_level(current_user, skill, form.level.data)
    return _skills_done(person, f"{skill.function.name} is now level {form.level.data}.")


@bp.route("/people/<int:user_id>/skills/<int:skill_id>/remove", methods=["POST"])
@policy(ADMIN)
def remove_skill(user_id: int, skill_id: int):
    person = queries.get_staff(user_id)
    skill = queries.get_skill(person, skill_id)
    name = skill.function.name
    services.remove_skill(current_user, skill)
    return _skills_done(person, f"{name} skill removed from {person.name}.")
