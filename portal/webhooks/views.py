"""The webhook pages of a team, for its coach (and admins): the endpoints, and each one's
settings, signing secret and delivery log. A secret is shown in the answer to the post that
made it (or rolled it) and then hidden, so that answer is the page itself."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import access
from ..access import TEAM_COACH, policy
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import after_write, redirect_after_post, render_page
from ..models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint
from ..web import filter_id
from . import bp, services
from .forms import EndpointForm


def _endpoints_page(team, form=None, created=None, secret=None, status=200):
    return render_page(
        "webhooks/team.html",
        "webhooks/_endpoints.html",
        status=status,
        team=team,
        endpoints=services.endpoints(team.id),
        form=form or EndpointForm(formdata=None),
        created=created,
        secret=secret,
        event_names=WEBHOOK_EVENTS,
        limit=services.MAX_ENDPOINTS,
    )


def _endpoint_page(team, endpoint, form=None, secret=None, status=200):
    before = filter_id(request.args.get("before", ""))
    deliveries, more = services.log(endpoint, before)
    if form is None:
        form = EndpointForm(formdata=None, obj=endpoint, events=endpoint.event_types)
    return render_page(
        "webhooks/endpoint.html",
        "webhooks/_endpoint.html",
        status=status,
        team=team,
        endpoint=endpoint,
        form=form,
        action_form=EmptyForm(),
        secret=secret,
        deliveries=deliveries,
        more=more,
        before=before,
        event_names=WEBHOOK_EVENTS,
    )


def _get(team, endpoint_id: int) -> WebhookEndpoint:
    """An endpoint of this team: another team's is not found."""
    endpoint = db.session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.team_id == team.id, WebhookEndpoint.id == endpoint_id
        )
    )
    if endpoint is None:
        abort(404)
    return endpoint


def _posted() -> None:
    """A button's post: its CSRF token, or a 400 that says why."""
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/teams/<int:team_id>/webhooks")
@policy(TEAM_COACH)
def endpoints(team_id: int):
    return _endpoints_page(access.get_team(team_id))


@bp.route("/teams/<int:team_id>/webhooks", methods=["POST"])
@policy(TEAM_COACH)
def create(team_id: int):
    team = access.get_team(team_id)
    form = EndpointForm()
    if not form.validate_on_submit():
        return _endpoints_page(team, form, status=422)
    try:
        endpoint, secret = services.create(
            current_user, team, form.url.data, form.events.data, form.description.data
        )
    except services.EndpointError as error:
        form.url.errors.append(str(error))
        return _endpoints_page(team, form, status=422)
    db.session.commit()
    return _endpoints_page(team, created=endpoint, secret=secret, status=201)


@bp.route("/teams/<int:team_id>/webhooks/<int:endpoint_id>")
@policy(TEAM_COACH)
def endpoint(team_id: int, endpoint_id: int):
    team = access.get_team(team_id)
    return _endpoint_page(team, _get(team, endpoint_id))


@bp.route("/teams/<int:team_id>/webhooks/<int:endpoint_id>", methods=["POST"])
@policy(TEAM_COACH)
def change(team_id: int, endpoint_id: int):
    team = access.get_team(team_id)
    endpoint = _get(team, endpoint_id)
    form = EndpointForm()
    if not form.validate_on_submit():
        return _endpoint_page(team, endpoint, form, status=422)
    try:
        services.change(
            current_user, endpoint, form.url.data, form.events.data, form.description.data
        )
    except services.EndpointError as error:
        db.session.rollback()
        form.url.errors.append(str(error))
        return _endpoint_page(team, _get(team, endpoint_id), form, status=422)
    db.session.commit()
    return _after(team, endpoint)


def _after(team, endpoint):
    return after_write(
        url_for(".endpoint", team_id=team.id, endpoint_id=endpoint.id),
        lambda: _endpoint_page(team, endpoint),
    )


@bp.route("/teams/<int:team_id>/webhooks/<int:endpoint_id>/switch-off", methods=["POST"])
@policy(TEAM_COACH)
def switch_off(team_id: int, endpoint_id: int):
    return _switch(team_id, endpoint_id, on=False)


@bp.route("/teams/<int:team_id>/webhooks/<int:endpoint_id>/switch-on", methods=["POST"])
@policy(TEAM_COACH)
def switch_on(team_id: int, endpoint_id: int):
    return _switch(team_id, endpoint_id, on=True)


def _switch(team_id: int, endpoint_id: int, *, on: bool):
    team = access.get_team(team_id)
    endpoint = _get(team, endpoint_id)
    _posted()
    services.switch(current_user, endpoint, on=on)
    db.session.commit()
    return _after(team, endpoint)


@bp.route("/teams/<int:team_id>/webhooks/<int:endpoint_id>/test", methods=["POST"])
@policy(TEAM_COACH)
def send_test(team_id: int, endpoint_id: int):
    team = access.get_team(team_id)
    endpoint = _get(team, endpoint_id)
    _posted()
    services.send_test(current_user, endpoint)
    db.session.commit()
    return _after(team, endpoint)


@bp.route("/teams/<int:team_id>/webhooks/<int:endpoint_id>/roll-secret", methods=["POST"])
@policy(TEAM_COACH)
def roll_secret(team_id: int, endpoint_id: int):
    team = access.get_team(team_id)
    endpoint = _get(team, endpoint_id)
    _posted()
    secret = services.roll_secret(current_user, endpoint)
    db.session.commit()
    return _endpoint_page(team, endpoint, secret=secret)


@bp.route("/teams/<int:team_id>/webhooks/<int:endpoint_id>/remove", methods=["POST"])
@policy(TEAM_COACH)
def remove(team_id: int, endpoint_id: int):
    team = access.get_team(team_id)
    endpoint = _get(team, endpoint_id)
    _posted()
    services.remove(current_user, endpoint)
    db.session.commit()
    # The endpoint's page is gone: htmx follows to the list too.
    return redirect_after_post(url_for(".endpoints", team_id=team.id))


@bp.route(
    "/teams/<int:team_id>/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver",
    methods=["POST"],
)
@policy(TEAM_COACH)
def redeliver(team_id: int, endpoint_id: int, delivery_id: int):
    team = access.get_team(team_id)
    endpoint = _get(team, endpoint_id)
    delivery = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.id == delivery_id
        )
    )
    if delivery is None:
        abort(404)
    _posted()
    try:
        services.redeliver(current_user, delivery)
    except services.EndpointError as error:
        abort(409, str(error))
    db.session.commit()
    return _after(team, endpoint)
