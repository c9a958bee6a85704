"""Every page of the team workspace passes axe (WCAG 2.2 AA), on a desktop and on a phone,
with real content in it: each inbox view, a request, handoffs, canned replies, the team."""

from datetime import timedelta

import pytest
from flask import url_for

from portal.extensions import db
from portal.models import CannedReply, utcnow
from tests import factories
from tests.browser.conftest import axe_violations


@pytest.fixture
def busy_team(world):
    now = utcnow()
    raised = [
        factories.raise_request(world.contact_a, world.account_a, subject=subject)
        for subject in ("Pallet missing", "Invoice twice", "Forklift noise")
    ]
    factories.make_request(
        world.account_a,
        world.contact_a,
        status="waiting_on_customer",
        assignee_id=world.member_x.id,
        subject="Which door?",
    )
    factories.make_request(
        world.account_a,
        world.contact_a,
        status="resolved",
        resolved_at=now - timedelta(hours=3),
        subject="Label printer",
    )
    factories.make_handoff(raised[0], world.function, world.member_x, world.coach_x)
    db.session.add(CannedReply(team_id=world.team_x.id, title="Thanks", body="Hello {customer}"))
    db.session.commit()
    return raised


VIEWS = ("mine", "unassigned", "open", "waiting", "handoffs", "risk", "quiet", "resolved")


@pytest.mark.parametrize("width", [1400, 390], ids=["desktop", "phone"])
def test_workspace_pages_pass_axe(page, world, sign_in, console_errors, busy_team, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(world.member_x)
    team = world.team_x.id
    pages = [url_for("inbox.index", team_id=team, view=view) for view in VIEWS]
    pages += [
        url_for("inbox.detail", team_id=team, request_id=busy_team[0].id),
        url_for("inbox.canned_replies", team_id=team),
        url_for("handoffs.index"),
        url_for("workspace.team_home", team_id=team),
        url_for("workspace.account", team_id=team, account_id=world.account_a.id),
    ]
    failures = {}
    for path in pages:
        assert page.goto(path).status == 200, path
        found = axe_violations(page)
        if found:
            failures[path] = found
    assert failures == {}
    assert console_errors == []
