"""Insights: relationship surveys, team goals, the dashboard, per-member measures, internal
checks and the weekly team review."""

from flask import Blueprint

bp = Blueprint("insights", __name__)

from . import views  # noqa: E402,F401
