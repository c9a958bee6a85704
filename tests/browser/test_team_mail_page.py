"""A member sorts the mail Onestop could not match, with htmx and without JavaScript, on a
desktop and a phone (issue 14)."""

import os

from portal.extensions import db
from portal.models import InboundMail
from portal.team_mail import intake
from tests.browser.conftest import axe_violations
from tests.team_mail.test_intake import NORTH, SOUTH, mail

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep the pages' screenshots there


def _mailboxes(world):
    world.team_x.mail_address = NORTH
    world.team_y.mail_address = SOUTH
    db.session.commit()


def _receive(*raws) -> list[int]:
    ids = [intake.receive(raw, source="lmtp").mail_id for raw in raws]
    db.session.commit()
    return ids


def _outcome(mail_id: int) -> str:
    db.session.expire_all()
    return db.session.get(InboundMail, mail_id).outcome


def test_a_member_attaches_unrecognised_mail_to_a_contact(
    page, world, sign_in, console_errors, tmp_path
):
    _mailboxes(world)
    stranger, _, _ = _receive(
        mail("jan@acme-new.example", subject="Order 4471 arrived damaged",
             body="Hello,\n\nThe pallet arrived with two boxes crushed.\n\nJan"),
        mail(world.contact_a.email, subject="Invoice question"),
        mail("newsletter@vendor.example", subject="Our spring offers", Precedence="bulk"),
    )  # fmt: skip
    shots = SHOTS or tmp_path
    sign_in(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/inbox")
    page.get_by_role("link", name="Mail", exact=True).click()
    page.get_by_role("heading", name=f"Mail to {NORTH}").wait_for()
    assert page.get_by_role("link", name="Waiting for you 1").count() == 1
    row = page.get_by_role("row").filter(has_text="Order 4471 arrived damaged")
    assert "Unrecognised" in row.inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=f"{shots}/team-mail-list.png", full_page=True, caret="initial")

    row.get_by_role("link", name="Order 4471 arrived damaged").click()
    page.get_by_text("The pallet arrived with two boxes crushed.").wait_for()
    assert axe_violations(page) == []
    page.screenshot(path=f"{shots}/team-mail-message.png", full_page=True, caret="initial")
    page.get_by_label("Whose mail is it?").select_option(
        label=f"Contact A <{world.contact_a.email}>"
    )
    page.get_by_role("button", name="Attach").click()
    page.get_by_role("link", name="Open R-").wait_for()
    assert _outcome(stranger) == "raised"
    assert "New request" in page.locator("#mail-message").inner_text()
    assert axe_violations(page) == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/teams/{world.team_x.id}/mail?show=landed")
    assert axe_violations(page) == []
    page.screenshot(path=f"{shots}/team-mail-phone.png", full_page=True, caret="initial")
    assert console_errors == []


def test_mail_is_discarded_without_javascript(world, signed_in_without_js):
    _mailboxes(world)
    (mail_id,) = _receive(mail("spam@elsewhere.example", subject="You won"))
    page = signed_in_without_js(world.member_x)
    page.goto(f"/teams/{world.team_x.id}/mail/{mail_id}")
    page.get_by_role("button", name="Discard").click()
    page.get_by_text("Discarded by Member X.").wait_for()
    assert page.url.endswith(f"/teams/{world.team_x.id}/mail/{mail_id}")
    assert _outcome(mail_id) == "discarded"
