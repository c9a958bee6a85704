"""The team workspace's shared inbox: the fair queue and the request detail beside it."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/teams/<int:team_id>")

from . import canned_views, list_views, log_views, request_views  # noqa: E402,F401
