"""Handoffs from the owner's side: the pieces of other requests handed to me, from any team."""

from flask import Blueprint

bp = Blueprint("handoffs", __name__, url_prefix="/handoffs")

from . import views  # noqa: E402,F401
