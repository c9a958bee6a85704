"""Done when (issue 7): a coach sets three goals and sends a survey; two contacts answer;
the gap per dimension and the goals' values update on the dashboard; the weekly review lists
what needs attention; the exports download. axe finds nothing; the console stays clean."""

import csv
import io
import re
from datetime import timedelta

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Rating, utcnow
from tests import factories
from tests.browser.conftest import axe_violations
from tests.conftest import outbox
from tests.factories import PASSWORD


def _signed_in(browser, base_url, user):
    context = browser.new_context(base_url=base_url, accept_downloads=True)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile("/teams/"))
    return context, page


def _set_goal(page, measure, direction, target, kind="Each month"):
    before = page.locator("#goals .goal").count()
    page.get_by_label("Measure", exact=True).select_option(label=measure)
    assert (
        page.get_by_label("Measure", exact=True).input_value() != "received"
        or "received" in measure
    )
    page.get_by_label("The goal is").select_option(label=direction)
    page.get_by_label("Target", exact=True).fill(target)
    page.get_by_label(kind).check()
    month = utcnow().strftime("%Y-%m")
    page.get_by_label("From", exact=True).fill(month)
    page.get_by_label("Until", exact=True).fill(month)
    page.get_by_role("button", name="Set goal").click()
    expect(page.locator("#goals .goal")).to_have_count(before + 1)
    expect(page.get_by_text("Goal set: it shows on the dashboard")).to_be_visible()


def _answer(browser, base_url, link, expect_score, experience_score, comment):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(link)
    expect(page.get_by_role("heading", name="How are we doing?")).to_be_visible()
    assert axe_violations(page) == []
    groups = page.locator("fieldset.survey-dimension")
    for index in range(groups.count()):
        group = groups.nth(index)
        group.get_by_role("group", name="What you expect").get_by_label(str(expect_score)).check()
        group.get_by_role("group", name="What you experience from us").get_by_label(
            str(experience_score)
        ).check()
    page.get_by_label("Anything you would like us to know?").fill(comment)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    assert errors == []
    context.close()


def test_coach_goals_survey_dashboard_review_and_exports(
    browser, base_url, world, console_errors, tmp_path
):
    second = factories.make_contact(world.account_a, name="Second Contact")
    # Something for the weekly review: a late request and a poor rating with a comment.
    factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        subject="Pallet still missing",
        next_due_at=utcnow() - timedelta(hours=1),
        next_at_risk_at=utcnow() - timedelta(hours=3),
    )
    rated = factories.make_request(
        world.account_a, world.contact_a, status="resolved", resolved_at=utcnow()
    )
    db.session.add(
        Rating(request_id=rated.id, contact_id=world.contact_a.id, score=2, comment="Slow")
    )
    db.session.commit()
    context, page = _signed_in(browser, base_url, world.coach_x)
    dashboard = f"/teams/{world.team_x.id}/insights"
    page.goto(dashboard)
    expect(page.get_by_text("No goals yet.")).to_be_visible()
    assert axe_violations(page) == []

    # Bad input first: no target. The form says so and nothing is saved.
    page.get_by_role("button", name="Set goal").click()
    expect(page.get_by_text("Give the goal a target.").first).to_be_visible()

    _set_goal(page, "CSAT average (/ 5)", "at least", "4.5")
    _set_goal(page, "Median first response (business hours)", "at most", "2")
    _set_goal(page, "Satisfaction gap (points)", "at least", "0", kind="Each quarter")
    goals = page.locator("#goals .goal")
    expect(goals).to_have_count(3)
    # Nothing measured yet for the gap and the median; the rating above gives CSAT 2.00.
    expect(page.locator("#goals .badge", has_text="No data yet")).to_have_count(2)
    assert axe_violations(page) == []

    # Send the survey to Account A's two contacts.
    page.get_by_role("link", name="Surveys").click()
    page.get_by_label("Account", exact=True).select_option(label="Account A")
    page.get_by_role("button", name="Send survey").click()
    expect(page.get_by_text("Survey sent to 2 contacts of Account A.")).to_be_visible()
    assert axe_violations(page) == []
    links = [re.search(r"http\S+/surveys/\S+", m.body).group(0) for m in outbox(None)]
    assert len(links) == 2

    _answer(browser, base_url, links[0], 6, 4, "Replies are slow")
    _answer(browser, base_url, links[1], 5, 6, "=1+1 nice team")

    # The dashboard: gap per dimension and the goal's value follow the answers.
    page.goto(dashboard)
    gap_table = page.locator("section[aria-labelledby=gap-heading] table")
    # (4-6 + 6-5) / 2 = -0.5 on every dimension
    expect(gap_table.get_by_role("cell", name="-0.50")).to_have_count(5)
    gap_goal = goals.filter(has_text="Satisfaction gap")
    expect(gap_goal.get_by_text("Off track")).to_be_visible()
    expect(gap_goal.locator(".goal-current")).to_have_text("-0.50 points")
    csat_goal = goals.filter(has_text="CSAT average")
    expect(csat_goal.locator(".goal-current")).to_have_text("2.00 / 5")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(tmp_path / "dashboard-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The weekly review lists what needs attention.
    page.get_by_role("link", name="Weekly review").click()
    review = page.locator("main")
    expect(
        review.locator("section[aria-labelledby=attention-heading]").get_by_text(
            "Pallet still missing"
        )
    ).to_be_visible()
    expect(review.get_by_text("Slow", exact=True)).to_be_visible()
    expect(review.get_by_text("Reliability: customers experience less")).to_be_visible()
    expect(
        review.locator("section[aria-labelledby=off-heading]").get_by_text("CSAT average")
    ).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Printable page").click()
    expect(page.get_by_role("heading", name="Team X: weekly team review")).to_be_visible()
    assert axe_violations(page) == []

    # Exports download as spreadsheets, formulas neutralised.
    page.goto(f"/teams/{world.team_x.id}/insights/surveys")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export responses (CSV)").click()
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 2 * 5
    assert "'=1+1 nice team" in {row[-1] for row in rows}
    page.goto(dashboard)
    with page.expect_download() as download:
        page.locator("#measures-heading").locator("..").get_by_role(
            "link", name="Export CSV"
        ).click()
    assert download.value.suggested_filename == "team-x-measures.csv"
    assert console_errors == []
    context.close()
    del second
