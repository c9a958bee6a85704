"""Winning practices spread (issue 18): teams side by side as a coach sees them, with and
without JavaScript, how a team's measures moved around a procedure's adoption, and internal
checks that ask about what customers rate worst; axe at 1366 and 390 wide. With
SCREENSHOTS=/a/folder the pages are kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Rating, utcnow
from tests import factories
from tests.browser.test_insights_pages import SHOTS, _look
from tests.insights.test_adoption import adopt_with_ratings


def _resolved(account, contact, n, days_back=1, function=None):
    now = utcnow()
    for i in range(n):
        when = now - timedelta(days=days_back + i % 20, hours=1 + i)
        item = factories.make_request(
            account,
            contact,
            status="resolved",
            function_id=function.id if function else None,
            created_at=when - timedelta(hours=6),
            first_response_at=when - timedelta(hours=5),
            first_response_minutes=15 + (i * 13) % 180,
            resolved_at=when,
            resolution_due_at=when + timedelta(hours=2 if i % 3 else -2),
        )
        db.session.add(Rating(request_id=item.id, contact_id=contact.id, score=2 + i % 4))


@pytest.fixture
def three_teams(world):
    south = factories.make_team("Team South")
    account_s = factories.make_account(
        south, world.tier, "South Co", customer_since=date(2019, 5, 1)
    )
    contact_s = factories.make_contact(account_s, name="Contact S")
    _resolved(world.account_a, world.contact_a, 12)
    _resolved(world.account_b, world.contact_b, 20)
    _resolved(account_s, contact_s, 7)
    world.account_a.customer_since = date(2018, 3, 1)
    db.session.commit()
    return world


@pytest.fixture
def adopted(world):
    return adopt_with_ratings(world)


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_a_coach_compares_teams(page, sign_in, three_teams, console_errors, period):
    world = three_teams
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.coach_x)
    page.get_by_role("link", name="Compare teams").click()
    expect(page.get_by_role("heading", name="Teams side by side")).to_be_visible()
    if period == "quarter":
        page.get_by_role("link", name="Quarterly").click()
        expect(page.get_by_role("link", name="Quarterly")).to_have_attribute("aria-current", "page")
    rows = page.locator("section[aria-labelledby=measures-heading] tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.locator("th")).to_contain_text("Team X")
    expect(rows.first.locator("th")).to_contain_text("Your team")
    for group in ("Inputs", "Processes", "Outputs", "Results"):
        expect(page.get_by_role("columnheader", name=group, exact=True)).to_be_visible()
    # Team Y resolved most: its figure leads, said in words as well as colour.
    team_y = rows.filter(has_text="Team Y")
    expect(team_y.locator("td.leads").first).to_be_visible()
    assert "South Co" not in page.locator("main").inner_text()
    _look(page, f"compare-teams-{period}")
    assert console_errors == []


def test_comparing_teams_without_javascript(three_teams, signed_in_without_js):
    world = three_teams
    page = signed_in_without_js(world.coach_x)
    page.get_by_role("link", name="Compare teams").click()
    page.get_by_role("link", name="Quarterly").click()
    expect(page.get_by_role("link", name="Quarterly")).to_have_attribute("aria-current", "page")
    expect(page.locator("section[aria-labelledby=measures-heading] tbody tr")).to_have_count(3)
    # axe needs JavaScript: it runs on the same markup in the test above.
    page.set_viewport_size({"width": 390, "height": 844})
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/compare-teams-nojs-phone.png", full_page=True)


def test_a_member_sees_how_measures_moved_after_adoption(
    page,
    sign_in,
    world,
    adopted,
    console_errors,
):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/procedures/{adopted.id}")
    page.get_by_role("link", name="Measures before and after").click()
    expect(page.get_by_role("heading", name="Measures before and after adoption")).to_be_visible()
    csat = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="CSAT average"))
    expect(csat).to_contain_text("Better by 3.00")
    expect(page.get_by_text("count only those about Billing")).to_be_visible()
    _look(page, "procedure-before-after")
    assert console_errors == []


def test_before_and_after_without_javascript(world, adopted, signed_in_without_js):
    page = signed_in_without_js(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/procedures/{adopted.id}")
    page.get_by_role("link", name="Measures before and after").click()
    page.get_by_role("link", name="Quarterly").click()
    expect(page.get_by_role("link", name="Quarterly")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("rowheader", name="CSAT average")).to_be_visible()


def test_a_check_asks_about_the_worst_rated_dimensions(page, sign_in, world, console_errors):
    factories.make_survey_answer(world.team_x, world.account_a, world.contact_a, [-2, 0, -1, 1, 0])
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        status="resolved",
        subject="Invoice sent twice",
        resolved_at=utcnow() - timedelta(days=9),
        assignee_id=world.member_x.id,
    )
    db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}/insights/checks")
    form = page.locator("form.check-form").filter(has_text=item.reference)
    worst = form.get_by_label("Reliability: customers rate it worst this quarter (gap \u22122.0)")
    expect(worst).to_be_visible()
    _look(page, "checks-worst-dimensions")
    for label in ("Answered the actual question", "Correct and complete", "Tone"):
        form.get_by_label(label).check()
    form.get_by_label("Kept the customer informed").check()
    worst.check()
    form.get_by_role("button", name="Record check").click()
    expect(page.get_by_text(f"Check of {item.reference} recorded: not passed")).to_be_visible()
    expect(page.locator(".check-list")).to_contain_text(
        "Competence: customers rate it worst this quarter (gap \u22121.0): fail"
    )
    assert console_errors == []
