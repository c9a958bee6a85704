"""The insights pages with a few months of data, as a coach sees them (issue 16): figures
print their unit once, charts have tooltips and labelled axes, the internal checks keep
their sample on reload, and every page passes axe at 1366x900 and on a phone. With
SCREENSHOTS=/a/folder the pages are kept there."""

import os
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.insights import services
from portal.models import Goal, Rating, SurveyInvitation, utcnow
from tests import factories
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def measured_team(world):
    """Six months of resolved requests, ratings, a survey answer, goals and last week's
    resolved requests for the checks."""
    now = utcnow()
    for i in range(40):
        when = now - timedelta(days=i * 4 + 1, hours=2)
        item = factories.make_request(
            world.account_a,
            world.contact_a,
            status="resolved",
            subject=f"Delivery question {i}",
            function_id=world.function.id,
            assignee_id=(world.member_x if i % 3 else world.coach_x).id,
            created_at=when - timedelta(hours=5),
            first_response_at=when - timedelta(hours=4),
            first_response_minutes=(i * 17) % 200,
            resolved_at=when,
            resolution_due_at=when + timedelta(hours=2 if i % 4 else -2),
        )
        if i % 2:
            db.session.add(
                Rating(request_id=item.id, contact_id=world.contact_a.id, score=3 + i % 3)
            )
    for measure, target, direction in (
        ("resolved_in_sla", 80, "at_least"),
        ("median_first_response", 1, "at_most"),
        ("csat", 4.5, "at_least"),
    ):
        db.session.add(
            Goal(
                team_id=world.team_x.id,
                measure=measure,
                period_kind="month",
                period_start=(now - timedelta(days=200)).date().replace(day=1),
                period_end=(now + timedelta(days=200)).date().replace(day=1),
                target=target,
                direction=direction,
                created_by_id=world.coach_x.id,
            )
        )
    survey, _ = services.send_survey(world.coach_x, world.team_x, world.account_a)
    invitation = db.session.query(SurveyInvitation).filter_by(survey_id=survey.id).first()
    scores = [(5, 6), (6, 5), (5, 5), (6, 4), (4, 5)]
    answers = [services.Answer(d.id, *scores[n % 5]) for n, d in enumerate(services.dimensions())]
    services.answer_survey(invitation, answers, "")
    world.account_a.yearly_revenue, world.account_a.customer_since = 2_400_000, date(2017, 4, 1)
    world.account_a2.yearly_revenue, world.account_a2.customer_since = 180_000, date(2025, 2, 1)
    db.session.commit()
    return world


def _look(page, name):
    page.wait_for_load_state("networkidle")
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        assert axe_violations(page) == [], f"{name} ({size})"
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/{name}-{size}.png", full_page=True, caret="initial")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_dashboard_member_and_checks_pages(page, sign_in, measured_team, console_errors):
    world = measured_team
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}/insights")
    main = page.locator("main")
    expect(main.locator("#goals .goal")).to_have_count(3)
    assert not re.search(r"%\s*%", main.inner_text())
    assert "0.0 " not in main.inner_text()
    # Every bar and point carries its own tooltip; sparklines label their axis.
    for chart in page.locator("svg.chart-svg").all():
        marks = chart.locator("g.chart-row, g.chart-point")
        assert marks.count() == chart.locator("g > title").count() > 0
    assert page.locator("svg.chart-trend text[text-anchor=end]").count() == 6
    loyalty = page.locator("section[aria-labelledby=loyalty-heading]")
    expect(loyalty).to_contain_text("2,580,000")  # both of its accounts are Key
    _look(page, "insights-dashboard")
    if SHOTS:  # close-ups of the charts, at the size they are read
        loyalty.screenshot(path=f"{SHOTS}/insights-loyalty.png")
        page.locator("#goals .goal-list").screenshot(path=f"{SHOTS}/insights-goals.png")
        page.locator(".chart-grid").screenshot(path=f"{SHOTS}/insights-charts.png")
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#goals .goal").nth(1).screenshot(path=f"{SHOTS}/insights-goal-phone.png")
        gap = page.locator("section[aria-labelledby=gap-heading]")
        gap.screenshot(path=f"{SHOTS}/insights-gap-phone.png")
        page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"/teams/{world.team_x.id}/insights/members/{world.member_x.id}")
    expect(page.get_by_role("heading", name="Member X", exact=True)).to_be_visible()
    assert not re.search(r"%\s*%", page.locator("main").inner_text())
    _look(page, "insights-member")

    page.goto(f"/teams/{world.team_x.id}/insights/checks")
    forms = page.locator("form.check-form h3")
    expect(forms).to_have_count(5)
    first = forms.all_inner_texts()
    page.reload()
    assert page.locator("form.check-form h3").all_inner_texts() == first
    _look(page, "insights-checks")
    assert console_errors == []


def test_load_by_function(page, sign_in, world, console_errors):
    credit = factories.make_function("Credit", customer_label="credit")
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.flush()
    now = utcnow()
    for n, (made, done) in enumerate([(1, 1), (2, 1), (3, 1), (1, 0), (0, 6)]):
        day = now - timedelta(days=5 - n)
        for _ in range(made):
            factories.make_handoff(item, credit, world.member_x, world.member_x, created_at=day)
        for _ in range(done):
            factories.make_handoff(
                item,
                credit,
                world.member_x,
                world.member_x,
                status="done",
                created_at=day - timedelta(days=2),
                completed_at=day,
            )
    db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/insights/load")
    expect(page.get_by_role("rowheader", name="Credit")).to_be_visible()
    expect(page.locator("td.clump")).to_have_count(1)
    _look(page, "insights-load")
    assert console_errors == []


def test_the_review_turns_an_item_into_an_action(page, sign_in, world, console_errors):
    item = factories.make_request(world.account_a, world.contact_a, status="resolved")
    db.session.flush()
    db.session.add(Rating(request_id=item.id, contact_id=world.contact_a.id, score=2))
    db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/insights/review")
    page.get_by_text("Add an action").click()
    page.get_by_label("About").select_option(label=f"2 of 5 on {item.reference} from Contact A")
    page.get_by_label("What we will do").fill("Call Contact A about the late pallets")
    page.get_by_label("Owner").select_option(label="Coach X")
    page.get_by_label("Due").fill((utcnow().date() + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Action added")).to_be_visible()
    expect(page.get_by_text("Call Contact A about the late pallets", exact=True)).to_be_visible()
    _look(page, "insights-review-actions")
    page.get_by_text("Close it").click()
    page.get_by_label("What came of it").fill("Called; a credit note went out the same day.")
    page.get_by_role("button", name="Close with this outcome").click()
    expect(page.get_by_text("What came of them since the last review")).to_be_visible()
    assert console_errors == []
