"""Accounts: the list with filters, creating one, and an account's page: its details (a move
to another team is audited), its contacts and their invitations."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..access import ADMIN, policy
from ..extensions import db
from ..forms import form_error
from ..htmx import redirect_after_post, render_page
from ..invitations import services as invitations
from ..models import Account, Team, Tier
from ..workspace.forms import InviteContactForm
from . import bp, pages, queries, services
from .common import saved
from .forms import AccountFilter, ContactVisibilityForm

ACCOUNT = "admin/_account.html"
STALE = "One of its open requests changed while you saved, so nothing was saved. Save again."
CONTACTS = "admin/_account_contacts.html"


def _accounts_page(fragment: str, form=None, status: int = 200):
    filters = AccountFilter(request.args)
    filters.team.choices = queries.team_choices(blank="All teams")
    filters.tier.choices = queries.tier_choices(blank="All tiers")
    q = (filters.q.data or "")[:120]
    return render_page(
        "admin/accounts.html",
        fragment,
        status=status,
        filters=filters,
        accounts=queries.accounts(filters.team.data, filters.tier.data, q),
        form=form or pages.account_form(blank=True),
    )


@bp.route("/accounts")
@policy(ADMIN)
def accounts():
    return _accounts_page("admin/_account_results.html")


def _account_fields(form) -> dict:
    return {
        "name": form.name.data,
        "team": db.get_or_404(Team, form.team.data),
        "tier": db.get_or_404(Tier, form.tier.data),
        "shares_visibility": form.shares_visibility.data,
        "timezone": form.timezone.data or None,  # "": the owning team's
    }


@bp.route("/accounts", methods=["POST"])
@policy(ADMIN)
def create_account():
    form = pages.account_form()
    if form.validate_on_submit():
        try:
            account = services.create_account(current_user, **_account_fields(form))
        except services.AdminError as error:
            form_error(form, error, "name")
        else:
            db.session.commit()
            flash(f"Account “{account.name}” created. Invite its contacts next.", "success")
            return redirect_after_post(url_for("admin.account", account_id=account.id))
    return _accounts_page("admin/_account_form.html", form, status=422)


@bp.route("/accounts/<int:account_id>")
@policy(ADMIN)
def account(account_id: int):
    return pages.account_page(db.get_or_404(Account, account_id))


@bp.route("/accounts/<int:account_id>", methods=["POST"])
@policy(ADMIN)
def update_account(account_id: int):
    account = db.get_or_404(Account, account_id)
    form = pages.account_form(account)
    if form.validate_on_submit():
        try:
            changes = services.update_account(
                current_user,
                account,
                **_account_fields(form),
                open_requests=form.open_requests.data,
            )
        except (services.AdminError, StaleDataError) as error:
            db.session.rollback()
            account = db.get_or_404(Account, account_id)
            if isinstance(error, StaleDataError):  # a member changed a request meanwhile
                error = services.AdminError(STALE, "team")
            form_error(form, error, "name")
        else:
            moved = _moved_message(account, form.open_requests.data) if "team_id" in changes else ""
            url = url_for("admin.account", account_id=account.id)
            return saved(
                f"{account.name} saved.{moved}", url, lambda: pages.account_page(account, ACCOUNT)
            )
    return pages.account_page(account, ACCOUNT, status=422, details_form=form)


def _moved_message(account, open_requests: str) -> str:
    where = "moved with it" if open_requests == services.MOVE_REQUESTS else "stay where they were"
    return f" It now belongs to {account.team.name}; its open requests {where}."


# --- contacts --------------------------------------------------------------------------------


def _contacts_done(account, message: str):
    url = url_for("admin.account", account_id=account.id)
    return saved(message, url, lambda: pages.account_page(account, CONTACTS))


@bp.route("/accounts/<int:account_id>/contacts/<int:contact_id>/visibility", methods=["POST"])
@policy(ADMIN)
def set_contact_visibility(account_id: int, contact_id: int):
    account = db.get_or_404(Account, account_id)
    contact = queries.get_contact(account, contact_id)
    form = ContactVisibilityForm()
    form.validate_on_submit()  # a checkbox: absent means off, so nothing can be invalid
    sees = form.sees_account_requests.data
    services.set_contact_visibility(current_user, contact, sees)
    what = "now sees the account's requests" if sees else "now sees only their own requests"
    return _contacts_done(account, f"{contact.user.name} {what}.")


def _contact_active(account_id: int, contact_id: int, action, message: str):
    account = db.get_or_404(Account, account_id)
    contact = queries.get_contact(account, contact_id)
    action(current_user, contact.user)  # contacts are never admins: no self-deactivation
    return _contacts_done(account, message.format(name=contact.user.name))


@bp.route("/accounts/<int:account_id>/contacts/<int:contact_id>/deactivate", methods=["POST"])
@policy(ADMIN)
def deactivate_contact(account_id: int, contact_id: int):
    return _contact_active(
        account_id,
        contact_id,
        services.deactivate_user,
        "{name} is deactivated and signed out everywhere. Their requests are kept.",
    )


@bp.route("/accounts/<int:account_id>/contacts/<int:contact_id>/reactivate", methods=["POST"])
@policy(ADMIN)
def reactivate_contact(account_id: int, contact_id: int):
    return _contact_active(
        account_id, contact_id, services.reactivate_user, "{name} can sign in again."
    )


@bp.route("/accounts/<int:account_id>/invitations", methods=["POST"])
@policy(ADMIN)
def invite_contact(account_id: int):
    account = db.get_or_404(Account, account_id)
    form = InviteContactForm()
    if form.validate_on_submit():
        try:
            invitation = invitations.invite_contact(
                current_user, account, email=form.email.data, name=form.name.data
            )
        except invitations.InvitationError as error:
            form_error(form, error, "email")
        else:
            return _contacts_done(account, f"Invitation sent to {invitation.email}.")
    return pages.account_page(account, CONTACTS, status=422, invite_form=form)
