"""The token pages. A new token's secret is shown in the answer to the post that made it and
never again (it is stored only hashed), so that answer is the page itself, not a redirect."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import access, api
from ..access import CONTACT, PUBLIC, TEAM_COACH, policy
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import after_write, render_page
from ..models import WEBHOOK_EVENTS, ApiToken, utcnow
from ..web import API_PREFIX
from . import bp, services
from . import reference as api_reference
from .forms import PersonalTokenForm, TokenForm


def _team_page(team, form=None, secret=None, status=200):
    return render_page(
        "api_tokens/team.html",
        "api_tokens/_tokens.html",
        status=status,
        team=team,
        tokens=services.team_tokens(team.id),
        form=form or TokenForm(formdata=None),
        revoke_form=EmptyForm(),
        secret=secret,
        now=utcnow(),
        api_url=API_PREFIX,
        create_url=url_for(".create_team_token", team_id=team.id),
        revoke_endpoint=".revoke_team_token",
        revoke_args={"team_id": team.id},
    )


@bp.route("/teams/<int:team_id>/api-tokens")
@policy(TEAM_COACH)
def team_tokens(team_id: int):
    return _team_page(access.get_team(team_id))


@bp.route("/teams/<int:team_id>/api-tokens", methods=["POST"])
@policy(TEAM_COACH)
def create_team_token(team_id: int):
    team = access.get_team(team_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return _team_page(team, form, status=422)
    try:
        _, secret = services.create_team_token(
            current_user,
            team,
            form.name.data,
            can_write=form.access.data == "write",
            expires_at=form.expires_at(),
        )
    except services.TokenError as error:
        form.name.errors.append(str(error))
        return _team_page(team, form, status=422)
    db.session.commit()
    return _team_page(team, secret=secret, status=201)


@bp.route("/teams/<int:team_id>/api-tokens/<int:token_id>/revoke", methods=["POST"])
@policy(TEAM_COACH)
def revoke_team_token(team_id: int, token_id: int):
    team = access.get_team(team_id)
    token = _get(ApiToken.team_id == team.id, token_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.revoke(current_user, token)
    db.session.commit()
    return after_write(url_for(".team_tokens", team_id=team.id), lambda: _team_page(team))


def _personal_page(form=None, secret=None, status=200):
    accounts = access.contact_accounts(current_user)
    if form is None:
        form = PersonalTokenForm(formdata=None)
    form.account.choices = [(a.id, a.name) for a in accounts]
    return render_page(
        "api_tokens/personal.html",
        "api_tokens/_tokens.html",
        status=status,
        tokens=services.personal_tokens(current_user),
        form=form,
        revoke_form=EmptyForm(),
        secret=secret,
        now=utcnow(),
        api_url=API_PREFIX,
        create_url=url_for(".create_personal_token"),
        revoke_endpoint=".revoke_personal_token",
        revoke_args={},
        several_accounts=len(accounts) > 1,
    )


@bp.route("/portal/api-tokens")
@policy(CONTACT)
def personal_tokens():
    return _personal_page()


@bp.route("/portal/api-tokens", methods=["POST"])
@policy(CONTACT)
def create_personal_token():
    form = PersonalTokenForm()
    accounts = {a.id: a for a in access.contact_accounts(current_user)}
    form.account.choices = [(a.id, a.name) for a in accounts.values()]
    if not form.validate_on_submit():
        return _personal_page(form, status=422)
    try:
        _, secret = services.create_personal_token(
            current_user,
            accounts[form.account.data],
            form.name.data,
            can_write=form.access.data == "write",
            expires_at=form.expires_at(),
        )
    except services.TokenError as error:
        form.name.errors.append(str(error))
        return _personal_page(form, status=422)
    db.session.commit()
    return _personal_page(secret=secret, status=201)


@bp.route("/portal/api-tokens/<int:token_id>/revoke", methods=["POST"])
@policy(CONTACT)
def revoke_personal_token(token_id: int):
    token = _get(ApiToken.user_id == current_user.id, token_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.revoke(current_user, token)
    db.session.commit()
    return after_write(url_for(".personal_tokens"), lambda: _personal_page())


def _get(scope, token_id: int) -> ApiToken:
    """A token of this team (or this contact): anyone else's is not found."""
    token = db.session.scalar(select(ApiToken).where(scope, ApiToken.id == token_id))
    if token is None:
        abort(404)
    return token


@bp.route("/api")
@policy(PUBLIC)
def reference():
    document = api.spec()
    return render_page(
        "api_tokens/reference.html",
        info=document["info"],
        operations=api_reference.operations(document),
        schemas=api_reference.schemas(document),
        api_url=API_PREFIX,
        spec_url=url_for("api.openapi"),
        webhook_events=WEBHOOK_EVENTS,
    )
