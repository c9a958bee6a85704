"""A colleague with account-wide visibility, in the browser: reads, replies and chases a
colleague's request; resolve, reopen and rate are not offered (issue #13, items 4 and 7)."""

import os

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import utcnow
from tests import factories
from tests.browser.conftest import axe_violations


def test_a_colleague_reads_replies_and_chases_but_does_not_resolve_or_rate(
    page, world, sign_in, console_errors, tmp_path
):
    world.account_a.shares_visibility = True
    colleague = factories.make_contact(
        world.account_a, sees_account_requests=True, name="Colleague Carla"
    )
    open_item = factories.make_request(
        world.account_a, world.contact_a, status="open", subject="Pallets arrived damaged"
    )
    done_item = factories.make_request(
        world.account_a,
        world.contact_a,
        status="resolved",
        resolved_at=utcnow(),
        subject="Invoice 4471 charged twice",
    )
    db.session.commit()
    sign_in(colleague)

    page.goto(f"/portal/requests/{open_item.id}")
    expect(page.get_by_text("Raised by")).to_be_visible()
    expect(page.get_by_role("button", name="Send reply")).to_be_visible()
    expect(page.get_by_role("button", name="Ask for an update")).to_be_visible()
    expect(page.get_by_role("button", name="This is sorted: mark resolved")).to_have_count(0)
    # caret="initial": hiding the caret (the default) injects a style the CSP refuses.
    shot = os.environ.get("COLLEAGUE_SCREENSHOT") or tmp_path / "colleague.png"
    page.screenshot(path=shot, full_page=True, caret="initial")
    assert axe_violations(page) == []

    page.get_by_label("Your reply").fill("Photos of the pallets are on their way.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Photos of the pallets are on their way.")).to_be_visible()
    page.get_by_role("button", name="Ask for an update").click()
    expect(page.get_by_text("We have let your team know")).to_be_visible()
    page.get_by_role("button", name="Ask for an update").click()
    expect(page.get_by_text("the team has it")).to_be_visible()

    page.goto(f"/portal/requests/{done_item.id}")
    expect(page.get_by_role("button", name="Not sorted after all: reopen")).to_have_count(0)
    expect(page.get_by_role("button", name="Send my rating")).to_have_count(0)
    assert console_errors == []
