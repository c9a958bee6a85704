from flask import flash, request, url_for
from flask_login import current_user

from .. import access, navigation
from ..access import PUBLIC, STAFF, policy
from ..auth.services import AuthError
from ..auth.views import sign_in
from ..extensions import db, limiter
from ..forms import safe_next
from ..htmx import redirect_after_post, render_page
from ..team_mail import landing as team_mail
from . import bp, services
from .forms import AcceptInvitationForm


@bp.route("/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
@limiter.limit("20 per minute", methods=["POST"])
def accept(token: str):
    invitation = services.pending_for_token(token)
    if invitation is None:
        return render_page("invitations/invalid.html", status=404)
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            user = services.accept(token, name=form.name.data, password=form.password.data)
        except (services.InvitationError, AuthError) as error:
            getattr(form, getattr(error, "field", None) or "password").errors.append(str(error))
        else:
            sign_in(user)
            # Mail they sent before they joined waited for this: it raises their requests.
            landed = team_mail.land_waiting_mail_of(user) if user.is_contact else 0
            db.session.commit()
            flash(f"Welcome to Onestop, {user.name}.", "success")
            if landed:
                flash(
                    f"Your mail to the team is here as {landed} request{'s' * (landed > 1)}.",
                    "success",
                )
            endpoint, values = navigation.home_endpoint(user)
            return redirect_after_post(url_for(endpoint, **values))
    status = 422 if form.errors else 200
    return render_page("invitations/accept.html", status=status, form=form, invitation=invitation)


def _manage(invitation_id: int, action, done: str):
    invitation = access.get_invitation(invitation_id)
    try:
        action(current_user, invitation)
    except services.InvitationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect_after_post(safe_next(request.form.get("next")) or _list_url(invitation))


def _list_url(invitation) -> str:
    """Where the invitation is listed: its account's page (admins may open every team's), or
    the admin's list of staff invitations."""
    if invitation.account_id:
        return url_for(
            "workspace.account",
            team_id=invitation.account.team_id,
            account_id=invitation.account_id,
        )
    return url_for("admin.invitations")


@bp.route("/<int:invitation_id>/resend", methods=["POST"])
@policy(STAFF)
def resend(invitation_id: int):
    return _manage(invitation_id, services.resend, "The invitation was sent again with a new link.")


@bp.route("/<int:invitation_id>/revoke", methods=["POST"])
@policy(STAFF)
def revoke(invitation_id: int):
    return _manage(
        invitation_id, services.revoke, "The invitation was revoked; its link no longer works."
    )
