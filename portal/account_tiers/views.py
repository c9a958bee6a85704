"""An account's economics and tier decision (its team's coach, or an admin), answered with
the tier cards (htmx), a redirect to the account page, or, when a plain form was refused, a
page of the cards alone with the errors; and the tier rule (admins)."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import access, reference
from ..access import ADMIN, TEAM_COACH, policy
from ..domain.economics_csv import READERS
from ..extensions import db
from ..htmx import after_write, redirect_after_post, render_page
from ..models import Tier
from . import bp, cards, services
from .forms import ApplyImportForm, EconomicsForm, ImportForm, ThresholdsForm, TierDecisionForm


def _cards(account, status=200, **forms):
    return render_page(
        "account_tiers/account.html",
        "account_tiers/_cards.html",
        status=status,
        account=account,
        team=account.team,
        **cards.context(account, manage=True, **forms),
    )


def _saved(account, message: str):
    flash(message, "success")
    return after_write(
        url_for("workspace.account", team_id=account.team_id, account_id=account.id),
        lambda: _cards(account),
    )


@bp.route("/teams/<int:team_id>/accounts/<int:account_id>/economics", methods=["POST"])
@policy(TEAM_COACH)
def economics(team_id: int, account_id: int):
    account = access.get_account(account_id, team_id=team_id)
    form = EconomicsForm()
    if not form.validate_on_submit():
        return _cards(account, 422, economics_form=form)
    figures = {name: getattr(form, name).data for name in services.ECONOMICS}
    try:
        changed = services.update_economics(current_user, account, **figures)
    except services.TierError as error:
        getattr(form, error.field).errors.append(str(error))
        return _cards(account, 422, economics_form=form)
    db.session.commit()
    return _saved(account, "Figures saved." if changed else "Nothing changed.")


@bp.route("/teams/<int:team_id>/accounts/<int:account_id>/tier", methods=["POST"])
@policy(TEAM_COACH)
def decide(team_id: int, account_id: int):
    account = access.get_account(account_id, team_id=team_id)
    form = TierDecisionForm()
    form.tier.choices = [(t.id, t.name) for t in reference.tiers()]
    if not form.validate_on_submit():
        return _cards(account, 422, tier_form=form)
    try:
        tier = db.session.get(Tier, form.tier.data)
        services.decide(current_user, account, tier, form.reason.data)
    except services.TierError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return _cards(access.get_account(account_id, team_id=team_id), 422, tier_form=form)
    db.session.commit()
    return _saved(account, f"{account.name} is now a {account.tier.name} account.")


def _rule_page(refused: Tier | None = None, form=None, status=200):
    tiers = list(db.session.scalars(select(Tier).order_by(Tier.rank)))
    forms = [(t, form if t is refused else ThresholdsForm(formdata=None, obj=t)) for t in tiers]
    return render_page("account_tiers/rule.html", status=status, forms=forms)


@bp.route("/admin/tier-rule")
@policy(ADMIN)
def rule():
    return _rule_page()


@bp.route("/admin/tier-rule/<int:tier_id>", methods=["POST"])
@policy(ADMIN)
def save_rule(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    form = ThresholdsForm()
    if not form.validate_on_submit():
        return _rule_page(tier, form, status=422)
    try:
        services.save_rule(current_user, tier, **{n: getattr(form, n).data for n in services.RULE})
    except services.TierError as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return _rule_page(db.session.get(Tier, tier_id), form, status=422)
    db.session.commit()
    flash(f"{tier.name}: rule saved. Every account's suggestion follows it now.", "success")
    return after_write(url_for(".rule"), _rule_page)


def _import_page(team, form=None, parsed=None, text="", status=200):
    return render_page(
        "account_tiers/import.html",
        status=status,
        team=team,
        form=form or ImportForm(formdata=None),
        parsed=parsed,
        apply_form=ApplyImportForm(formdata=None, text=text) if parsed and parsed.ok else None,
        labels=IMPORT_LABELS,
    )


IMPORT_LABELS = {name: label.capitalize() for name, (_, label, _) in READERS.items()}


@bp.route("/teams/<int:team_id>/accounts/figures")
@policy(TEAM_COACH)
def import_figures(team_id: int):
    return _import_page(access.get_team(team_id))


@bp.route("/teams/<int:team_id>/accounts/figures/preview", methods=["POST"])
@policy(TEAM_COACH)
def preview_figures(team_id: int):
    """Read the file and show every row, changed figures and errors; save nothing."""
    team = access.get_team(team_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(team, form, status=422)
    try:
        text = services.read_upload(form.file.data.read()) if form.file.data else form.text.data
    except services.TierError as error:
        form.file.errors.append(str(error))
        return _import_page(team, form, status=422)
    text = text or ""
    if not text.strip():
        form.file.errors.append("Choose a file, or paste the rows.")
        return _import_page(team, form, status=422)
    parsed = services.read_import(team, text)
    return _import_page(team, form, parsed, text, status=200 if parsed.ok else 422)


@bp.route("/teams/<int:team_id>/accounts/figures", methods=["POST"])
@policy(TEAM_COACH)
def apply_figures(team_id: int):
    """Save every row of a previewed file, or none."""
    team = access.get_team(team_id)
    form = ApplyImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = services.apply_import(current_user, team, form.text.data)
    except services.TierError:
        db.session.rollback()
        parsed = services.read_import(team, form.text.data)
        return _import_page(team, parsed=parsed, status=422)
    db.session.commit()
    flash(
        f"Figures saved: {changed} {'account' if changed == 1 else 'accounts'} changed.", "success"
    )
    return redirect_after_post(url_for("workspace.team_home", team_id=team.id))
