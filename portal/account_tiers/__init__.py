"""Accounts by rule: an account's economics, the tier rule that ranks accounts by them, the
suggested tier with its reasons, and a coach's decision (accept or override, with a reason),
every change kept."""

from flask import Blueprint

bp = Blueprint("account_tiers", __name__)

from . import views  # noqa: E402,F401  the routes, declared on `bp`
