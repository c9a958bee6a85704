"""A member logs a request for a customer who called, in the browser (issue 14)."""

import os

from portal.extensions import db
from portal.models import Request
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep the page's screenshot there


def test_a_member_logs_a_phone_request_for_a_customer(
    page, world, sign_in, console_errors, tmp_path
):
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/inbox")
    page.get_by_role("link", name="Log a request").click()
    page.get_by_label("For whom?").select_option(label=f"Contact A <{world.contact_a.email}>")
    page.get_by_label("How did they reach you?").select_option("phone")
    page.get_by_label("Subject").fill("Forklift battery")
    page.get_by_label("What they need, in their words").fill("It will not charge.")
    assert axe_violations(page) == []
    page.screenshot(path=f"{SHOTS or tmp_path}/log-request.png", full_page=True, caret="initial")
    page.get_by_role("button", name="Log the request").click()
    page.get_by_text("logged this for the customer (a phone call)").wait_for()
    db.session.expire_all()
    item = db.session.query(Request).one()
    assert (item.requester_id, item.channel) == (world.contact_a.id, "phone")
    assert console_errors == []
