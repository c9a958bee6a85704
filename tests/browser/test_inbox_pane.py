"""A request opens beside the inbox list and can be answered there."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Entry
from tests import factories
from tests.browser.conftest import axe_violations


def test_open_and_answer_a_request_beside_the_list(page, world, sign_in, console_errors):
    page.set_viewport_size({"width": 1400, "height": 900})
    item = factories.raise_request(world.contact_a, world.account_a, subject="Pallet missing")
    db.session.commit()
    sign_in(world.member_x)
    page.evaluate("window.__stayed = true")
    page.get_by_role("link", name="Pallet missing").click()

    pane = page.locator("#detail-pane")
    expect(pane.get_by_label("Reply to the customer")).to_be_visible()
    expect(page.locator("#inbox-list")).to_be_visible()  # the list stays beside it
    page.wait_for_url(re.compile(rf"/requests/{item.id}$"))
    assert axe_violations(page) == []

    pane.get_by_label("Reply to the customer").fill("Found it: delivered to door 3")
    pane.get_by_role("button", name="Send reply").click()
    expect(pane.get_by_text("Found it: delivered to door 3").first).to_be_visible()
    assert page.evaluate("window.__stayed") is True
    db.session.expire_all()
    assert db.session.scalar(select(Entry.body).where(Entry.kind == "reply")) == (
        "Found it: delivered to door 3"
    )
    assert console_errors == []
