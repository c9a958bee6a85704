"""Staff are told what needs them, once, the way each of them chose: listed with an unread
count, mailed at once by the next tick or gathered into a daily digest, or not at all."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for

from portal import notify
from portal.extensions import db
from portal.models import Notification, OutboxMessage, Request, utcnow
from portal.models.request import OPEN, RESOLVED
from portal.requests import clock, handoffs, ratings
from portal.requests import services as request_services
from tests import factories


def told(person) -> list[tuple[str, str]]:
    return db.session.execute(
        sa.select(Notification.kind, Notification.text)
        .where(Notification.user_id == person.id)
        .order_by(Notification.id)
    ).all()


def mails_to(person) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == person.email)
    ).all()


def owned_request(world, owner, **fields) -> Request:
    fields.setdefault("status", OPEN)
    item = factories.make_request(world.account_a, world.contact_a, **fields)
    item.assignee_id = owner.id
    db.session.commit()
    return item


def test_routing_tells_the_owner_and_the_next_tick_mails_it_once(world):
    factories.make_skill(world.member_x, world.function, 3)
    db.session.commit()
    item = factories.raise_request(
        world.contact_a, world.account_a, function=world.function, subject="Invoice 4471"
    )
    db.session.commit()
    assert item.assignee_id == world.member_x.id

    assert [kind for kind, _ in told(world.member_x)] == ["assigned"]
    assert mails_to(world.member_x) == []  # not on the customer's post: the tick mails it

    assert notify.mail_notifications() == 1
    assert notify.mail_notifications() == 0
    (mail,) = mails_to(world.member_x)
    assert mail.subject.startswith(f"{item.reference} “Invoice 4471” is assigned to you")
    assert url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id) in mail.body


def test_assigning_tells_the_new_owner_but_nobody_of_their_own_act(world):
    item = owned_request(world, world.coach_x)

    request_services.assign(world.coach_x, item, world.member_x)
    request_services.assign(world.member_x, item, world.member_x)  # no change
    item2 = owned_request(world, world.coach_x)
    request_services.assign(world.member_x, item2, world.member_x)  # claims it

    assert told(world.member_x) == [
        ("assigned", f"Coach X assigned {item.reference} “{item.subject}” to you.")
    ]


def test_a_customers_answer_tells_the_owner(world):
    item = owned_request(world, world.member_x)

    request_services.reply_as_contact(world.contact_a, item, "Here is the photo.")

    assert told(world.member_x) == [
        ("customer_replied", f"Contact A answered on {item.reference} “{item.subject}”.")
    ]


def test_a_handoff_tells_its_owner_and_its_completion_tells_the_asker(world):
    item = owned_request(world, world.member_x)
    handoff = handoffs.create(
        world.member_x,
        item,
        function=world.function,
        owner=world.member_y,
        what_is_needed="Clear the credit",
        due_in_hours=4,
    )
    handoffs.complete(world.member_y, handoff, "Cleared.")

    assert told(world.member_y) == [
        ("handoff", f"Member X handed {item.reference} to you for Billing: Clear the credit")
    ]
    assert told(world.member_x) == [
        ("handoff", f"Member Y completed the Billing handoff on {item.reference}.")
    ]


def test_a_breach_tells_the_owner_and_the_coaches_once(world):
    item = owned_request(world, world.member_x, next_due_at=utcnow() - timedelta(minutes=5))

    assert clock.record_breaches() == 1
    assert clock.record_breaches() == 0

    text = f"{item.reference} “{item.subject}” missed its first response target."
    assert told(world.member_x) == [("clock", text)]
    assert told(world.coach_x) == [("coach_breach", text)]
    assert told(world.member_y) == []  # another team's member


def test_at_risk_is_told_once_per_target(world):
    due = utcnow() + timedelta(minutes=30)
    item = owned_request(
        world, world.member_x, next_due_at=due, next_at_risk_at=utcnow() - timedelta(minutes=1)
    )

    assert clock.tell_at_risk() == 1
    assert clock.tell_at_risk() == 0
    item.next_due_at = due + timedelta(hours=2)  # a new target (say, a new urgency)
    db.session.commit()
    assert clock.tell_at_risk() == 1
    assert [kind for kind, _ in told(world.member_x)] == ["clock", "clock"]


def test_a_low_rating_tells_the_coaches(world):
    item = owned_request(world, world.member_x, status=RESOLVED, resolved_at=utcnow())

    ratings.rate(world.contact_a, item, 2, "Slow.")
    ratings.rate(world.contact_a, owned_request(world, world.member_x, status=RESOLVED), 5, "")

    # The account names nobody, so its follow-up tells the coaches too (tests/follow_ups).
    assert told(world.coach_x) == [
        ("low_rating", f"Contact A rated {item.reference} “{item.subject}” 2 out of 5."),
        (
            "follow_up",
            f"Follow up with Account A by {_follow_up_due(item)}: Contact A rated "
            f"{item.reference} 2 out of 5. It has no named member: set one on the account's page.",
        ),
    ]
    assert told(world.member_x) == []


def _follow_up_due(item) -> str:
    from portal.models import FollowUp

    due = db.session.scalar(
        sa.select(FollowUp.due_on).where(FollowUp.account_id == item.account_id)
    )
    return due.strftime("%a %-d %b")


def test_a_kind_switched_off_is_not_kept_and_a_digest_waits_a_day(world):
    notify.save_settings(world.member_x, {"customer_replied": "off", "assigned": "digest"})
    db.session.commit()
    item = owned_request(world, world.coach_x)

    request_services.assign(world.coach_x, item, world.member_x)
    request_services.reply_as_contact(world.contact_a, item, "More detail.")
    other = owned_request(world, world.coach_x)
    request_services.assign(world.coach_x, other, world.member_x)
    db.session.commit()

    assert [kind for kind, _ in told(world.member_x)] == ["assigned", "assigned"]
    assert notify.mail_notifications() == 0  # the digest waits for the day to pass
    assert notify.mail_notifications(utcnow() + timedelta(hours=25)) == 1
    (digest,) = mails_to(world.member_x)
    assert digest.subject == "Onestop: 2 things that needed you"
    assert item.reference in digest.body and other.reference in digest.body
    assert notify.mail_notifications(utcnow() + timedelta(hours=50)) == 0


def test_inactive_people_and_contacts_are_never_told(world):
    world.member_x.active = False
    db.session.commit()
    item = owned_request(world, world.coach_x)

    assert notify.tell(world.member_x.id, "assigned", "x", request=item) is False
    assert notify.tell(world.contact_a.id, "assigned", "x", request=item) is False


def test_the_list_counts_unread_and_marks_only_ones_own_read(client, login_as, no_csrf, world):
    item = owned_request(world, world.coach_x)
    request_services.assign(world.coach_x, item, world.member_x)
    notify.tell(world.member_y.id, "assigned", "Someone else's news")
    db.session.commit()
    theirs = db.session.scalar(
        sa.select(Notification.id).where(Notification.user_id == world.member_y.id)
    )
    login_as(world.member_x)

    page = client.get(url_for("notifications.index")).text
    assert "1 unread" in page and item.reference in page
    badge = client.get(url_for("notifications.badge"), headers={"HX-Request": "true"})
    assert 'aria-label="1 unread"' in badge.text
    again = client.get(
        url_for("notifications.badge"),
        headers={"HX-Request": "true", "If-None-Match": badge.headers["ETag"]},
    )
    assert again.status_code == 304

    client.post(url_for("notifications.read_one", notification_id=theirs))
    assert db.session.get(Notification, theirs).read_at is None  # not theirs to mark
    client.post(url_for("notifications.read_all"))
    assert "0 unread" in client.get(url_for("notifications.index")).text


def test_settings_are_saved_and_a_made_up_mode_is_refused(client, login_as, no_csrf, world):
    login_as(world.member_x)
    form = {kind: "now" for kind in notify.settings_of(world.member_x)}

    saved = client.post(url_for("notifications.settings"), data={**form, "clock": "digest"})
    refused = client.post(url_for("notifications.settings"), data={**form, "clock": "loud"})

    assert saved.status_code == 303
    assert refused.status_code == 422 and "Not a valid choice" in refused.text
    assert notify.settings_of(world.member_x)["clock"] == "digest"
