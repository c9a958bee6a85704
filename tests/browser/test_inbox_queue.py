"""The inbox reads like a work queue: on a laptop screen, a screenful of one-line rows."""

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Team, User
from portal.seeding import demo
from tests.browser.conftest import axe_violations


def test_a_laptop_screen_holds_fifteen_requests_of_the_demo_queue(page, sign_in, console_errors):
    demo.seed()
    db.session.commit()
    team = db.session.scalar(select(Team).order_by(Team.id))
    member_email = next(email for role, email, _ in demo.sign_in_details() if role == "member")
    member = db.session.scalar(select(User).where(User.email == member_email))
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(member, password=demo.DEMO_PASSWORD)
    page.goto(f"/teams/{team.id}/inbox")

    rows = page.locator("tr[data-queue-row]")
    expect(rows.first).to_be_visible()
    visible = page.evaluate(
        """() => [...document.querySelectorAll('tr[data-queue-row]')].filter(row => {
             const box = row.getBoundingClientRect();
             return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
           }).length"""
    )
    assert visible >= 15
    # Each row is one line: no cell wraps the row taller than a line of text.
    heights = page.evaluate(
        "() => [...document.querySelectorAll('tr[data-queue-row]')].map(r => r.offsetHeight)"
    )
    assert max(heights) <= 40
    # The views sit in the rail with their counts, and the page still passes axe.
    expect(page.get_by_role("navigation", name="Inbox views").get_by_role("link")).to_have_count(8)
    assert axe_violations(page) == []

    page.locator("#inbox-q").fill("pallet")
    expect(page.locator(".result-count")).to_contain_text("found for “pallet”")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator(".result-count")).to_contain_text("the nearest target first")
    assert console_errors == []


def _unassigned_requests(world, count):
    from tests import factories

    items = [
        factories.make_request(world.account_a, world.contact_a, subject=f"Pallet {n}")
        for n in range(count)
    ]
    db.session.commit()
    return items


def _owners(items):
    from portal.models import Request

    db.session.expire_all()
    ids = [i.id for i in items]
    return set(db.session.scalars(select(Request.assignee_id).where(Request.id.in_(ids))))


def test_every_request_on_the_page_gets_an_owner_without_javascript(world, signed_in_without_js):
    items = _unassigned_requests(world, 3)
    page = signed_in_without_js(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/inbox")
    bar = page.locator(".bulk-bar")
    bar.get_by_label("Assign to").select_option(label="Member X")
    bar.get_by_label("Every request on this page").check()
    bar.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("3 requests updated.")).to_be_visible()
    assert _owners(items) == {world.member_x.id}


def test_ticked_requests_get_an_owner_with_javascript(page, world, sign_in, console_errors):
    items = _unassigned_requests(world, 3)
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/inbox")
    page.get_by_role("checkbox", name=items[0].reference).check()
    bar = page.locator(".bulk-bar")
    bar.get_by_label("Assign to").select_option(label="Member X")
    bar.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("1 request updated.")).to_be_visible()
    assert _owners(items[:1]) == {world.member_x.id}
    assert _owners(items[1:]) == {None}
    assert console_errors == []
