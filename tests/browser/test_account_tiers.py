"""A coach enters an account's figures, sees the tier the rule suggests and why, and
overrides it with a reason; without JavaScript the same works and bad figures say why. An
admin sets the rule."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from portal.extensions import db
from tests import factories
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")


def _shot(page, name, full_page=True):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=full_page, caret="initial")


def _rule(world):
    world.tier.min_gross_margin, world.tier.min_years = 30, 5
    standard = factories.make_tier("Standard", 3)
    db.session.commit()
    return standard


def test_a_coach_enters_figures_and_decides_the_tier(page, world, sign_in, console_errors):
    _rule(world)
    sign_in(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}/accounts/{world.account_a.id}")
    page.get_by_role("button", name="Keep").click()  # the first sign-in's zone offer
    expect(page.locator(".zone-offer")).to_have_count(0)
    cards = page.locator("#tier-cards")
    expect(cards).to_contain_text("The rule suggests Standard")
    expect(cards).to_contain_text("gross margin not entered (needs 30%)")

    page.get_by_text("Change the figures").click()
    page.get_by_label("Yearly revenue").fill("1200000")
    page.get_by_label("Gross margin (%)").fill("34.5")
    page.get_by_label("Orders a year").fill("240")
    page.get_by_label("Customer since").fill("2019-03-01")
    page.get_by_role("button", name="Save the figures").click()
    expect(cards).to_contain_text("The rule agrees: Key")
    expect(cards).to_contain_text("gross margin 34.5% ≥ 30%")
    expect(cards).to_contain_text("1,200,000")

    page.get_by_text("Choose a tier yourself").click()
    page.get_by_role("combobox", name="Tier").select_option("Standard")
    page.get_by_role("button", name="Set the tier").click()
    expect(cards).to_contain_text("Say why you choose another tier than the rule suggests.")
    page.get_by_label("Reason").fill("Paused their orders for a year; review in March.")
    page.get_by_role("button", name="Set the tier").click()
    expect(cards).to_contain_text("Override of Key")
    expect(cards).to_contain_text("Paused their orders")
    page.get_by_role("button", name="Make it Key, as suggested").click()
    expect(cards).to_contain_text("The rule agrees: Key")
    expect(cards).to_contain_text("As suggested")
    assert axe_violations(page) == []
    cards.scroll_into_view_if_needed()
    _shot(page, "account-tier", full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    cards.scroll_into_view_if_needed()
    _shot(page, "account-tier-phone", full_page=False)
    assert console_errors == []


def test_without_javascript_bad_figures_say_why(world, signed_in_without_js):
    _rule(world)
    page = signed_in_without_js(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}/accounts/{world.account_a.id}")
    page.get_by_text("Change the figures").click()
    page.get_by_label("Gross margin (%)").fill("140")
    page.get_by_role("button", name="Save the figures").click()
    expect(page.get_by_text("A percentage from -100 to 100.")).to_be_visible()
    page.get_by_label("Gross margin (%)").fill("31")
    page.get_by_label("Customer since").fill("2015-01-01")
    page.get_by_role("button", name="Save the figures").click()
    expect(page.get_by_text("The rule agrees: Key")).to_be_visible()


def test_an_admin_sets_the_rule(page, world, sign_in, console_errors):
    standard = _rule(world)
    sign_in(world.admin)
    page.goto("/admin/tier-rule")
    key = page.get_by_role("region", name="Key")
    key.get_by_label("Years as a customer at least").fill("3")
    key.get_by_role("button", name="Save Key").click()
    expect(page.get_by_text("Key: rule saved.")).to_be_visible()
    standard_card = page.get_by_role("region", name="Standard")
    standard_card.get_by_label("Yearly revenue at least").fill("10000")
    standard_card.get_by_role("button", name="Save Standard").click()
    expect(page.get_by_text("Standard: rule saved.")).to_be_visible()
    db.session.refresh(world.tier)
    db.session.refresh(standard)
    assert world.tier.min_years == 3 and standard.min_revenue == 10000
    assert axe_violations(page) == []
    _shot(page, "tier-rule")
    assert console_errors == []


def test_a_coach_imports_figures_after_a_preview(page, world, sign_in, console_errors, tmp_path):
    sign_in(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}")
    page.get_by_role("button", name="Keep").click()
    expect(page.locator(".zone-offer")).to_have_count(0)
    page.get_by_role("link", name="Import figures").click()
    bad = tmp_path / "figures.csv"
    bad.write_text(
        "account,yearly_revenue,gross_margin,customer_since\n"
        "Account A,1200000,34.5,2019-03-01\nAccount B,5,5,2019-01-01\n"
    )
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("no account “Account B” in this team")).to_be_visible()
    expect(page.get_by_role("button", name="Save the figures")).to_have_count(0)
    assert axe_violations(page) == []
    _shot(page, "import-figures-errors")

    good = tmp_path / "good.csv"
    good.write_text(
        "account,yearly_revenue,gross_margin,customer_since\n"
        "Account A,1200000,34.5,2019-03-01\nAccount A2,80000,18,2024-06-01\n"
    )
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("2 rows ready")).to_be_visible()
    _shot(page, "import-figures-preview")
    page.get_by_role("button", name="Save the figures of 2 accounts").click()
    expect(page.get_by_text("Figures saved: 2 accounts changed.")).to_be_visible()
    db.session.refresh(world.account_a)
    assert world.account_a.yearly_revenue == 1_200_000
    assert console_errors == []
