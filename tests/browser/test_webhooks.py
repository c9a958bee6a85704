"""A coach adds a webhook endpoint, copies its secret once, sends a test event and reads it in
the delivery log; a real receiver on loopback gets it, signed. Without JavaScript a coach
corrects a refused form and switches an endpoint off."""

from __future__ import annotations

import json
import os

from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from portal.webhooks import delivery
from tests.browser.conftest import axe_violations
from tests.webhooks.conftest import receiver  # noqa: F401  the loopback receiver fixture

SHOTS = os.environ.get("SCREENSHOTS")


def _shot(page, name, full_page=True):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=full_page, caret="initial")


def test_a_coach_adds_an_endpoint_and_tests_it(page, world, sign_in, console_errors, receiver):  # noqa: F811
    sign_in(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}")
    page.get_by_role("button", name="Keep").click()  # the first sign-in's zone offer
    expect(page.locator(".zone-offer")).to_have_count(0)
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description").fill("CRM sync")
    page.get_by_label("request.created").check()
    page.get_by_label("note.created").check()
    page.get_by_role("button", name="Add the endpoint").click()
    secret = page.locator("#new-secret")
    expect(secret).to_be_visible()
    key = secret.inner_text()
    assert key.startswith("whsec_")
    expect(page.get_by_role("cell", name="Active")).to_be_visible()
    assert axe_violations(page) == []
    _shot(page, "webhooks-team")

    page.get_by_role("link", name="Open the endpoint").click()
    expect(page.get_by_text(key)).to_have_count(0)  # shown once, never again
    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_role("cell", name="Queued", exact=True)).to_be_visible()

    assert delivery.deliver_due() == 1  # what tick does, here in the test's own process
    [got] = receiver.received
    event = Webhook(key).verify(got.body, got.headers)
    assert event["type"] == "webhook.test" and "Coach X" in event["data"]["message"]

    page.reload()
    expect(page.get_by_role("cell", name="Delivered")).to_be_visible()
    expect(page.get_by_text("HTTP 204")).to_be_visible()
    page.get_by_text("Body", exact=True).click()
    expect(page.locator(".delivery-log pre")).to_contain_text('"type": "webhook.test"')
    assert json.loads(page.locator(".delivery-log pre").inner_text())["id"] == event["id"]
    assert axe_violations(page) == []
    _shot(page, "webhook-endpoint")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "webhook-endpoint-phone", full_page=False)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("cell", name="Queued", exact=True)).to_be_visible()
    assert console_errors == []


def test_without_javascript_a_refused_form_says_why(world, signed_in_without_js):
    page = signed_in_without_js(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}/webhooks")
    page.get_by_label("URL").fill("http://crm.example.com/hooks")
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.get_by_text("Webhooks are sent over https only.")).to_be_visible()
    expect(page.get_by_text("Choose at least one event to send.")).to_be_visible()
    page.get_by_label("URL").fill("https://crm.example.com/hooks")
    page.get_by_label("rating.created").check()
    page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator("#new-secret")).to_be_visible()
    page.get_by_role("link", name="Open the endpoint").click()
    page.get_by_role("button", name="Switch off").click()
    expect(page.get_by_text("Switched off by Coach X")).to_be_visible()
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_role("button", name="Switch off")).to_be_visible()
