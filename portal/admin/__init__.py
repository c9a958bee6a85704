"""Admin set-up: teams, people and skills, functions, tiers, accounts, invitations, and the
mail delivery gave up on."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402,F401
    accounts,
    catalog,
    mail,
    memberships,
    people,
    service_levels,
    teams,
    views,
)
