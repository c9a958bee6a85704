from flask import flash, request, url_for
from flask_login import current_user

from .. import access
from ..access import STAFF, policy
from ..extensions import db
from ..forms import EmptyForm, safe_next
from ..htmx import redirect_after_post, render_page
from ..inbox.forms import HandoffDoneForm
from ..models import utcnow
from ..requests import files, handoffs
from ..requests.errors import RequestError
from ..requests.timeline import every_entry
from . import bp


@bp.route("/")
@policy(STAFF)
def index():
    return render_page("handoffs/index.html", items=handoffs.owned_by(current_user), now=utcnow())


def _page(handoff, form=None, status=200):
    return render_page(
        "handoffs/handoff.html",
        status=status,
        handoff=handoff,
        item=handoff.request,
        timeline=every_entry(handoff.request),
        attachments=files.for_request(handoff.request, public_only=False),
        form=form or HandoffDoneForm(formdata=None),
        cancel_form=EmptyForm(),
    )


@bp.route("/<int:handoff_id>")
@policy(STAFF)
def show(handoff_id: int):
    return _page(access.get_handoff(handoff_id))


def _back(handoff) -> str:
    return safe_next(request.form.get("next")) or url_for("handoffs.show", handoff_id=handoff.id)


@bp.route("/<int:handoff_id>/done", methods=["POST"])
@policy(STAFF)
def complete(handoff_id: int):
    handoff = access.get_handoff(handoff_id)
    form = HandoffDoneForm()
    if form.validate_on_submit():
        try:
            handoffs.complete(current_user, handoff, form.outcome.data)
        except RequestError as error:
            form.outcome.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{handoff.function.name} handoff marked done.", "success")
            return redirect_after_post(_back(handoff))
    return _page(handoff, form, status=422)


@bp.route("/<int:handoff_id>/cancel", methods=["POST"])
@policy(STAFF)
def cancel(handoff_id: int):
    handoff = access.get_handoff(handoff_id)
    try:
        handoffs.cancel(current_user, handoff)
    except RequestError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{handoff.function.name} handoff cancelled.", "success")
    return redirect_after_post(_back(handoff))
