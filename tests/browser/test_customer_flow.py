"""The customer's flow end to end: raise with a file, follow, get a reply live, chase, rate."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage, Request
from portal.requests import services as requests
from tests.browser.conftest import axe_violations

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_a_contact_raises_follows_chases_and_rates(
    page, browser, base_url, world, sign_in, console_errors, tmp_path
):
    note = tmp_path / "delivery-note.pdf"
    note.write_bytes(PDF)
    sign_in(world.contact_a)
    page.get_by_role("link", name="Raise a request", exact=True).click()
    assert axe_violations(page) == []
    page.get_by_label("A bill").check()
    page.get_by_label("In a few words").fill("Invoice 4471 charges the old price")
    page.get_by_label("Tell us more").fill("Please send a corrected invoice.")
    page.get_by_label("It affects our business badly").check()
    page.get_by_label("Attach files (optional)").set_input_files(str(note))
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r"/portal/requests/\d+$"))

    item = db.session.scalar(select(Request))
    expect(page.get_by_text(item.reference).first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("delivery-note.pdf"))).to_be_visible()
    assert axe_violations(page) == []

    # The team replies; the open page shows it without a reload (the poll).
    page.evaluate("window.__stayed = true")
    requests.reply_as_staff(world.member_x, item, "We have corrected it: see the new invoice.")
    db.session.commit()
    expect(page.get_by_text("We have corrected it")).to_be_visible(timeout=20_000)
    assert page.evaluate("window.__stayed") is True
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert any("We have corrected it" in m.body for m in mail)

    # One chase: the team sees one request with one chase.
    page.get_by_role("button", name="Ask for an update").click()
    expect(page.get_by_text("You asked for an update")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(Request.chase_count)) == 1
    assert len(db.session.scalars(select(Request)).all()) == 1

    # Resolved by the team; the contact rates it on the page.
    db.session.refresh(item)
    requests.change_status(world.member_x, item, "resolved")
    db.session.commit()
    page.reload()
    page.get_by_label("4: Good").check()
    page.get_by_label("Anything to add? (optional)").fill("Quick, thank you")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_text("You rated this")).to_be_visible()
    assert axe_violations(page) == []

    # My requests lists it with its reference and team member; another company's contact
    # reaches none of it.
    page.goto("/portal/?show=all")
    expect(page.get_by_text(item.reference)).to_be_visible()
    other = browser.new_context(base_url=base_url)
    stranger = other.new_page()
    stranger.goto("/sign-in")
    stranger.get_by_label("Email").fill(world.contact_b.email)
    from tests.factories import PASSWORD

    stranger.get_by_label("Password", exact=True).fill(PASSWORD)
    stranger.get_by_role("button", name="Sign in").click()
    stranger.wait_for_url(re.compile("/portal/"))
    for path in (f"/portal/requests/{item.id}", f"/portal/requests/{item.id}/updates"):
        assert stranger.goto(path).status == 404
    assert item.reference not in stranger.goto("/portal/?show=all").text()
    other.close()
    assert console_errors == []
