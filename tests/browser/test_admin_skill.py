"""An admin adds and changes a person's skill in place (htmx), and without JavaScript."""

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Skill
from tests import factories
from tests.browser.conftest import axe_violations


def _skills(user):
    db.session.expire_all()
    return {
        (s.function.name, s.level)
        for s in db.session.scalars(select(Skill).where(Skill.user_id == user.id))
    }


def test_admin_adds_and_changes_a_skill_without_leaving_the_page(
    page, world, sign_in, console_errors
):
    factories.make_function("Delivery")
    db.session.commit()
    sign_in(world.admin)
    page.goto(f"/admin/people/{world.member_x.id}")
    page.evaluate("window.__stayed = true")  # survives only if no full page load happens

    skills = page.locator("#skills")
    skills.get_by_label("Function").select_option(label="Billing")
    skills.get_by_label("Level").select_option("3")
    skills.get_by_role("button", name="Add skill").click()
    skills.get_by_role("cell", name="Billing", exact=True).wait_for()
    assert _skills(world.member_x) == {("Billing", 3)}

    page.locator("#skills").get_by_label("Billing level").select_option("2")
    page.locator("#skills").get_by_role("button", name="Change billing level").click()
    page.locator("#skills .level-text", has_text="Capable").wait_for()
    assert _skills(world.member_x) == {("Billing", 2)}

    assert page.evaluate("window.__stayed") is True
    assert page.url.endswith(f"/admin/people/{world.member_x.id}")
    assert axe_violations(page) == []
    assert console_errors == []


def test_adding_a_skill_works_without_javascript(world, signed_in_without_js):
    page = signed_in_without_js(world.admin)
    page.goto(f"/admin/people/{world.coach_x.id}")
    page.locator("#skills").get_by_label("Function").select_option(label="Billing")
    page.locator("#skills").get_by_label("Level").select_option("1")
    page.locator("#skills").get_by_role("button", name="Add skill").click()
    assert page.url.endswith(f"/admin/people/{world.coach_x.id}")  # 303 back to the page
    expect(page.locator("#skills").get_by_role("cell", name="Billing", exact=True)).to_be_visible()
    assert _skills(world.coach_x) == {("Billing", 1)}
