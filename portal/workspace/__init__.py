"""The team workspace: a team's home, its accounts and their contacts."""

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/teams")

from . import views  # noqa: E402,F401
