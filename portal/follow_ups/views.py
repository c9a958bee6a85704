"""The team's follow-ups list, closing one (from the list or the account page), and naming
an account's member (its team's coach, or an admin). Answers: the updated card or list for
htmx, a 303 to the page otherwise; a refused form comes back with its error (422)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user

from .. import access
from ..access import TEAM_COACH, TEAM_MEMBER, policy
from ..extensions import db
from ..htmx import after_write, render_page
from ..reader_zone import team_today
from . import bp, cards, services
from .forms import CloseFollowUpForm, NamedMemberForm


def _card(account, status=200, **forms):
    return render_page(
        "follow_ups/account.html",
        "follow_ups/_account_card.html",
        status=status,
        account=account,
        team=account.team,
        **cards.context(account, manage=access.is_coach_of(current_user, account.team_id), **forms),
    )


def _show() -> str:
    show = request.args.get("show", services.OPEN)
    return show if show in services.SHOWS else services.OPEN


def _list(team, show, close_forms=None, status=200):
    return render_page(
        "follow_ups/list.html",
        "follow_ups/_list.html",
        status=status,
        team=team,
        show=show,
        shows=services.SHOWS,
        counts=services.counts(team, current_user),
        follow_ups=services.for_team(team, show, current_user),
        close_forms=close_forms or {},
        close_form=CloseFollowUpForm(formdata=None, back="list"),
        today=team_today(team),
        is_coach=access.is_coach_of(current_user, team.id),
        team_coach=access.is_coach_of(current_user, team.id),  # the insights tabs
    )


@bp.route("/teams/<int:team_id>/follow-ups")
@policy(TEAM_MEMBER)
def team_list(team_id: int):
    return _list(access.get_team(team_id), _show())


@bp.route("/teams/<int:team_id>/follow-ups/<int:follow_up_id>/close", methods=["POST"])
@policy(TEAM_MEMBER)
def close(team_id: int, follow_up_id: int):
    """Any member of the team may close one (the owner may be away): only with an outcome."""
    team = access.get_team(team_id)
    follow_up = services.get_in_team(team, follow_up_id)
    if follow_up is None:
        abort(404)
    form = CloseFollowUpForm()
    back = form.back.data if form.back.data in ("account", "list") else "account"
    if form.validate_on_submit():
        try:
            services.close(current_user, follow_up, form.outcome.data)
        except services.FollowUpError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            db.session.commit()
            name = follow_up.account.name
            flash(f"Follow-up with {name} closed: its outcome is kept.", "success")
            if back == "list":
                return after_write(
                    url_for(".team_list", team_id=team.id, show=services.OPEN),
                    lambda: _list(team, services.OPEN),
                )
            return after_write(
                url_for("workspace.account", team_id=team.id, account_id=follow_up.account_id)
                + "#follow-ups",
                lambda: _card(follow_up.account),
            )
    follow_up = services.get_in_team(team, follow_up_id)
    if not follow_up.is_open:  # no form left to show the error in
        flash("This follow-up is already closed: its outcome is below.", "error")
    if back == "list":
        return _list(team, services.OPEN, close_forms={follow_up.id: form}, status=422)
    return _card(follow_up.account, 422, close_forms={follow_up.id: form})


@bp.route("/teams/<int:team_id>/accounts/<int:account_id>/named-member", methods=["POST"])
@policy(TEAM_COACH)
def named_member(team_id: int, account_id: int):
    account = access.get_account(account_id, team_id=team_id)
    form = cards.member_form(account, NamedMemberForm())
    if form.validate_on_submit():
        chosen = form.member.data or None
        try:
            changed = services.set_named_member(current_user, account, chosen)
        except services.FollowUpError as error:
            db.session.rollback()
            form.member.errors.append(str(error))
        else:
            db.session.commit()
            who = account.named_member.name if account.named_member else "No one"
            flash(
                f"{who} is now {account.name}'s named member." if changed else "Nothing changed.",
                "success",
            )
            return after_write(
                url_for("workspace.account", team_id=team_id, account_id=account.id)
                + "#follow-ups",
                lambda: _card(account),
            )
    return _card(access.get_account(account_id, team_id=team_id), 422, named_form=form)
