"""Two members on one request: presence, a held reply, a handoff, and the resolution."""

import os
import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Entry, Handoff, Request
from tests import factories
from tests.browser.conftest import axe_violations
from tests.factories import PASSWORD


def _signed_in(browser, base_url, user):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile("/teams/"))
    return context, page


def test_two_members_collide_safely_and_hand_off(browser, base_url, world, console_errors):
    factories.make_skill(world.coach_x, world.function, 3)  # B is the Billing expert
    item = factories.raise_request(world.contact_a, world.account_a, subject="Refund owed")
    db.session.commit()
    detail = f"/teams/{world.team_x.id}/requests/{item.id}"

    a_context, a = _signed_in(browser, base_url, world.member_x)
    b_context, b = _signed_in(browser, base_url, world.coach_x)
    a.goto(detail)
    b.goto(detail)

    # A claims the request.
    a.get_by_label("Owner", exact=True).select_option(label="Member X")
    a.get_by_role("button", name="Save", exact=True).click()
    expect(a.get_by_text("Saved: owner.")).to_be_visible()

    # B sees A looking, then typing (heartbeats every 20 s, polls every 10 s).
    expect(b.get_by_text("Member X is looking at this")).to_be_visible(timeout=25_000)
    a.get_by_label("Reply to the customer").fill("Checking the refund now")
    expect(b.get_by_text("Member X is typing a reply")).to_be_visible(timeout=25_000)

    # B writes a reply on the version B loaded; A adds a note first: B's reply is held.
    b.get_by_label("Reply to the customer").fill("Your refund is on its way")
    a.get_by_label("Internal note (the customer never sees it)").fill("Refund approved by finance")
    a.get_by_role("button", name="Add internal note").click()
    expect(a.get_by_text("Internal note added.")).to_be_visible()
    b.get_by_role("button", name="Send reply").click()
    expect(b.get_by_text("Held: new activity arrived while you wrote")).to_be_visible()
    expect(b.get_by_text("Refund approved by finance")).to_be_visible()
    assert b.get_by_label("Reply to the customer").input_value() == "Your refund is on its way"
    assert axe_violations(b) == []
    b.get_by_role("button", name="Send reply").click()
    expect(b.get_by_text("Reply sent to the customer.")).to_be_visible()
    db.session.expire_all()
    replies = db.session.scalars(select(Entry.body).where(Entry.kind == "reply")).all()
    assert replies == ["Your refund is on its way"]

    # A hands the billing part on; routing picks B, the Billing expert.
    a.reload()
    a.get_by_text("Hand a part to another function").click()
    a.get_by_label("Hand to function").select_option(label="Billing")
    a.get_by_label("What is needed").fill("Issue the credit note")
    a.get_by_role("button", name="Hand off").click()
    expect(a.get_by_text("Handed to Coach X (Billing).")).to_be_visible()
    assert db.session.scalar(select(Handoff.owner_id)) == world.coach_x.id

    # A second part waits for the first: its clock starts when the credit note is issued.
    a.reload()
    a.get_by_text("Hand a part to another function").click()
    a.get_by_label("What is needed").fill("Send the corrected invoice")
    a.get_by_label("Starts").select_option(label="After Billing (Coach X)")
    a.get_by_role("button", name="Hand off").click()
    expect(a.get_by_text("Waiting for Billing")).to_be_visible()
    assert axe_violations(a) == []
    if os.environ.get("SCREENSHOTS"):
        a.locator("#handoffs-heading").locator("..").screenshot(
            path=f"{os.environ['SCREENSHOTS']}/handoffs-in-order.png", caret="initial"
        )

    # The customer sees one request with one consolidated status line, in order.
    c_context = browser.new_context(base_url=base_url)
    c = c_context.new_page()
    c.goto("/sign-in")
    c.get_by_label("Email").fill(world.contact_a.email)
    c.get_by_label("Password", exact=True).fill(PASSWORD)
    c.get_by_role("button", name="Sign in").click()
    c.wait_for_url(re.compile("/portal/"))
    c.goto(f"/portal/requests/{item.id}")
    expect(c.get_by_text("Billing: in progress → Billing: waiting")).to_be_visible()
    expect(c.get_by_text("Refund approved by finance")).to_have_count(0)

    # A resolves; the clock stops.
    a.reload()
    a.get_by_label("Status").select_option(label="Resolved")
    a.get_by_role("button", name="Save", exact=True).click()
    expect(a.get_by_text("Saved: status.")).to_be_visible()
    db.session.expire_all()
    resolved = db.session.get(Request, item.id)
    assert resolved.status == "resolved" and resolved.next_due_at is None
    assert axe_violations(a) == []
    for context in (a_context, b_context, c_context):
        context.close()
    assert console_errors == []
