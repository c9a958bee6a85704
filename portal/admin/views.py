"""The admin overview and the list of every invitation."""

from flask import request
from sqlalchemy import func, select

from ..access import ADMIN, policy
from ..extensions import db
from ..htmx import render_page
from ..models import (
    Account,
    Contact,
    Function,
    Invitation,
    OutboxMessage,
    Team,
    Tier,
    User,
    listed_staff,
)
from . import bp, queries
from .forms import InvitationFilter


@bp.route("/")
@policy(ADMIN)
def index():
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    counts = {
        "teams": count(Team),
        "people": count(User, listed_staff()),
        "functions": count(Function),
        "tiers": count(Tier),
        "accounts": count(Account),
        "contacts": count(Contact),
        "invitations": count(Invitation, Invitation.accepted_at.is_(None)),
        "failed_mail": count(OutboxMessage, OutboxMessage.failed_at.is_not(None)),
    }
    return render_page("admin/index.html", counts=counts)


@bp.route("/invitations")
@policy(ADMIN)
def invitations():
    filters = InvitationFilter(request.args)
    status = filters.status.data if filters.validate() else ""
    return render_page(
        "admin/invitations.html",
        "admin/_invitation_results.html",
        filters=filters,
        chosen=status,
        invitations=queries.invitations(status),
    )
