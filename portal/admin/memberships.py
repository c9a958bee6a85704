"""Memberships, managed from either side: a team's page (its people) or a person's page (their
teams). Both show `admin/_memberships.html`; each route names its side and shares the logic."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from ..access import ADMIN, policy
from ..extensions import db
from ..forms import form_error
from ..models import Team
from . import bp, pages, queries, services
from .common import saved
from .forms import RoleForm

TEAM, PERSON = "team", "person"


def _page(side: str, owner, status: int = 200, **overrides):
    if side == TEAM:
        return pages.team_page(owner, status=status, **overrides)
    return pages.person_page(owner, pages.MEMBERSHIPS, status=status, **overrides)


def _url(side: str, owner) -> str:
    if side == TEAM:
        return url_for("admin.team", team_id=owner.id)
    return url_for("admin.person", user_id=owner.id)


def _done(side: str, owner, message: str):
    return saved(message, _url(side, owner), lambda: _page(side, owner))


def _add(side: str, owner):
    form = pages.membership_form(side, owner)
    if form.validate_on_submit():
        if side == TEAM:
            team, person = owner, queries.get_staff(form.other.data)
        else:
            team, person = db.get_or_404(Team, form.other.data), owner
        try:
            services.add_member(current_user, team, person, form.role.data)
        except services.AdminError as error:
            form_error(form, error, "other")
        else:
            return _done(side, owner, f"{person.name} joined {team.name} as {form.role.data}.")
    return _page(side, owner, 422, add_form=form)


def _change_role(side: str, team_id: int, user_id: int):
    membership = queries.get_membership(team_id, user_id)
    owner = membership.team if side == TEAM else membership.user
    form = RoleForm()
    if not form.validate_on_submit():
        return _page(side, owner, 422, membership_error=" ".join(form.role.errors))
    services.change_role(current_user, membership, form.role.data)
    return _done(
        side, owner, f"{membership.user.name} is now a {form.role.data} of {membership.team.name}."
    )


def _remove(side: str, team_id: int, user_id: int):
    membership = queries.get_membership(team_id, user_id)
    owner = membership.team if side == TEAM else membership.user
    message = f"{membership.user.name} left {membership.team.name}."
    services.remove_member(current_user, membership)
    return _done(side, owner, message)


@bp.route("/teams/<int:team_id>/members", methods=["POST"])
@policy(ADMIN)
def add_member(team_id: int):
    return _add(TEAM, db.get_or_404(Team, team_id))


@bp.route("/people/<int:user_id>/teams", methods=["POST"])
@policy(ADMIN)
def join_team(user_id: int):
    return _add(PERSON, queries.get_staff(user_id))


@bp.route("/teams/<int:team_id>/members/<int:user_id>/role", methods=["POST"])
@policy(ADMIN)
def change_member_role(team_id: int, user_id: int):
    return _change_role(TEAM, team_id, user_id)


@bp.route("/people/<int:user_id>/teams/<int:team_id>/role", methods=["POST"])
@policy(ADMIN)
def change_team_role(user_id: int, team_id: int):
    return _change_role(PERSON, team_id, user_id)


@bp.route("/teams/<int:team_id>/members/<int:user_id>/remove", methods=["POST"])
@policy(ADMIN)
def remove_member(team_id: int, user_id: int):
    return _remove(TEAM, team_id, user_id)


@bp.route("/people/<int:user_id>/teams/<int:team_id>/remove", methods=["POST"])
@policy(ADMIN)
def leave_team(user_id: int, team_id: int):
    return _remove(PERSON, team_id, user_id)
