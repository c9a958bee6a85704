"""An account's relationship page: the customer's key people and their roles, meeting notes
and the plans agreed with the customer, kept with the account for the team that owns it."""

from flask import Blueprint

bp = Blueprint("relationships", __name__)

from . import views  # noqa: E402,F401  (routes register on import)
