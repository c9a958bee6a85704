"""A member invites a contact from the account page; the contact accepts and signs in."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, OutboxMessage, User
from tests.browser.conftest import axe_violations

NEW_PASSWORD = "a kettle on a windy hill"


def _invitation_link() -> str:
    db.session.expire_all()
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None, "no invitation mail was queued"
    return re.search(r"https?://\S+/invitations/\S+", message.body).group(0)


def _invite(page, world):
    page.goto(f"/teams/{world.team_x.id}/accounts/{world.account_a.id}")
    page.get_by_label("Contact's name").fill("Nia Brook")
    page.get_by_label("Contact's email").fill("nia@customer.com")
    page.get_by_role("button", name="Send invitation").click()


def _accept(browser, base_url, link):
    context = browser.new_context(base_url=base_url)
    visitor = context.new_page()
    visitor.goto(link)
    expect(visitor.get_by_text("nia@customer.com")).to_be_visible()
    visitor.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    visitor.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Create my account").click()
    # The answer is an htmx redirect: "networkidle" may hold before the browser follows it.
    visitor.wait_for_url(lambda url: "/invitations/" not in url)
    visitor.wait_for_load_state("networkidle")
    return context, visitor


def test_invited_contact_accepts_and_signs_in(
    page, browser, base_url, world, sign_in, console_errors
):
    sign_in(world.member_x)
    _invite(page, world)
    # htmx swapped the contacts region in place: the pending invitation and the message show.
    pending = page.locator("#contacts").get_by_text("nia@customer.com")
    pending.wait_for()
    expect(page.get_by_text("Invitation sent to nia@customer.com")).to_be_visible()
    assert page.get_by_label("Contact's name").input_value() == ""
    assert axe_violations(page) == []

    context, visitor = _accept(browser, base_url, _invitation_link())
    assert visitor.get_by_role("heading", level=1).inner_text() == "Your requests"
    assert axe_violations(visitor) == []

    # The link works once: a second visit shows the invalid page.
    assert visitor.goto(_invitation_link()).status == 404

    visitor.get_by_role("button", name="Sign out").click()
    visitor.wait_for_load_state("networkidle")
    visitor.goto("/sign-in")
    visitor.get_by_label("Email").fill("nia@customer.com")
    visitor.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Sign in").click()
    visitor.wait_for_load_state("networkidle")
    assert visitor.get_by_role("heading", level=1).inner_text() == "Your requests"
    context.close()

    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "nia@customer.com"))
    assert db.session.scalar(select(Contact.account_id).where(Contact.user_id == user.id)) == (
        world.account_a.id
    )
    assert console_errors == []


def test_invitation_works_without_javascript(browser, base_url, world, signed_in_without_js):
    page = signed_in_without_js(world.coach_x)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Team X")

    _invite(page, world)
    # A plain post: 303 back to the account page, the message flashed there.
    assert page.url.endswith(f"/teams/{world.team_x.id}/accounts/{world.account_a.id}")
    expect(page.get_by_text("Invitation sent to nia@customer.com")).to_be_visible()

    # A bad address is shown in place with the form kept.
    page.get_by_label("Contact's name").fill("Second")
    page.get_by_label("Contact's email").fill("not-an-address")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Enter an email address like")).to_be_visible()
    assert page.get_by_label("Contact's name").input_value() == "Second"

    other, visitor = _accept(browser, base_url, _invitation_link())
    assert visitor.get_by_role("heading", level=1).inner_text() == "Your requests"
    other.close()
