"""A member sees the unread count in the bar, reads their notifications and marks them
read (issue 14)."""

import os

from portal import notify
from portal.extensions import db
from tests import factories
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep the page's screenshot there


def test_a_member_reads_their_notifications(page, world, sign_in, console_errors, tmp_path):
    item = factories.make_request(world.account_a, world.contact_a, subject="Invoice 4471")
    db.session.flush()
    notify.tell(
        world.member_x.id, "assigned", f"{item.reference} “Invoice 4471” is yours.", request=item
    )
    notify.tell(
        world.member_x.id,
        "customer_replied",
        f"Contact A answered on {item.reference}.",
        request=item,
    )
    db.session.commit()

    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/inbox")
    bell = page.get_by_role("link", name="Notifications")
    bell.get_by_text("2").wait_for()  # fetched after the page by htmx
    bell.click()
    page.get_by_role("heading", name="2 unread").wait_for()
    assert axe_violations(page) == []
    page.screenshot(path=f"{SHOTS or tmp_path}/notifications.png", full_page=True, caret="initial")
    page.get_by_role("button", name="Mark all read").click()
    page.get_by_role("heading", name="0 unread").wait_for()
    assert axe_violations(page) == []
    page.get_by_role("link", name=f"{item.reference} “Invoice 4471” is yours.").click()
    page.get_by_role("heading", name="Invoice 4471").wait_for()
    assert console_errors == []
