from flask import Blueprint

bp = Blueprint("invitations", __name__, url_prefix="/invitations")

from . import views  # noqa: E402,F401
