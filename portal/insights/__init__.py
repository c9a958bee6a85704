"""Insights: relationship surveys, team goals, the dashboard, per-member measures, internal
checks and the weekly team review."""

from flask import Blueprint

bp = Blueprint("insights", __name__)

from . import admin_views, exports, survey_views, views  # noqa: E402,F401
