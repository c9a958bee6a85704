"""General feedback reaches the owning team; receipts can be muted; mail retries back off."""

from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.mail import deliver_pending
from portal.models import Feedback, OutboxMessage, utcnow
from portal.requests import services as requests
from tests import factories


def test_feedback_lands_with_the_owning_team_only(client, world, login_as, no_csrf):
    login_as(world.contact_a)
    response = client.post(
        url_for("customer.feedback"),
        data={"account": world.account_a.id, "kind": "praise", "body": "Ben was brilliant"},
    )
    assert response.status_code == 303
    item = db.session.scalar(select(Feedback))
    assert (item.team_id, item.kind) == (world.team_x.id, "praise")

    login_as(world.member_x)
    page = client.get(url_for("workspace.team_home", team_id=world.team_x.id)).text
    assert "Ben was brilliant" in page and "Mark read" in page
    client.post(url_for("workspace.feedback_seen", team_id=world.team_x.id, feedback_id=item.id))
    db.session.refresh(item)
    assert item.seen_by_id == world.member_x.id

    login_as(world.member_y)
    assert (
        "Ben was brilliant"
        not in client.get(url_for("workspace.team_home", team_id=world.team_y.id)).text
    )
    assert (
        client.post(
            url_for("workspace.feedback_seen", team_id=world.team_y.id, feedback_id=item.id)
        ).status_code
        == 404
    )


def test_feedback_for_another_account_or_without_words_is_refused(client, world, login_as, no_csrf):
    login_as(world.contact_a)
    foreign = client.post(
        url_for("customer.feedback"),
        data={"account": world.account_b.id, "kind": "idea", "body": "Sneaky"},
    )
    empty = client.post(
        url_for("customer.feedback"), data={"account": world.account_a.id, "kind": "idea"}
    )
    assert foreign.status_code == 422 and empty.status_code == 422
    assert "Write your feedback first." in empty.text
    assert db.session.scalar(select(Feedback)) is None


def _raise(world):
    return factories.raise_request(world.contact_a, world.account_a)


def test_a_contact_can_mute_receipts_but_not_replies(client, world, login_as, no_csrf):
    login_as(world.contact_a)
    assert client.post(url_for("auth.mail_preferences"), data={}).status_code == 303
    db.session.refresh(world.contact_a)
    assert world.contact_a.mute_receipts is True
    item = _raise(world)
    assert db.session.scalars(select(OutboxMessage)).all() == []
    requests.reply_as_staff(world.member_x, item, "Here is the answer")
    assert [m.recipient for m in db.session.scalars(select(OutboxMessage))] == [
        world.contact_a.email
    ]


def test_failed_mail_backs_off_before_the_next_try(app, world):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
    try:
        from portal.mail import queue_mail

        queue_mail("x@example.com", "Hi", "Body")
        db.session.commit()
        assert deliver_pending() == 0
        message = db.session.scalar(select(OutboxMessage))
        assert message.attempts == 1 and message.last_error
        assert message.next_attempt_at > utcnow() + timedelta(seconds=50)
        assert deliver_pending() == 0  # too soon: not even tried
        db.session.refresh(message)
        assert message.attempts == 1
    finally:
        app.config.update(MAIL_BACKEND="console", MAIL_PORT=25)


def test_send_mail_command_delivers_the_queue(app, world):
    from portal.mail import queue_mail

    queue_mail("x@example.com", "Hi", "Body")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0 and "mail sent: 1" in result.output
    assert app.test_cli_runner().invoke(args=["send-mail"]).output.strip().endswith("mail sent: 0")
