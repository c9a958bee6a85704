"""The team's canned replies: answers given often, kept once."""

from flask import abort, flash, url_for
from flask_login import current_user

from .. import access
from ..access import TEAM_MEMBER, policy
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import after_write, render_page
from ..models import (
    CannedReply,
)
from ..requests import services as requests
from . import bp, canned
from .forms import (
    CannedReplyForm,
)


@bp.route("/canned")
@policy(TEAM_MEMBER)
def canned_replies(team_id: int):
    team = access.get_team(team_id)
    return _canned_page(team, CannedReplyForm(formdata=None))


def _canned_page(team, form, status=200):
    return render_page(
        "inbox/canned.html",
        "inbox/_canned.html",
        status=status,
        team=team,
        form=form,
        replies=canned.for_team(team),
        placeholders=canned.PLACEHOLDERS,
        delete_form=EmptyForm(),
    )


@bp.route("/canned", methods=["POST"])
@policy(TEAM_MEMBER)
def add_canned_reply(team_id: int):
    team = access.get_team(team_id)
    form = CannedReplyForm()
    if form.validate_on_submit():
        try:
            canned.create(current_user, team, form.title.data, form.body.data)
        except requests.RequestError as error:
            form.title.errors.append(str(error))
        else:
            db.session.commit()
            flash("Canned reply saved.", "success")
            return after_write(
                url_for("inbox.canned_replies", team_id=team_id),
                lambda: _canned_page(team, CannedReplyForm(formdata=None)),
            )
    return _canned_page(team, form, status=422)


@bp.route("/canned/<int:reply_id>/delete", methods=["POST"])
@policy(TEAM_MEMBER)
def delete_canned_reply(team_id: int, reply_id: int):
    team = access.get_team(team_id)
    reply = db.session.get(CannedReply, reply_id)
    if reply is None or reply.team_id != team_id:
        abort(404)
    canned.delete(current_user, reply)
    db.session.commit()
    flash("Canned reply deleted.", "success")
    return after_write(
        url_for("inbox.canned_replies", team_id=team_id),
        lambda: _canned_page(team, CannedReplyForm(formdata=None)),
    )
