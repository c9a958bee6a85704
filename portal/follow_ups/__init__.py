"""Follow-ups with customers: an account's named member, the follow-ups a low rating or a
survey shortfall opens on the account (portal/follow_up_opening.py), closing one with what
came of it, and the team's list of them. Internal: no customer page shows a follow-up."""

from flask import Blueprint

bp = Blueprint("follow_ups", __name__)

from . import views  # noqa: E402,F401  the routes, declared on `bp`
