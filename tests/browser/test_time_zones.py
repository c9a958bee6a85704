"""A contact in Berlin (the browser says so) is offered Berlin on their first sign-in, and
then reads the team's promise on Berlin's clock; without JavaScript the offer still works."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from portal.domain import time_words
from portal.extensions import db
from portal.models import User
from tests import factories
from tests.browser.conftest import axe_violations

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": "Europe/Berlin"}


@pytest.fixture
def raised(world):
    factories.make_service_level(world.tier, first_response=240, resolution=2400)
    item = factories.raise_request(world.contact_a, world.account_a, subject="Pallets short")
    db.session.commit()
    return item


def test_a_contact_in_berlin_takes_the_offered_zone_and_sees_the_due_time_in_it(
    page, world, raised, sign_in, console_errors
):
    sign_in(world.contact_a)
    offer = page.locator(".zone-offer")
    expect(offer).to_contain_text("Times are shown in Europe/London time.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Use Europe/Berlin, this device's zone").click()
    expect(page.get_by_text("Times are shown in Europe/Berlin time.")).to_be_visible()
    expect(offer).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(User, world.contact_a.id).timezone == "Europe/Berlin"

    page.goto("/me")
    expect(page.get_by_label("Your time zone")).to_have_value("Europe/Berlin")
    assert axe_violations(page) == []

    page.goto(f"/portal/requests/{raised.id}")
    due = time_words.deadline(raised.first_response_due_at, BERLIN)
    expect(page.get_by_text(f"by {due}", exact=True)).to_be_visible()
    assert due.endswith("CET")  # December: Berlin is an hour ahead of London and UTC
    assert console_errors == []


def test_without_javascript_the_offer_keeps_or_links_to_the_picker(
    world, raised, signed_in_without_js
):
    page = signed_in_without_js(world.contact_a)
    offer = page.locator(".zone-offer")
    expect(offer).to_be_visible()
    # The browser's zone needs the script: that form stays hidden.
    expect(page.get_by_role("button", name="this device's zone")).to_have_count(0)
    page.get_by_role("link", name="Choose another").click()
    page.get_by_label("Your time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("Times are shown in Europe/Berlin time.")).to_be_visible()
    page.goto(f"/portal/requests/{raised.id}")
    due = time_words.deadline(raised.first_response_due_at, BERLIN)
    expect(page.get_by_text(f"by {due}", exact=True)).to_be_visible()
