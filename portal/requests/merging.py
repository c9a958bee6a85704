"""Merging a duplicate into another request of the same team."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from sqlalchemy import update

from .. import access, mail_threads
from ..extensions import db
from ..mail import queue_mail
from ..models import Attachment, Entry, Handoff, Request, User, utcnow
from ..models.request import CLOSED
from . import clock
from .errors import RequestError
from .services import mark_active, record_event


def merge(actor: User, duplicate: Request, survivor: Request) -> None:
    """Fold a duplicate into another request of the same team: its timeline, files,
    handoffs and chases move; the duplicate closes and points at the survivor; its
    requester is told where their request continues."""
    if duplicate.id == survivor.id:
        raise RequestError("A request cannot be merged into itself.")
    if survivor.team_id != duplicate.team_id:
        raise RequestError("Both requests must belong to this team.")
    if duplicate.merged_into_id or survivor.merged_into_id:
        raise RequestError("One of these requests was already merged.")
    if not survivor.is_open:
        raise RequestError(f"{survivor.reference} is closed: reopen it or choose another.")
    _check_same_audience(duplicate, survivor)
    for model in (Entry, Attachment, Handoff):
        db.session.execute(
            update(model)
            .where(model.request_id == duplicate.id)
            .values(request_id=survivor.id)
            .execution_options(synchronize_session=False)
        )
    survivor.chase_count += duplicate.chase_count
    duplicate.merged_into_id = survivor.id
    duplicate.status = CLOSED
    duplicate.closed_at = utcnow()
    duplicate.next_due_at = duplicate.next_at_risk_at = None
    record_event(duplicate, actor, "merged", public=True, into=survivor.reference)
    record_event(survivor, actor, "merged_in", public=True, duplicate=duplicate.reference)
    mark_active(survivor)
    mark_active(duplicate)
    clock.recompute(survivor)
    link = current_app.config["BASE_URL"] + url_for("customer.request", request_id=survivor.id)
    # About the duplicate (it threads with the customer's earlier mails about it); a reply
    # lands on the survivor, where everything now continues (mail_threads.replies_land_on).
    queue_mail(
        duplicate.requester.email,
        f"Now followed as {survivor.reference}",
        render_template(
            "mail/request_merged.txt",
            duplicate=duplicate,
            survivor=survivor,
            link=link,
            reference=survivor.reference,
            replies_by_mail=mail_threads.reply_address(duplicate) is not None,
        ),
        about=duplicate,
    )
    db.session.flush()


def _check_same_audience(duplicate: Request, survivor: Request) -> None:
    """A merge shows each requester the other request's public conversation and files, and
    sends the duplicate's requester to the survivor: so both must already be allowed to see
    both requests. Another account's request never qualifies; a colleague's only when the
    account shares visibility and both contacts opted in (access's one rule decides)."""
    if survivor.account_id != duplicate.account_id:
        raise RequestError(
            f"{survivor.reference} belongs to another account ({survivor.account.name}). "
            "Only requests of the same account can be merged: its contacts would otherwise "
            "read this conversation."
        )
    if survivor.requester_id == duplicate.requester_id:
        return
    if not (
        access.can_see_request(duplicate.requester, survivor.id)
        and access.can_see_request(survivor.requester, duplicate.id)
    ):
        raise RequestError(
            f"{duplicate.reference} was raised by {duplicate.requester.name} and "
            f"{survivor.reference} by {survivor.requester.name}, who cannot see each other's "
            "requests. Merging would show each of them the other's messages: answer both "
            "instead."
        )
