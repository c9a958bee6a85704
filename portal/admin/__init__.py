"""Admin set-up: teams, people and skills, functions, tiers, accounts, invitations, the mail
delivery gave up on, and the audit log of who changed what."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402,F401
    accounts,
    audit_log,
    catalog,
    mail,
    memberships,
    people,
    service_levels,
    teams,
    views,
)
