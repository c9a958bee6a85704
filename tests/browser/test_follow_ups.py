"""A low rating opens a follow-up on the account for its named member; the member closes
it on the account page with what came of it (htmx), and without JavaScript an empty outcome
is refused and a real one closes it from the team's list. axe at 1366 and 390 wide; with
SCREENSHOTS=/a/folder the account page and the list are kept there."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from portal.extensions import db
from portal.follow_ups import services
from tests.browser.conftest import axe_violations
from tests.follow_ups.helpers import answer_survey, rate

SHOTS = os.environ.get("SCREENSHOTS")
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def _look(page, name):
    page.wait_for_load_state("networkidle")
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        assert axe_violations(page) == [], f"{name} ({size})"
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/{name}-{size}.png", full_page=True, caret="initial")
    page.set_viewport_size({"width": 1366, "height": 900})


def _opened(world):
    services.set_named_member(world.coach_x, world.account_a, world.member_x.id)
    db.session.commit()
    rate(world, score=1, comment="The pallets came a week late and nobody told us.")
    answer_survey(world, {"Reliability": (6, 3), "Responsiveness": (6, 5)}, "Chasing again.")
    return world


def test_the_named_member_closes_a_follow_up(page, sign_in, world, console_errors):
    _opened(world)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/accounts/{world.account_a.id}")
    card = page.locator("#follow-ups")
    expect(card).to_contain_text("Named member: Member X")
    expect(card).to_contain_text("2 open")
    expect(card).to_contain_text("The pallets came a week late")
    expect(card).to_contain_text("Reliability: experienced less than expected")
    _look(page, "follow-ups-account")

    first = card.locator("li.follow-up").first
    first.get_by_text("Close with its outcome").click()
    first.get_by_role("button", name="Close the follow-up").click()
    expect(card).to_contain_text("Say what came of it")
    assert axe_violations(page) == []
    card.get_by_label("What came of it").first.fill("Called Contact A: credit note, new slot.")
    card.get_by_role("button", name="Close the follow-up").first.click()
    expect(card).to_contain_text("1 open")
    expect(card).to_contain_text("Called Contact A: credit note, new slot.")
    expect(card.get_by_text("Closed", exact=True)).to_have_count(1)
    assert axe_violations(page) == []  # the swapped card too

    page.goto(f"/teams/{world.team_x.id}/follow-ups?show=mine")
    expect(page.locator("#follow-up-list li.follow-up")).to_have_count(1)
    _look(page, "follow-ups-list")
    assert console_errors == []


def test_without_javascript_an_empty_outcome_is_refused(world, signed_in_without_js):
    _opened(world)
    page = signed_in_without_js(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/follow-ups")
    items = page.locator("#follow-up-list li.follow-up")
    expect(items).to_have_count(2)
    items.first.get_by_text("Close with its outcome").click()
    items.first.get_by_role("button", name="Close the follow-up").click()
    expect(page.get_by_text("Say what came of it")).to_be_visible()
    page.get_by_label("What came of it").first.fill("Visited them; agreed a weekly call.")
    page.get_by_role("button", name="Close the follow-up").first.click()
    expect(page.get_by_text("closed: its outcome is kept")).to_be_visible()
    expect(items).to_have_count(1)
    page.goto(f"/teams/{world.team_x.id}/follow-ups?show=closed")
    expect(page.get_by_text("Visited them; agreed a weekly call.")).to_be_visible()


def test_a_coach_names_the_member_an_unowned_follow_up_needs(page, sign_in, world, console_errors):
    rate(world, score=2, comment="Nobody seems to own our account.")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}/follow-ups")
    expect(page.locator("#follow-up-list")).to_contain_text("No named member: set one")
    page.get_by_role("link", name="set one").click()
    card = page.locator("#follow-ups")
    expect(card).to_contain_text("Named member: none")
    card.get_by_text("Set the named member").click()
    card.get_by_label("Named member").select_option(label="Member X")
    card.get_by_role("button", name="Save the named member").click()
    expect(card).to_contain_text("Named member: Member X")
    expect(page.locator("#messages")).to_contain_text("Member X is now Account A's named member")
    _look(page, "follow-ups-account-coach")
    assert console_errors == []
