"""The customer side of procedures: the reference group, stances, "you said, we did", and
"How we work with you"."""

from flask import Blueprint

bp = Blueprint("reference", __name__, url_prefix="/portal")

from . import views  # noqa: E402,F401
