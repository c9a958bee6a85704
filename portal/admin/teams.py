"""Teams: the list, creating one, and the team's page (its members are in memberships.py)."""

from __future__ import annotations

from flask import flash, url_for
from flask_login import current_user

from ..access import ADMIN, policy
from ..extensions import db
from ..forms import form_error, offer_zone
from ..htmx import redirect_after_post, render_page
from ..models import Request, Team
from ..requests.clock import recompute_open
from . import bp, pages, queries, services
from .forms import TeamForm


def _teams_page(form, status: int = 200, fragment: str | None = None):
    return render_page(
        "admin/teams.html",
        fragment,
        status=status,
        teams=queries.teams(),
        form=form,
    )


@bp.route("/teams")
@policy(ADMIN)
def teams():
    return _teams_page(TeamForm(formdata=None))


@bp.route("/teams", methods=["POST"])
@policy(ADMIN)
def create_team():
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.create_team(
                current_user,
                name=form.name.data,
                description=form.description.data,
                timezone=form.timezone.data,
                mail_address=form.mail_address.data,
            )
        except services.AdminError as error:
            form_error(form, error, "name")
        else:
            db.session.commit()
            flash(f"Team “{team.name}” created. Now add its members and coaches.", "success")
            return redirect_after_post(url_for("admin.team", team_id=team.id))
    return _teams_page(form, status=422, fragment="admin/_team_form.html")


@bp.route("/teams/<int:team_id>")
@policy(ADMIN)
def team(team_id: int):
    return pages.team_page(db.get_or_404(Team, team_id))


@bp.route("/teams/<int:team_id>", methods=["POST"])
@policy(ADMIN)
def update_team(team_id: int):
    """Rename a team, describe it, give it a mail address, or move it to another time zone
    (due times follow)."""
    team = db.get_or_404(Team, team_id)
    form = TeamForm()
    offer_zone(form.timezone, team.timezone)
    if form.validate_on_submit():
        try:
            changes = services.update_team(
                current_user,
                team,
                name=form.name.data,
                description=form.description.data,
                timezone=form.timezone.data,
                mail_address=form.mail_address.data,
            )
        except services.AdminError as error:
            form_error(form, error, "name")
        else:
            if "timezone" in changes:
                recompute_open(Request.team_id == team.id)
            db.session.commit()
            flash("Team details saved.", "success")
            return redirect_after_post(url_for("admin.team", team_id=team.id))
    return pages.team_page(team, "admin/_team_edit.html", status=422, team_form=form)
