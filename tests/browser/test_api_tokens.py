"""A coach makes an API token, copies it once, and revokes it; a contact does the same
without JavaScript; the API reference page reads well. The token made here then works
against the live server's API."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep the pages for a person to look at


def _shot(page, name, full_page=True):
    if SHOTS:
        # caret="initial": hiding the caret injects a style the CSP (rightly) refuses.
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=full_page, caret="initial")


def test_a_coach_makes_uses_and_revokes_a_token(page, world, sign_in, console_errors, base_url):
    sign_in(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}")
    page.get_by_role("button", name="Keep").click()  # the first sign-in's zone offer
    expect(page.locator(".zone-offer")).to_have_count(0)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Make the token").click()
    secret = page.locator("#new-token")
    expect(secret).to_be_visible()
    token = secret.inner_text()
    assert token.startswith("ost_")
    expect(page.get_by_role("cell", name="CRM sync by Coach X")).to_be_visible()
    assert axe_violations(page) == []
    _shot(page, "api-tokens-team")

    answer = page.request.get(
        f"{base_url}/api/v1/requests", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200 and answer.json()["items"] == []

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke CRM sync").click()
    expect(page.get_by_role("cell", name="Revoked", exact=True)).to_be_visible()
    expect(page.locator("#new-token")).to_have_count(0)  # shown once, never again
    answer = page.request.get(
        f"{base_url}/api/v1/requests", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 401
    assert console_errors == []


def test_a_contact_makes_a_token_without_javascript(world, signed_in_without_js):
    page = signed_in_without_js(world.contact_a)
    page.goto("/portal/api-tokens")
    page.get_by_label("Name").fill("My script")
    page.get_by_role("button", name="Make the token").click()
    expect(page.locator("#new-token")).to_be_visible()
    expect(page.get_by_role("cell", name="Read only")).to_be_visible()
    page.get_by_role("button", name="Revoke My script").click()
    expect(page.get_by_role("cell", name="Revoked")).to_be_visible()


def test_the_api_reference_lists_every_operation(page, console_errors):
    page.goto("/api")
    for path in ("/api/v1/requests", "/api/v1/requests/{request_id}/replies"):
        expect(page.get_by_role("heading", name=path).first).to_be_visible()
    assert axe_violations(page) == []
    _shot(page, "api-reference", full_page=False)
    page.locator("#raiseRequest").scroll_into_view_if_needed()
    _shot(page, "api-reference-operation", full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "api-reference-phone", full_page=False)
    assert console_errors == []
