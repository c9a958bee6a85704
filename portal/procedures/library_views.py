"""The library every staff member reads: shared procedures, their lineage, and adopting
one into a team. Registered on the procedures blueprint beside views.py."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import access
from ..access import STAFF, policy
from ..domain.review import ReviewError
from ..extensions import db
from ..htmx import redirect_after_post, render_page
from ..models import Team
from . import bp, decisions, shared_library
from .forms import AdoptForm, LibraryFilterForm
from .views import function_choices


def _library_filters() -> LibraryFilterForm:
    form = LibraryFilterForm(request.args)
    form.function.choices = [(0, "Every function"), *function_choices()]
    teams = db.session.scalars(select(Team).order_by(Team.name))
    form.team.choices = [(0, "Every team")] + [(t.id, t.name) for t in teams]
    if not form.validate():
        abort(400)
    return form


@bp.route("/library")
@policy(STAFF)
def library():
    filters = _library_filters()
    rows = shared_library.library(filters.q.data or "", filters.function.data, filters.team.data)
    return render_page(
        "procedures/library.html",
        "procedures/_library_results.html",
        filters=filters,
        rows=rows,
        used_by=shared_library.users_of([p.id for p, _ in rows]),
    )


def _adopt_form(formdata=None) -> AdoptForm:
    form = AdoptForm(formdata=formdata)
    teams = access.my_teams(current_user) or (
        db.session.scalars(access.teams_visible_to(current_user)).all()
        if current_user.is_admin
        else []
    )
    form.team.choices = [(t.id, t.name) for t in teams]
    return form


def _library_item(procedure, form=None, status=200):
    return render_page(
        "procedures/library_item.html",
        status=status,
        procedure=procedure,
        version=procedure.adopted_version,
        used_by=shared_library.users_of([procedure.id]).get(procedure.id, 0),
        lineage=shared_library.lineage(procedure),
        decided=decisions.last_decided_round(procedure),
        form=form or _adopt_form(),
    )


@bp.route("/library/<int:procedure_id>")
@policy(STAFF)
def library_item(procedure_id: int):
    procedure = shared_library.library_procedure(procedure_id)
    if procedure is None:
        abort(404)
    return _library_item(procedure)


@bp.route("/library/<int:procedure_id>/adopt", methods=["POST"])
@policy(STAFF)
def adopt(procedure_id: int):
    procedure = shared_library.library_procedure(procedure_id)
    if procedure is None:
        abort(404)
    form = _adopt_form(request.form)
    if form.validate_on_submit():
        team = db.session.get(Team, form.team.data)
        if not access.can_manage_team(current_user, team.id):
            abort(403)
        try:
            copy = shared_library.adopt_from_library(current_user, procedure, team)
        except ReviewError as error:
            form.team.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Copied into {team.name} as a draft: review it with your own group.", "success")
            return redirect_after_post(
                url_for("procedures.show", team_id=team.id, procedure_id=copy.id)
            )
    return _library_item(procedure, form, status=422)
