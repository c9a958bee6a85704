"""The webhook pages' rows for the role × route matrix in tests/test_access.py: a team's
webhooks belong to its coach (and admins); another team's member is not told they exist.
POST rows send an empty form without CSRF."""

from __future__ import annotations

from flask import url_for

from portal.extensions import db
from portal.models import utcnow
from portal.webhooks import services
from tests.api.access_rows import _coach_of_x


def _endpoint(w):
    endpoint, _ = services.create(
        w.coach_x, w.team_x, "https://crm.example.com/hooks", ["request.created"], ""
    )
    db.session.commit()
    return endpoint


def _endpoint_url(name):
    def url(w):
        return url_for(name, team_id=w.team_x.id, endpoint_id=_endpoint(w).id)

    return url


def _redeliver_url(w):
    endpoint = _endpoint(w)
    services.send_test(w.coach_x, endpoint)
    db.session.commit()
    delivery = services.log(endpoint)[0][0]
    delivery.delivered_at = utcnow()  # sent: so it may be sent again
    db.session.commit()
    return url_for(
        "webhooks.redeliver", team_id=w.team_x.id, endpoint_id=endpoint.id, delivery_id=delivery.id
    )


ROWS = {
    "webhooks.endpoints": (
        "GET",
        lambda w: url_for("webhooks.endpoints", team_id=w.team_x.id),
        _coach_of_x(200),
    ),
    "webhooks.create": (
        "POST",
        lambda w: url_for("webhooks.create", team_id=w.team_x.id),
        _coach_of_x(422),
    ),
    "webhooks.endpoint": ("GET", _endpoint_url("webhooks.endpoint"), _coach_of_x(200)),
    "webhooks.change": ("POST", _endpoint_url("webhooks.change"), _coach_of_x(422)),
    "webhooks.switch_off": ("POST", _endpoint_url("webhooks.switch_off"), _coach_of_x(303)),
    "webhooks.switch_on": ("POST", _endpoint_url("webhooks.switch_on"), _coach_of_x(303)),
    "webhooks.send_test": ("POST", _endpoint_url("webhooks.send_test"), _coach_of_x(303)),
    "webhooks.roll_secret": ("POST", _endpoint_url("webhooks.roll_secret"), _coach_of_x(200)),
    "webhooks.remove": ("POST", _endpoint_url("webhooks.remove"), _coach_of_x(303)),
    "webhooks.redeliver": ("POST", _redeliver_url, _coach_of_x(303)),
}
