"""The audit log filtered, an account page with requests and figures, and a new team's
checklist, in a real browser on a desktop and a phone: axe finds nothing, nothing logs an
error, and the filter works with htmx and without JavaScript."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import expect

from portal.extensions import db
from portal.insights import services as insights
from portal.models import Rating, SurveyResponse, SurveyScore, utcnow
from tests import factories
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep desktop and phone screenshots there
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def shoot(page, tmp_path, name):
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture
def history(world):
    from portal.admin import services

    services.create_tier(world.admin, name="Loyal", rank=2, description="")
    services.create_tier(world.admin, name="Gold", rank=2, description="Inserted above Loyal")
    services.update(world.admin, world.team_x, description="Billing and delivery, one roof")
    services.add_skill(world.admin, world.member_x, world.function, 2)
    db.session.commit()


@pytest.fixture
def busy_account(world):
    now = utcnow()
    for subject, status in (("Pallet missing", "open"), ("Which door?", "waiting_on_customer")):
        factories.make_request(world.account_a, world.contact_a, subject=subject, status=status)
    for score, subject in ((5, "Invoice twice"), (3, "Label printer")):
        item = factories.make_request(
            world.account_a,
            world.contact_a,
            subject=subject,
            status="resolved",
            resolved_at=now - timedelta(days=2),
        )
        db.session.add(Rating(request_id=item.id, contact_id=world.contact_a.id, score=score))
    insights.ensure_dimensions()
    survey, _ = insights.send_survey(world.coach_x, world.team_x, world.account_a)
    response = SurveyResponse(
        survey_id=survey.id, contact_id=world.contact_a.id, team_id=world.team_x.id
    )
    response.scores = [
        SurveyScore(dimension_id=d.id, expectation=e, perception=p)
        for d, (e, p) in zip(insights.dimensions(), [(6, 4), (5, 6), (5, 5)], strict=False)
    ]
    db.session.add(response)
    factories.join_reference_group(world.contact_a, world.account_a)
    db.session.commit()


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_audit_log_filtered(page, world, sign_in, console_errors, history, size, tmp_path):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    sign_in(world.admin)
    page.goto(url_for("admin.audit_log"))
    page.get_by_label("Object type").select_option("tier")
    with page.expect_response(lambda r: "/admin/audit" in r.url):
        page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("#audit-results tbody tr")
    assert rows.count() == 3  # two tiers added, one shift
    assert "subject=tier" in page.url  # htmx pushed the filtered address
    expect(page.get_by_text("Moved tiers down one to make room for")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, tmp_path, f"audit-log-{size}")
    assert console_errors == []


def test_audit_log_filter_without_javascript(world, history, signed_in_without_js):
    page = signed_in_without_js(world.admin)
    page.goto(url_for("admin.audit_log"))
    page.get_by_label("Person").fill(world.admin.email)
    page.get_by_label("From").fill(utcnow().date().isoformat())
    page.get_by_role("button", name="Filter").click()
    assert "person=" in page.url and "since=" in page.url
    assert page.locator("#audit-results tbody tr").count() == 5


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_account_page(page, world, sign_in, console_errors, busy_account, size, tmp_path):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    sign_in(world.member_x)
    page.goto(url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id))
    assert page.locator("#account-requests tbody tr").count() == 4
    expect(page.locator(".badge", has_text="In the reference group")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, tmp_path, f"account-{size}")
    assert console_errors == []


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_new_team_checklist(page, world, sign_in, console_errors, size, tmp_path):
    team = factories.make_team("Fresh Team", description="Our newest customer team")
    coach = factories.make_member(team, role="coach", name="Nora New")
    db.session.commit()
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    sign_in(coach)
    page.goto(url_for("workspace.team_home", team_id=team.id))
    expect(page.get_by_role("heading", name="Set up this team")).to_be_visible()
    assert axe_violations(page) == []
    shoot(page, tmp_path, f"new-team-{size}")
    page.goto(url_for("inbox.index", team_id=team.id))
    assert axe_violations(page) == []
    shoot(page, tmp_path, f"new-team-inbox-{size}")
    assert console_errors == []
