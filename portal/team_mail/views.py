"""The team's mail page: every mail that reached the team's address and what became of it,
with the ones that could not land by themselves first, for a member to attach, invite or
discard."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, request, send_file, url_for
from flask_login import current_user

from .. import access
from ..access import TEAM_MEMBER, policy
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import after_write, render_page
from ..mail_in import quotes
from ..models import Account, User
from ..requests import contacts
from ..web import filter_id
from . import landing, services
from .forms import AttachForm, InviteForm

bp = Blueprint("team_mail", __name__, url_prefix="/teams/<int:team_id>/mail")


@bp.route("")
@policy(TEAM_MEMBER)
def index(team_id: int):
    team = access.get_team(team_id)
    show = request.args.get("show", "waiting")
    if show not in services.SHOWS:
        show = "waiting"
    before, request_id = _id_arg("before"), _id_arg("request")
    listed = services.listing(team_id, show, before, request_id)
    return render_page(
        "team_mail/index.html",
        "team_mail/_list.html",
        team=team,
        show=show,
        shows=services.SHOWS,
        counts=services.counts(team_id),
        listed=listed,
        request_id=request_id,
    )


@bp.route("/<int:mail_id>")
@policy(TEAM_MEMBER)
def message(team_id: int, mail_id: int):
    return _message_page(team_id, mail_id)


@bp.route("/<int:mail_id>/original")
@policy(TEAM_MEMBER)
def original(team_id: int, mail_id: int):
    return download_original(_get(team_id, mail_id))


def download_original(mail):
    """The message as it arrived, as a download (never rendered here)."""
    response = send_file(
        io.BytesIO(mail.raw),
        mimetype="message/rfc822",
        as_attachment=True,
        download_name=f"mail-{mail.id}.eml",
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/<int:mail_id>/attach", methods=["POST"])
@policy(TEAM_MEMBER)
def attach(team_id: int, mail_id: int):
    mail = _get(team_id, mail_id)
    if not mail.waiting:
        return _dealt_with(team_id, mail_id)
    form = AttachForm().with_contacts(contacts.choices(team_id))
    if form.validate_on_submit():
        contact = db.session.get(User, form.contact.data)
        try:
            item = services.attach(current_user, mail, contact, form.reference.data or "")
        except services.AlreadyDealtWith:
            return _dealt_with(team_id, mail_id)
        except services.MailActionError as error:
            form.reference.errors.append(str(error))
        else:
            reference = item.reference
            db.session.commit()
            flash(f"Attached: the mail is on {reference} now.", "success")
            return _done(team_id, mail_id)
    return _message_page(team_id, mail_id, attach_form=form, status=422)


@bp.route("/<int:mail_id>/invite", methods=["POST"])
@policy(TEAM_MEMBER)
def invite(team_id: int, mail_id: int):
    mail = _get(team_id, mail_id)
    if not mail.waiting:
        return _dealt_with(team_id, mail_id)
    form = InviteForm().with_accounts(services.team_accounts(team_id))
    if form.validate_on_submit():
        account = db.session.get(Account, form.account.data)
        try:
            services.invite_sender(current_user, mail, account, form.name.data)
        except services.AlreadyDealtWith:
            return _dealt_with(team_id, mail_id)
        except services.MailActionError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Invited {mail.sender}: the mail lands when they accept.", "success")
            return _done(team_id, mail_id)
    return _message_page(team_id, mail_id, invite_form=form, status=422)


@bp.route("/<int:mail_id>/discard", methods=["POST"])
@policy(TEAM_MEMBER)
def discard(team_id: int, mail_id: int):
    mail = _get(team_id, mail_id)
    if not mail.waiting:
        return _dealt_with(team_id, mail_id)
    if EmptyForm().validate_on_submit():
        try:
            services.discard(current_user, mail)
        except services.AlreadyDealtWith:
            return _dealt_with(team_id, mail_id)
        db.session.commit()
        flash("Discarded. It stays listed under Discarded.", "success")
        return _done(team_id, mail_id)
    abort(400)


def _id_arg(name: str) -> int | None:
    """An id from the query string; one no row can have (0, negative, beyond a database
    integer) counts as none given, never a database error."""
    return request.args.get(name, type=filter_id) or None


def _get(team_id: int, mail_id: int):
    mail = services.get_mail(team_id, mail_id)
    if mail is None:
        abort(404)
    return mail


def _dealt_with(team_id: int, mail_id: int):
    """Another member (or a double click) got there first: show what they did."""
    flash("Someone has already dealt with this mail: here is what became of it.", "error")
    return _message_page(team_id, mail_id, status=409)


def _done(team_id: int, mail_id: int):
    return after_write(
        url_for("team_mail.message", team_id=team_id, mail_id=mail_id),
        lambda: _message_page(team_id, mail_id),
    )


def _message_page(team_id: int, mail_id: int, *, attach_form=None, invite_form=None, status=200):
    team = access.get_team(team_id)
    mail = _get(team_id, mail_id)
    parsed = landing.kept_message(mail)
    context = {
        "team": team,
        "mail": mail,
        "parsed": parsed,
        "new_text": quotes.new_text(parsed.text),
    }
    if mail.waiting:
        people = contacts.choices(team_id)
        if attach_form is None:
            attach_form = AttachForm(formdata=None).with_contacts(people)
            if mail.person_id and any(
                value == mail.person_id for group in people.values() for value, _ in group
            ):
                attach_form.contact.data = mail.person_id
        if invite_form is None and mail.person_id is None:
            invite_form = InviteForm(formdata=None, name=mail.sender_name).with_accounts(
                services.team_accounts(team_id)
            )
        context.update(attach_form=attach_form, invite_form=invite_form, discard_form=EmptyForm())
    return render_page(
        "team_mail/message.html", "team_mail/_message.html", status=status, **context
    )
