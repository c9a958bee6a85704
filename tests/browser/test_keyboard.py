"""The inbox without a mouse: j/k, Enter, a, r, e, / and ? do what the page says."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Request
from tests import factories
from tests.browser.conftest import axe_violations


def test_a_member_works_the_queue_with_the_keyboard_alone(page, world, sign_in, console_errors):
    page.set_viewport_size({"width": 1400, "height": 900})
    subjects = ["Pallet missing", "Invoice twice", "Forklift noise"]
    items = [factories.raise_request(world.contact_a, world.account_a, subject=s) for s in subjects]
    db.session.commit()
    sign_in(world.member_x)
    rows = page.locator("[data-queue-row]")
    expect(rows).to_have_count(3)
    first_listed = rows.nth(0).locator("[data-queue-link]").inner_text()

    # Off until turned on: no script, and a key press does nothing.
    assert page.locator('script[src*="keys.js"]').count() == 0
    page.keyboard.press("j")
    expect(page.locator("[data-queue-row].is-current")).to_have_count(0)
    page.get_by_text("Keyboard shortcuts: off").click()
    page.get_by_role("button", name="Turn keyboard shortcuts on").click()
    expect(page.get_by_text("Keyboard shortcuts are on")).to_be_visible()
    expect(rows).to_have_count(3)  # back on the same inbox
    assert page.locator('script[src*="keys.js"]').count() == 1

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("is-current"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("is-current"))
    expect(rows.nth(0)).not_to_have_class(re.compile("is-current"))
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("is-current"))
    expect(rows.nth(0).locator("[data-queue-link]")).to_be_focused()

    page.keyboard.press("Enter")
    pane = page.locator("#detail-pane")
    expect(pane.get_by_label("Reply to the customer")).to_be_visible()
    opened = next(i for i in items if i.subject == first_listed)
    page.wait_for_url(re.compile(rf"/requests/{opened.id}$"))

    page.keyboard.press("a")
    expect(pane.get_by_role("button", name="Assign to me")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(Request, opened.id).assignee_id == world.member_x.id

    page.keyboard.press("r")
    reply = pane.get_by_label("Reply to the customer")
    expect(reply).to_be_focused()
    page.keyboard.type("We see the pallet, we are on it")  # letters typed here are text
    expect(reply).to_have_value("We see the pallet, we are on it")
    page.keyboard.press("Escape")
    expect(reply).not_to_be_focused()
    db.session.expire_all()
    assert db.session.get(Request, opened.id).status != "resolved"

    page.keyboard.press("n")
    expect(pane.get_by_label(re.compile("Internal note"))).to_be_focused()
    page.keyboard.press("Escape")

    # An unsent reply is never thrown away by a shortcut: 'e' shows the draft instead.
    page.keyboard.press("e")
    expect(reply).to_be_focused()
    db.session.expire_all()
    assert db.session.get(Request, opened.id).status != "resolved"
    reply.fill("")
    page.keyboard.press("Escape")

    page.keyboard.press("e")
    expect(pane.get_by_role("button", name="Resolve")).to_have_count(0)
    db.session.expire_all()
    assert db.session.scalar(select(Request.status).where(Request.id == opened.id)) == ("resolved")

    # Keys pressed while the next request is still loading act on that request.
    page.keyboard.press("j")
    second = next(i for i in items if i.subject == rows.nth(1).locator("a").first.inner_text())
    page.keyboard.press("Enter")
    page.keyboard.press("a")
    page.wait_for_url(re.compile(rf"/requests/{second.id}$"))
    expect(pane.get_by_role("button", name="Assign to me")).to_have_count(0)
    expect(page.locator("#inbox-list")).to_be_visible()  # still beside the list: no full page
    db.session.expire_all()
    assert db.session.get(Request, second.id).assignee_id == world.member_x.id

    page.keyboard.press("/")
    expect(page.locator("#inbox-q")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_have_attribute("open", "")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).not_to_have_attribute("open", "")

    # Single-key shortcuts can be turned off again, and stay off on the next page.
    page.keyboard.press("?")
    page.get_by_role("button", name="Turn keyboard shortcuts off").click()
    expect(page.get_by_text("Keyboard shortcuts are off.")).to_be_visible()
    page.goto(f"/teams/{world.team_x.id}/inbox")
    expect(page.get_by_text("Keyboard shortcuts: off")).to_be_visible()
    assert page.locator('script[src*="keys.js"]').count() == 0
    expect(rows).to_have_count(2)  # one was resolved above
    page.keyboard.press("j")
    expect(page.locator("[data-queue-row].is-current")).to_have_count(0)
    page.keyboard.press('"')  # keys outside the set are left alone, and never an error
    assert console_errors == []
