"""The team's procedures: drafts, versions, review rounds, decisions, and the shared library."""

from flask import Blueprint

bp = Blueprint("procedures", __name__)

from . import library_views, views  # noqa: E402,F401
