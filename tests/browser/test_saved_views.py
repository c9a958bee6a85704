"""A member saves a search as a view of their own, opens it from the rail, and deletes it;
and sets a request's properties with one Save beside the list."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Request
from tests import factories
from tests.browser.conftest import axe_violations


def test_a_member_saves_a_view_opens_it_and_deletes_it(page, world, sign_in, console_errors):
    factories.raise_request(
        world.contact_a, world.account_a, subject="Line stopped", urgency="high"
    )
    factories.raise_request(world.contact_a, world.account_a, subject="A calm question")
    db.session.commit()
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/inbox")
    page.get_by_role("button", name="Keep").click()  # the first sign-in's zone offer
    expect(page.locator(".zone-offer")).to_have_count(0)
    page.get_by_text("Filters: function").click()
    page.get_by_label("Urgency").select_option(label="High")
    page.get_by_label("Name this view").fill("Urgent only")
    page.get_by_role("button", name="Save as my view").click()
    expect(page.get_by_text("Saved “Urgent only” among your views.")).to_be_visible()

    rail = page.get_by_role("navigation", name="Your views")
    expect(rail.get_by_role("link", name="Urgent only")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="Line stopped")).to_be_visible()
    expect(page.get_by_role("link", name="A calm question")).to_have_count(0)
    assert axe_violations(page) == []

    page.goto(f"/teams/{world.team_x.id}/inbox")
    rail.get_by_role("link", name="Urgent only").click()
    expect(page.get_by_role("link", name="A calm question")).to_have_count(0)
    rail.get_by_role("button", name="Delete your view Urgent only").click()
    expect(page.get_by_text("Deleted your view “Urgent only”.")).to_be_visible()
    expect(rail.get_by_role("link", name="Urgent only")).to_have_count(0)
    assert console_errors == []


def test_the_pane_saves_owner_and_urgency_with_one_save(page, world, sign_in, console_errors):
    item = factories.raise_request(world.contact_a, world.account_a, subject="Pallets short")
    db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/inbox")
    page.get_by_role("link", name="Pallets short").click()
    pane = page.locator("#detail-pane")
    expect(pane.get_by_role("heading", name="Properties")).to_be_visible()
    pane.get_by_label("Owner").select_option(label="Member X")
    pane.get_by_label("Urgency").select_option(label="High")
    pane.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved: urgency, owner.")).to_be_visible()
    db.session.expire_all()
    saved = db.session.get(Request, item.id)
    assert (saved.assignee_id, saved.urgency) == (world.member_x.id, "high")
    assert axe_violations(page) == []
    assert console_errors == []
