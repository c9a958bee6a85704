"""Failed mail: the messages delivery gave up on, each retried (queued again with fresh
attempts) or discarded by an admin. The outbox rules live in portal/mail.py. And mail that
reached no team's address, which an admin sends to the team it is for."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import mail
from ..access import ADMIN, policy
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import render_page
from ..models import InboundMail, OutboxMessage
from ..team_mail import services as team_mail
from ..team_mail.views import download_original
from . import bp, queries
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


UNADDRESSED = "admin/_unaddressed_mail.html"


def _unaddressed_page(fragment: str | None = None):
    return render_page(
        "admin/unaddressed_mail.html",
        fragment,
        mails=team_mail.unaddressed(),
        teams=queries.team_choices(),
        form=EmptyForm(),
    )


@bp.route("/mail/unaddressed")
@policy(ADMIN)
def unaddressed_mail():
    return _unaddressed_page(UNADDRESSED)


@bp.route("/mail/unaddressed/<int:mail_id>/team", methods=["POST"])
@policy(ADMIN)
def send_mail_to_team(mail_id: int):
    item = db.session.get(InboundMail, mail_id)
    teams = dict(queries.team_choices())
    team_id = request.form.get("team", type=int)
    if item is None or item.team_id is not None:
        abort(404)
    if not EmptyForm().validate_on_submit() or team_id not in teams:
        abort(400)
    try:
        team_mail.send_to_team(current_user, item, team_id, teams[team_id])
    except team_mail.MailActionError as error:
        flash(str(error), "error")
        return _unaddressed_page(UNADDRESSED)
    return saved(
        f"Sent to {teams[team_id]}: it waits on that team's Mail page.",
        url_for("admin.unaddressed_mail"),
        lambda: _unaddressed_page(UNADDRESSED),
    )


@bp.route("/mail/unaddressed/<int:mail_id>/original")
@policy(ADMIN)
def unaddressed_original(mail_id: int):
    item = db.session.get(InboundMail, mail_id)
    if item is None or item.team_id is not None:
        abort(404)
    return download_original(item)
