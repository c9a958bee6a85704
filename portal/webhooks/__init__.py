"""Webhooks: a team's endpoints, told of what happens to its requests and procedures, with
signed deliveries sent by `tick` (delivery.py). What is announced, and when, is
portal/webhook_events.py."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from . import views  # noqa: E402,F401  the routes, declared on `bp`
