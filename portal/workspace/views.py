from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import access
from ..access import STAFF, TEAM_COACH, TEAM_MEMBER, policy
from ..account_tiers import cards as tier_cards
from ..domain.team_setup import checklist
from ..extensions import db
from ..follow_ups import cards as follow_up_cards
from ..forms import EmptyForm
from ..htmx import after_write, is_partial, redirect_after_post, render_page
from ..invitations import services as invitations
from ..models import Feedback, utcnow
from . import account_overview as overview
from . import bp, services
from .forms import InviteContactForm, RoutingForm


@bp.route("/")
@policy(STAFF)
def index():
    teams = db.session.scalars(access.teams_visible_to(current_user)).all()
    if len(teams) == 1:
        return redirect(url_for("workspace.team_home", team_id=teams[0].id))
    return render_page("workspace/index.html", teams=teams)


@bp.route("/<int:team_id>")
@policy(TEAM_MEMBER)
def team_home(team_id: int):
    team = access.get_team(team_id)
    return render_page(
        "workspace/team.html",
        team=team,
        people=services.team_people(team),
        accounts=services.team_accounts(team),
        action_form=EmptyForm(),
        routing_form=RoutingForm(
            formdata=None, automatic_routing="auto" if team.automatic_routing else "manual"
        ),
        feedback=services.recent_feedback(team),
        setup=checklist(services.setup_facts(team)),
        is_member=access.team_role(current_user, team.id) is not None,
        is_coach=access.is_coach_of(current_user, team.id),
    )


@bp.route("/<int:team_id>/away", methods=["POST"])
@policy(TEAM_MEMBER)
def away(team_id: int):
    """Mark oneself away (or back); members only, since it is about oneself."""
    access.get_team(team_id)
    if access.team_role(current_user, team_id) is None:
        abort(403)
    going = request.form.get("away") == "1"
    services.set_away(current_user, going)
    db.session.commit()
    flash(
        "You are marked away: routing skips you until you are back."
        if going
        else "Welcome back: routing includes you again.",
        "success",
    )
    return redirect_after_post(url_for("workspace.team_home", team_id=team_id))


@bp.route("/<int:team_id>/feedback/<int:feedback_id>/seen", methods=["POST"])
@policy(TEAM_MEMBER)
def feedback_seen(team_id: int, feedback_id: int):
    access.get_team(team_id)
    item = db.session.get(Feedback, feedback_id)
    if item is None or item.team_id != team_id:
        abort(404)
    services.mark_feedback_seen(current_user, item)
    db.session.commit()
    return redirect_after_post(url_for("workspace.team_home", team_id=team_id) + "#feedback")


@bp.route("/<int:team_id>/routing", methods=["POST"])
@policy(TEAM_COACH)
def routing(team_id: int):
    team = access.get_team(team_id)
    form = RoutingForm()
    if form.validate_on_submit():
        services.set_routing(current_user, team, form.automatic_routing.data == "auto")
        db.session.commit()
        flash("Routing saved.", "success")
    else:
        flash("Choose how new requests reach people.", "error")
    return redirect_after_post(url_for("workspace.team_home", team_id=team_id))


def _account_page(account, form, status=200):
    # The invitation form's htmx answer is the contacts card alone: read only what it shows.
    whole_page = not is_partial()
    now = utcnow()
    coach = access.is_coach_of(current_user, account.team_id)  # admins too
    return render_page(
        "workspace/account.html",
        "workspace/_contacts.html",
        status=status,
        account=account,
        team=account.team,
        contacts=services.account_contacts(account),
        in_group=overview.reference_members(account),
        invitations=services.open_invitations(account),
        form=form,
        requests=overview.account_requests(current_user, account) if whole_page else [],
        csat=overview.account_csat(account, now) if whole_page else None,
        gap=overview.latest_gap(account, now) if whole_page else None,
        **(tier_cards.context(account, manage=coach) if whole_page else {}),
        **(follow_up_cards.context(account, manage=coach) if whole_page else {}),
    )


@bp.route("/<int:team_id>/accounts/<int:account_id>")
@policy(TEAM_MEMBER)
def account(team_id: int, account_id: int):
    return _account_page(
        access.get_account(account_id, team_id=team_id), InviteContactForm(formdata=None)
    )


@bp.route("/<int:team_id>/accounts/<int:account_id>/invitations", methods=["POST"])
@policy(TEAM_MEMBER)
def invite_contact(team_id: int, account_id: int):
    account = access.get_account(account_id, team_id=team_id, manage=True)
    form = InviteContactForm()
    if form.validate_on_submit():
        try:
            invitation = invitations.invite_contact(
                current_user, account, email=form.email.data, name=form.name.data
            )
        except invitations.InvitationError as error:
            getattr(form, error.field or "email").errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Invitation sent to {invitation.email}.", "success")
            return after_write(
                url_for("workspace.account", team_id=team_id, account_id=account_id),
                lambda: _account_page(account, InviteContactForm(formdata=None)),
            )
    return _account_page(account, form, status=422)
