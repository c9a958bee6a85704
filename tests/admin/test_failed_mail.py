"""The failed-mail page: what delivery gave up on, each retried or discarded by an admin with
a real POST form (CSRF checked), a 404 for any other id, and refused to everyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.mail import MAX_ATTEMPTS, deliver_pending
from portal.models import AuditEvent, OutboxMessage, utcnow
from tests.auth.helpers import csrf_token, signs_in_page
from tests.test_mail import smtp  # noqa: F401 (a fixture: a real SMTP server)

HX = {"HX-Request": "true"}


def failed(recipient: str, subject: str = "Your request", **fields) -> OutboxMessage:
    fields = {
        "attempts": 1,
        "last_error": "SMTPRecipientsRefused: {'x': (550, b'5.1.1 No such user')}",
        "failed_at": utcnow(),
        **fields,
    }
    message = OutboxMessage(recipient=recipient, subject=subject, body="body", **fields)
    db.session.add(message)
    db.session.flush()
    return message


@pytest.fixture
def admin(client, world, login_as):
    login_as(world.admin)
    return client


def test_the_page_lists_failed_mail_newest_first_and_nothing_else(admin, world):
    older = failed("old@example.com", "Old <b>news</b>", failed_at=utcnow() - timedelta(hours=2))
    newer = failed(
        "new@example.com", "Out of tries", attempts=MAX_ATTEMPTS, last_error="TimeoutError: x"
    )
    db.session.add_all(
        [
            OutboxMessage(recipient="due@example.com", subject="Due", body="b"),
            OutboxMessage(recipient="sent@example.com", subject="Sent", body="b", sent_at=utcnow()),
        ]
    )
    db.session.commit()

    response = admin.get(url_for("admin.failed_mail"))
    assert response.status_code == 200 and "<html" in response.text
    assert "HX-Request" in response.headers["Vary"]
    page = response.text
    assert page.index("new@example.com") < page.index("old@example.com")
    assert "due@example.com" not in page and "sent@example.com" not in page
    assert "Old &lt;b&gt;news&lt;/b&gt;" in page  # escaped like everything users write
    assert "TimeoutError: x" in page and "No such user" in page
    assert f'<td data-label="Attempts">{MAX_ATTEMPTS}</td>' in page
    assert f'<time datetime="{newer.failed_at.isoformat()}">' in page
    for message in (older, newer):
        for endpoint in ("admin.retry_mail", "admin.discard_mail"):
            action = url_for(endpoint, message_id=message.id)
            assert f'<form method="post" action="{action}"' in page
    assert 'name="csrf_token"' in page

    fragment = admin.get(url_for("admin.failed_mail"), headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section class="card" id="failed-mail"')


def test_the_admin_overview_and_the_admin_menu_link_to_it(admin, world):
    failed("a@example.com")
    db.session.commit()
    page = admin.get(url_for("admin.index")).text
    assert page.count(f'href="{url_for("admin.failed_mail")}"') == 2  # the menu and the count
    assert '<span class="stat-value">1</span><span class="stat-label">failed mail</span>' in page


def test_an_empty_list_says_so(admin, world):
    response = admin.get(url_for("admin.failed_mail"))
    assert "No failed mail." in response.text


def test_retry_queues_it_again_and_the_next_run_sends_it(admin, world, smtp):  # noqa: F811
    message = failed("back@example.com", attempts=MAX_ATTEMPTS)
    db.session.commit()
    token = csrf_token(admin, url_for("admin.failed_mail"))

    response = admin.post(
        url_for("admin.retry_mail", message_id=message.id), data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url_for("admin.failed_mail"))
    message = db.session.get(OutboxMessage, message.id)
    assert message.failed_at is None and message.attempts == 0
    assert message.next_attempt_at is None and message.claimed_at is None
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mail.retried"))
    assert event.actor_id == world.admin.id and event.subject_id == message.id
    assert event.detail == {"recipient": "back@example.com"}

    deliver_pending()  # what the request's after-response delivery (or the next tick) does
    assert [m["To"] for m in smtp.inbox.messages] == ["back@example.com"]
    message = db.session.get(OutboxMessage, message.id)
    assert message.sent_at is not None and message.last_error is None
    page = admin.get(url_for("admin.failed_mail")).text
    assert "The message to back@example.com is queued again." in page  # the flash
    assert "back@example.com</strong>" not in page and "No failed mail." in page


def test_discard_deletes_it_and_records_who_did(admin, world):
    keep = failed("keep@example.com").id
    drop = failed("drop@example.com", "Dropped subject").id
    db.session.commit()
    token = csrf_token(admin, url_for("admin.failed_mail"))

    response = admin.post(
        url_for("admin.discard_mail", message_id=drop), data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert db.session.get(OutboxMessage, drop) is None
    assert db.session.get(OutboxMessage, keep) is not None
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mail.discarded"))
    assert event.actor_id == world.admin.id and event.subject_id == drop
    assert event.detail["recipient"] == "drop@example.com"
    assert event.detail["mail_subject"] == "Dropped subject"
    page = admin.get(url_for("admin.failed_mail")).text
    assert "The message to drop@example.com is discarded." in page
    assert "drop@example.com</strong>" not in page and "keep@example.com" in page


@pytest.mark.parametrize("endpoint", ["admin.retry_mail", "admin.discard_mail"])
def test_htmx_gets_the_list_again_with_the_message(admin, world, endpoint):
    message = failed("row@example.com").id
    other = failed("other@example.com").id
    db.session.commit()
    token = csrf_token(admin, url_for("admin.failed_mail"))
    response = admin.post(
        url_for(endpoint, message_id=message), headers={**HX, "X-CSRFToken": token}
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert response.text.lstrip().startswith('<section class="card" id="failed-mail"')
    assert f'id="failed-mail-{message}"' not in response.text
    assert f'id="failed-mail-{other}"' in response.text
    assert "The message to row@example.com is" in response.text  # the flash, out of band


@pytest.mark.parametrize("endpoint", ["admin.retry_mail", "admin.discard_mail"])
def test_a_post_without_the_csrf_token_changes_nothing(admin, world, endpoint):
    message = failed("kept@example.com")
    db.session.commit()
    response = admin.post(url_for(endpoint, message_id=message.id), data={})
    assert response.status_code == 400
    message = db.session.get(OutboxMessage, message.id)
    assert message is not None and message.failed_at is not None and message.attempts == 1


@pytest.mark.parametrize("endpoint", ["admin.retry_mail", "admin.discard_mail"])
def test_only_failed_mail_can_be_retried_or_discarded(admin, world, no_csrf, endpoint):
    due = OutboxMessage(recipient="due@example.com", subject="Due", body="b")
    sent = OutboxMessage(recipient="sent@example.com", subject="Sent", body="b", sent_at=utcnow())
    db.session.add_all([due, sent])
    db.session.commit()
    for message_id in (due.id, sent.id, 999_999):
        assert admin.post(url_for(endpoint, message_id=message_id)).status_code == 404
    assert db.session.get(OutboxMessage, sent.id).sent_at is not None
    assert db.session.get(OutboxMessage, due.id) is not None


@pytest.mark.parametrize("role", ["contact_a", "member_x", "coach_x"])
def test_only_admins_see_or_act(client, world, login_as, no_csrf, role):
    message = failed("private@example.com")
    db.session.commit()
    login_as(getattr(world, role))
    assert client.get(url_for("admin.failed_mail")).status_code == 403
    for endpoint in ("admin.retry_mail", "admin.discard_mail"):
        assert client.post(url_for(endpoint, message_id=message.id)).status_code == 403
    message = db.session.get(OutboxMessage, message.id)
    assert message is not None and message.failed_at is not None


def test_a_visitor_is_sent_to_sign_in(client, world):
    assert signs_in_page(client.get(url_for("admin.failed_mail")))
