"""The customer side: what a contact sees."""

from flask import Blueprint

bp = Blueprint("customer", __name__, url_prefix="/portal")

from . import views  # noqa: E402,F401
