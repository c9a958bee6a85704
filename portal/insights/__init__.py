"""Insights: relationship surveys, team goals, the dashboard, per-member measures, internal
checks, the weekly team review, the cross-training plan and members' own targets."""

from flask import Blueprint

bp = Blueprint("insights", __name__)

from . import admin_views, exports, member_views, skill_views, survey_views, views  # noqa: E402,F401
