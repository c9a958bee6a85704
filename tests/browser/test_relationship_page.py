"""An account's relationship page in Chromium: a member records a key person, a meeting and
the plan agreed there, then closes the plan; without JavaScript a missing outcome says why.
axe at 1366x900 and on a phone; SCREENSHOTS=/a/folder keeps the pages."""

from __future__ import annotations

import os
from datetime import timedelta

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import AgreedPlan, utcnow
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True, caret="initial")


def test_a_member_keeps_the_relationship(page, world, sign_in, console_errors):
    w = world
    sign_in(w.member_x)
    page.goto(f"/teams/{w.team_x.id}/accounts/{w.account_a.id}")
    page.get_by_role("button", name="Keep").click()  # the first sign-in's zone offer
    expect(page.locator(".zone-offer")).to_have_count(0)
    page.get_by_role("link", name="Relationship: key people, meetings, plans").click()
    expect(page.get_by_role("heading", name="Relationship", level=1)).to_be_visible()

    people = page.locator("#people")
    people.get_by_text("Add a key person").click()
    people.get_by_label("Name").fill("Dana Reyes")
    people.get_by_label("Role").fill("Head of purchasing")
    people.get_by_label("Email").fill("dana@acme.example")
    people.get_by_label("Worth knowing").fill("Prefers a call before noon")
    people.get_by_role("button", name="Add the person").click()
    expect(page.get_by_text("Dana Reyes added to the key people.")).to_be_visible()
    expect(people).to_contain_text("Head of purchasing")

    meetings = page.locator("#meetings")
    meetings.get_by_text("Record a meeting").click()
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    meetings.get_by_label("Held on").fill(yesterday)
    meetings.get_by_label("Subject").fill("Quarterly review")
    meetings.get_by_label("Who took part").fill("Dana Reyes, Member X")
    meetings.get_by_label("Notes").fill("Deliveries **before 9:00** from January.")
    meetings.get_by_role("button", name="Record the meeting").click()
    expect(page.get_by_text("Meeting recorded.")).to_be_visible()
    expect(page.locator("#meetings strong")).to_have_text("before 9:00")

    plans = page.locator("#plans")
    plans.get_by_text("Record a plan").click()
    plans.get_by_label("What we agreed").fill("Move the standing delivery to 8:00")
    plans.get_by_label("Owner").select_option(label="Coach X")
    plans.get_by_label("Due").fill((utcnow().date() + timedelta(days=10)).isoformat())
    plans.get_by_label("Agreed at").select_option(index=1)
    plans.get_by_role("button", name="Record the plan").click()
    expect(plans).to_contain_text("agreed at “Quarterly review”")
    assert axe_violations(page) == []
    _shot(page, "relationship")
    page.set_viewport_size({"width": 390, "height": 844})
    assert axe_violations(page) == []
    _shot(page, "relationship-phone")
    page.set_viewport_size({"width": 1366, "height": 900})

    plans.get_by_text("Close it").click()
    plans.get_by_label("Dropped").check()
    plans.get_by_label("What came of it").fill("Their new dock opens at 7:00 instead.")
    plans.get_by_role("button", name="Close the plan").click()
    expect(page.get_by_text("Plan closed.")).to_be_visible()
    expect(plans).to_contain_text("Dropped")
    db.session.expire_all()
    plan = db.session.query(AgreedPlan).one()
    assert (plan.status, plan.outcome) == ("dropped", "Their new dock opens at 7:00 instead.")
    assert console_errors == []


def test_without_javascript_a_plan_needs_its_outcome(world, signed_in_without_js):
    w = world
    db.session.add(
        AgreedPlan(
            account_id=w.account_a.id,
            what="Send one invoice a month",
            owner_id=w.member_x.id,
            due_on=utcnow().date() + timedelta(days=3),
        )
    )
    db.session.commit()
    page = signed_in_without_js(w.member_x)
    page.goto(f"/teams/{w.team_x.id}/accounts/{w.account_a.id}/relationship")
    plans = page.locator("#plans")
    plans.get_by_text("Close it").click()
    plans.get_by_role("button", name="Close the plan").click()
    expect(page.get_by_text("Say what came of it, or why it was dropped.")).to_be_visible()
    page.locator("#plans").get_by_label("What came of it").fill("Sent from December.")
    page.locator("#plans").get_by_role("button", name="Close the plan").click()
    expect(page.get_by_text("Plan closed.")).to_be_visible()
    expect(page.locator("#plans")).to_contain_text("Sent from December.")
