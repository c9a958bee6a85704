"""A coach adds a learning entry to the team's cross-training plan and sees it reached when
they raise the member's skill; sets a target for a member, who then sees it on their own
page. Without JavaScript the same forms work and bad input says why. axe finds nothing; the
console stays clean; screenshots at 1366 and 390 wide when SCREENSHOTS names a folder."""

from __future__ import annotations

import os
from datetime import timedelta

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import utcnow
from tests import factories
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True, caret="initial")


def _team_skills(world):
    credit = factories.make_function("Credit")
    factories.make_skill(world.coach_x, credit, 3)
    factories.make_skill(world.member_x, world.function, 3)
    factories.make_skill(world.coach_x, world.function, 2)
    db.session.commit()
    return credit


def _keep_zone(page):
    keep = page.get_by_role("button", name="Keep")
    if keep.count():
        keep.click()
        expect(page.locator(".zone-offer")).to_have_count(0)


def test_a_coach_plans_cross_training_and_sets_a_target(
    page, browser, base_url, world, sign_in, console_errors
):
    _team_skills(world)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}/insights/skills")
    _keep_zone(page)
    plan = page.locator("#plan")
    expect(plan).to_contain_text("One person only")
    expect(plan).to_contain_text("only Coach X is capable")

    learning = page.locator("#learning")
    learning.get_by_label("Member").select_option(label="Member X")
    learning.get_by_label("Function").select_option(label="Credit")
    learning.get_by_label("Target level").select_option(label="2 · Capable")
    learning.get_by_label("By").fill((utcnow().date() - timedelta(days=2)).isoformat())
    learning.get_by_label("Note").fill("Shadows Coach X on account holds")
    learning.get_by_role("button", name="Add to the plan").click()
    expect(page.locator("#learning")).to_contain_text("Choose a target date from today on.")
    assert axe_violations(page) == []  # the form with its error, after the swap
    page.locator("#learning").get_by_label("By").fill(
        (utcnow().date() + timedelta(days=30)).isoformat()
    )
    page.locator("#learning").get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_text("Member X is learning Credit: level 2")).to_be_visible()
    expect(page.locator("#learning tbody")).to_contain_text("Shadows Coach X on account holds")
    expect(page.locator("#plan")).to_contain_text("learning: Member X")
    assert axe_violations(page) == []
    _shot(page, "cross-training")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "cross-training-phone")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.get_by_text("Set a member's skill").click()
    skill = page.locator("#plan details").first
    skill.get_by_label("Member").select_option(label="Member X")
    skill.get_by_label("Function").select_option(label="Credit")
    skill.get_by_label("Level").select_option(label="2 · Capable")
    skill.get_by_role("button", name="Save the skill").click()
    expect(page.get_by_text("Credit skill added for Member X at level 2.")).to_be_visible()
    expect(page.locator("#learning")).to_contain_text("Reached")
    expect(page.locator("#plan")).not_to_contain_text("One person only")

    page.goto(f"/teams/{world.team_x.id}/insights/members/{world.member_x.id}")
    targets = page.locator("#targets")
    targets.get_by_label("Measure").select_option(label="Requests resolved (requests)")
    targets.get_by_label("Target", exact=True).fill("12")
    targets.get_by_label("Month (or a month of the quarter)").fill(utcnow().strftime("%Y-%m"))
    targets.get_by_label("Note").fill("Take the billing queue on Mondays")
    targets.get_by_role("button", name="Set the target").click()
    expect(page.get_by_text("Target set for Member X")).to_be_visible()
    expect(page.locator("#targets tbody")).to_contain_text("Requests resolved")
    expect(page.locator("#targets tbody")).to_contain_text("at least 12 requests")
    assert axe_violations(page) == []
    _shot(page, "member-targets-coach")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "member-targets-coach-phone")

    # The member sees it on their own page, reached from the insights navigation.
    context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 900})
    member = context.new_page()
    member.goto("/sign-in")
    member.get_by_label("Email").fill(world.member_x.email)
    member.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    member.get_by_role("button", name="Sign in").click()
    member.wait_for_url(lambda url: "/sign-in" not in url)
    member.goto(f"/teams/{world.team_x.id}/insights")
    member.get_by_role("link", name="My measures and targets").click()
    expect(member.get_by_role("heading", name="Your targets")).to_be_visible()
    expect(member.locator("#targets")).to_contain_text("Take the billing queue on Mondays")
    expect(member.locator("#targets")).not_to_contain_text("Set a target")
    assert axe_violations(member) == []
    _shot(member, "member-targets-own")
    context.close()
    assert console_errors == []


def test_without_javascript_the_plan_and_targets_work(world, signed_in_without_js):
    _team_skills(world)
    page = signed_in_without_js(world.coach_x)
    page.goto(f"/teams/{world.team_x.id}/insights/skills")
    learning = page.locator("#learning")
    learning.get_by_label("Member").select_option(label="Member X")
    learning.get_by_label("Function").select_option(label="Credit")
    learning.get_by_label("By").fill("2020-01-01")
    learning.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_text("Choose a target date from today on.")).to_be_visible()
    page.locator("#learning").get_by_label("By").fill(
        (utcnow().date() + timedelta(days=14)).isoformat()
    )
    page.locator("#learning").get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_text("Member X is learning Credit: level 2")).to_be_visible()
    assert "/insights/skills" in page.url

    page.goto(f"/teams/{world.team_x.id}/insights/members/{world.member_x.id}")
    targets = page.locator("#targets")
    targets.get_by_label("Measure").select_option(label="CSAT average (/ 5)")
    targets.get_by_label("Target", exact=True).fill("4.5")
    targets.get_by_label("A quarter").check()
    targets.get_by_label("Month (or a month of the quarter)").fill("2020-01")
    targets.get_by_role("button", name="Set the target").click()
    expect(page.get_by_text("Q1 2020 is over")).to_be_visible()
    page.locator("#targets").get_by_label("Month (or a month of the quarter)").fill(
        utcnow().strftime("%Y-%m")
    )
    page.locator("#targets").get_by_role("button", name="Set the target").click()
    expect(page.get_by_text("Target set for Member X")).to_be_visible()
    expect(page.locator("#targets tbody")).to_contain_text("at least 4.50 / 5")
