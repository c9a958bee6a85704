"""Admin set-up: teams, people and skills, functions, tiers, accounts, invitations."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import accounts, catalog, memberships, people, teams, views  # noqa: E402,F401
