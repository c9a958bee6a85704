"""API tokens, managed on the web: a team's integration tokens (its coach, or an admin) and a
contact's personal tokens."""

from flask import Blueprint

bp = Blueprint("api_tokens", __name__)

from . import views  # noqa: E402,F401  the routes, declared on `bp`
