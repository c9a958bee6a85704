"""An admin retries and discards failed mail in place (htmx), with confirmation to discard."""

import os
from datetime import timedelta
from pathlib import Path

from portal.extensions import db
from portal.models import OutboxMessage, utcnow
from tests.browser.conftest import axe_violations

SHOTS = os.environ.get("SCREENSHOTS")  # a folder to keep the screenshot in (else tmp_path)


def _failed(recipient, subject, attempts, error, hours_ago=0):
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body="body",
        attempts=attempts,
        last_error=error,
        failed_at=utcnow() - timedelta(hours=hours_ago),
        created_at=utcnow() - timedelta(hours=hours_ago + 1),
    )
    db.session.add(message)
    return message


def test_admin_retries_and_discards_failed_mail(page, world, sign_in, console_errors, tmp_path):
    refused = _failed(
        "old.address@example.com",
        "[R-1042] We have your request: Printer on floor 3 jams on every job",
        1,
        "SMTPRecipientsRefused: {'old.address@example.com': (550, b'5.1.1 No such user')}",
    )
    _failed(
        "ops@example.com",
        "Reset your Onestop password",
        5,
        "TimeoutError: timed out",
        hours_ago=3,
    )
    broken = _failed(
        "bad@example.com\r\nBcc: x@example.com",
        "You are invited to Onestop",
        1,
        "ValueError: Header values may not contain linefeed or carriage return characters",
        hours_ago=26,
    )
    db.session.commit()
    refused_id, broken_id = refused.id, broken.id

    sign_in(world.admin)
    page.goto("/admin/mail/failed")
    rows = page.locator("#failed-mail tbody tr")
    assert rows.count() == 3
    assert page.get_by_role("link", name="Failed mail").get_attribute("aria-current") == "page"
    assert axe_violations(page) == []
    page.screenshot(path=Path(SHOTS or tmp_path) / "failed-mail.png", full_page=True)
    page.evaluate("window.__stayed = true")  # survives only if no full page load happens

    page.locator(f"#failed-mail-{refused_id}").get_by_role("button", name="Retry").click()
    page.locator(f"#failed-mail-{refused_id}").wait_for(state="detached")
    page.get_by_text("The message to old.address@example.com is queued again.").wait_for()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#failed-mail-{broken_id}").get_by_role("button", name="Discard").click()
    page.locator(f"#failed-mail-{broken_id}").wait_for(state="detached")
    assert rows.count() == 1

    assert page.evaluate("window.__stayed") is True
    assert axe_violations(page) == []
    assert console_errors == []
    db.session.expire_all()
    assert db.session.get(OutboxMessage, broken_id) is None
    assert db.session.get(OutboxMessage, refused_id).failed_at is None
