"""An admin moves an account to another team from its page, choosing what happens to its open
requests (htmx, and without JavaScript)."""

import os

from portal.extensions import db
from portal.models import Account, Request
from tests import factories
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep the form's screenshot there


def _teams(world):
    db.session.expire_all()
    account = db.session.get(Account, world.account_a.id)
    requests = db.session.query(Request.team_id).filter(Request.account_id == account.id)
    return account.team_id, {team_id for (team_id,) in requests}


def test_admin_moves_an_account_and_its_open_requests(
    page, world, sign_in, console_errors, tmp_path
):
    factories.make_request(world.account_a, world.contact_a, subject="Pallet refund")
    factories.make_request(world.account_a, world.contact_a, subject="Late delivery")
    db.session.commit()
    sign_in(world.admin)
    page.goto(f"/admin/accounts/{world.account_a.id}")
    details = page.locator("#account-details")
    details.get_by_label("Owning team").select_option(label="Team Y")
    choice = details.get_by_role("group", name="Open requests, if the team changes")
    assert choice.get_by_label("Move them to the new team").is_checked()
    # caret="initial": hiding the caret injects a <style>, which the CSP reports later.
    page.screenshot(path=f"{SHOTS or tmp_path}/move-account.png", full_page=True, caret="initial")
    assert axe_violations(page) == []

    details.get_by_role("button", name="Save details").click()
    page.get_by_text("It now belongs to Team Y; its open requests moved with it.").wait_for()
    assert _teams(world) == (world.team_y.id, {world.team_y.id})
    assert axe_violations(page) == []
    assert console_errors == []


def test_leaving_the_open_requests_works_without_javascript(world, signed_in_without_js):
    factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    page = signed_in_without_js(world.admin)
    page.goto(f"/admin/accounts/{world.account_a.id}")
    page.get_by_label("Owning team").select_option(label="Team Y")
    page.get_by_label("Leave them with the current team").check()
    page.get_by_role("button", name="Save details").click()
    assert page.url.endswith(f"/admin/accounts/{world.account_a.id}")  # 303 back to the page
    assert _teams(world) == (world.team_y.id, {world.team_x.id})
