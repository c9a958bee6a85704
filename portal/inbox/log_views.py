"""Logging a request for a customer who called, came by, or mailed a member directly: it is
theirs from the start (My requests, the receipt), with the channel recorded."""

import uuid

from flask import flash, request, url_for
from flask_login import current_user

from .. import access, reference
from ..access import TEAM_MEMBER, policy
from ..extensions import db
from ..htmx import redirect_after_post, render_page
from ..models import Function, User
from ..requests import contacts, raising
from ..requests.errors import RequestError
from . import bp
from .forms import LogRequestForm


@bp.route("/inbox/log", methods=["GET", "POST"])
@policy(TEAM_MEMBER)
def log_request(team_id: int):
    team = access.get_team(team_id)
    form = LogRequestForm(formdata=request.form if request.method == "POST" else None)
    form.contact.choices = contacts.choices(team_id)
    form.function.choices = [("", "Let routing decide")] + [
        (f.id, f.name) for f in reference.functions() if f.active
    ]
    if not form.idempotency_key.data:
        form.idempotency_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        try:
            item, created = raising.log_for(
                current_user,
                db.session.get(User, form.contact.data),
                team_id,
                channel=form.channel.data,
                function=db.session.get(Function, form.function.data)
                if form.function.data
                else None,
                urgency=form.urgency.data,
                subject=form.subject.data,
                description=form.description.data,
                idempotency_key=form.idempotency_key.data,
            )
        except RequestError as error:
            db.session.rollback()
            form.contact.errors.append(str(error))
        else:
            request_id, reference_text = item.id, item.reference
            db.session.commit()
            if created:
                flash(f"Logged as {reference_text}; the customer has the receipt.", "success")
            return redirect_after_post(
                url_for("inbox.detail", team_id=team_id, request_id=request_id)
            )
    status = 422 if request.method == "POST" else 200
    return render_page("inbox/log.html", status=status, team=team, form=form)
