"""An admin gives a team its mail address, with htmx and without JavaScript; a duplicate is
refused with the reason and nothing saved (issue 14)."""

import os

from portal.extensions import db
from portal.models import Team
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep the form's screenshot there


def _address(team_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(Team, team_id).mail_address


def test_admin_sets_a_team_address_and_a_duplicate_is_refused(
    page, world, sign_in, console_errors, tmp_path
):
    sign_in(world.admin)
    page.goto(f"/admin/teams/{world.team_x.id}")
    details = page.locator("#team-details")
    details.get_by_label("Mail address").fill("North@Support.Example")
    details.get_by_role("button", name="Save details").click()
    page.get_by_text("Mail north@support.example").wait_for()
    assert _address(world.team_x.id) == "north@support.example"
    assert axe_violations(page) == []

    page.goto(f"/admin/teams/{world.team_y.id}")
    details = page.locator("#team-details")
    details.get_by_label("Mail address").fill("north@support.example")
    details.get_by_role("button", name="Save details").click()
    error = details.locator(".error")
    error.wait_for()
    assert "already" in error.inner_text()
    # caret="initial": hiding the caret injects a <style>, which the CSP reports later.
    page.screenshot(path=f"{SHOTS or tmp_path}/team-mail.png", full_page=True, caret="initial")
    assert _address(world.team_y.id) is None
    assert axe_violations(page) == []
    assert console_errors == []


def test_a_team_address_is_set_without_javascript(world, signed_in_without_js):
    page = signed_in_without_js(world.admin)
    page.goto(f"/admin/teams/{world.team_y.id}")
    page.get_by_label("Mail address").fill("south+x@support.example")
    page.get_by_role("button", name="Save details").click()
    assert "Leave out the +" in page.content()
    assert _address(world.team_y.id) is None
    page.get_by_label("Mail address").fill("south@support.example")
    page.get_by_role("button", name="Save details").click()
    assert page.url.endswith(f"/admin/teams/{world.team_y.id}")
    assert _address(world.team_y.id) == "south@support.example"
