"""Failed mail: the messages delivery gave up on, each retried (queued again with fresh
attempts) or discarded by an admin. The outbox rules live in portal/mail.py."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import mail
from ..access import ADMIN, policy
from ..extensions import db
from ..htmx import render_page
from ..models import OutboxMessage
from . import bp
from .common import saved

FAILED_MAIL = "admin/_failed_mail.html"


def _page(fragment: str | None = None):
    messages, total = mail.failed_mail()
    return render_page("admin/failed_mail.html", fragment, messages=messages, total=total)


def _failed_or_404(message_id: int) -> OutboxMessage:
    """Only a failed message can be retried or discarded; any other id is not found."""
    message = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.failed_at.is_not(None)
        )
    )
    if message is None:
        abort(404)
    return message


def _done(text: str):
    return saved(text, url_for("admin.failed_mail"), lambda: _page(FAILED_MAIL))


@bp.route("/mail/failed")
@policy(ADMIN)
def failed_mail():
    return _page(FAILED_MAIL)


@bp.route("/mail/<int:message_id>/retry", methods=["POST"])
@policy(ADMIN)
def retry_mail(message_id: int):
    message = _failed_or_404(message_id)
    mail.retry(current_user, message)
    return _done(f"The message to {message.recipient} is queued again.")


@bp.route("/mail/<int:message_id>/discard", methods=["POST"])
@policy(ADMIN)
def discard_mail(message_id: int):
    message = _failed_or_404(message_id)
    recipient = message.recipient
    mail.discard(current_user, message)
    return _done(f"The message to {recipient} is discarded.")
