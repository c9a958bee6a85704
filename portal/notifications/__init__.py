"""A member's notifications: the list with its unread count, and how each kind reaches them
(the telling itself is portal/notify.py, which the services call)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/me/notifications")

from . import views  # noqa: E402,F401
