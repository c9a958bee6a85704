"""`flask tick` as cron runs it: an app context and no request. Its mail carries links
(a round's reminder, a survey), which must build there too."""

from __future__ import annotations

import contextvars
from datetime import timedelta

from portal.extensions import db
from portal.models import SurveySchedule, utcnow
from tests import factories
from tests.conftest import outbox


def test_tick_sends_linked_mail_outside_any_request(app, world):
    factories.join_reference_group(world.contact_a, world.account_a)
    round_ = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x), world.coach_x, days=0.5
    )
    round_.opened_at = utcnow() - timedelta(hours=16)  # past its halfway: reminder time
    db.session.add(SurveySchedule(tier_id=world.tier.id, every_days=30))
    db.session.commit()
    queued = len(outbox(app))

    # A fresh context, as a cron job has: no request (the tests' own is not inherited).
    result = contextvars.Context().run(app.test_cli_runner().invoke, args=["tick"])

    assert result.exit_code == 0, result.output
    assert "reminders queued: 1" in result.output and "surveys sent: 3" in result.output
    links = [m.body for m in outbox(app)[queued:] if app.config["BASE_URL"] + "/" in m.body]
    assert len(links) == 4, [m.subject for m in outbox(app)[queued:]]
