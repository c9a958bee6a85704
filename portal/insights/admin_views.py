"""The insights pages across teams: every team side by side (admins and coaches), and the
survey dimensions and schedules (admins)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import access
from ..access import ADMIN, Policy, policy
from ..domain.insights import InsightError
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import render_page
from ..models import ServiceDimension, Tier
from . import bp, comparison, services
from .forms import DimensionForm
from .views import KINDS

# Admins, and anyone who coaches a team: comparing teams is a coach's business.
ANY_COACH = Policy(
    "coach of a team",
    lambda user, args: (
        user.is_admin
        or any(access.is_coach_of(user, team_id) for team_id in access.team_ids_of(user))
    ),
)


@bp.route("/insights")
@policy(ANY_COACH)
def overview():
    """Every team side by side; a coach compares their team with the others' figures."""
    kind = request.args.get("period", "month")
    if kind not in KINDS:
        abort(400, "Choose monthly or quarterly periods.")
    return render_page(
        "insights/overview.html", kind=kind, **comparison.side_by_side(current_user, kind)
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
    if _saved(form, None, "added"):
        return redirect(url_for("insights.dimensions"), code=303)
    return _dimensions_page(form, 422)


def _saved(form, dimension, done: str) -> bool:
    """Save a new (`dimension` None) or changed dimension from its posted form and say so;
    False, with the reason on the form, when it is refused."""
    if not form.validate_on_submit():
        return False
    try:
        services.save_dimension(
            current_user, dimension, form.name.data, form.description.data or "", form.active.data
        )
    except InsightError as error:
        db.session.rollback()
        form.name.errors = [str(error)]
        return False
    db.session.commit()
    flash(f"Dimension {form.name.data} {done}.", "success")
    return True


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
    if _saved(form, dimension, "saved"):
        return redirect(url_for("insights.dimensions"), code=303)
    return _dimensions_page(status=422, edit_forms={dimension.id: form})
