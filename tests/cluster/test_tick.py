"""`flask tick` started on both servers at once, against the same PostgreSQL.

To make the race real rather than likely, the test holds ACCESS EXCLUSIVE locks on the tables
the tick reads first, starts both ticks, waits until both are stuck behind those locks (or
done), then lets go: both then read the same overdue requests, due rounds and queued mail at
the same moment. Mail goes to a real SMTP server (aiosmtpd) on loopback, which counts it.
"""

from __future__ import annotations

import email
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from bench.cluster import free_port
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Entry,
    OutboxMessage,
    ReviewRound,
    Survey,
    SurveySchedule,
    utcnow,
)
from tests import factories

pytestmark = pytest.mark.cluster

REQUESTS, MAILS, DUE_ROUNDS, REMINDED_ROUNDS, SURVEYED = 40, 60, 8, 4, 5
GATED = ("request", "review_round", "outbox_message")


class Inbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[tuple[str, str]] = []  # (recipient, subject)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.messages.append((recipient, str(message["Subject"])))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


def _work(tag: str) -> dict:
    """Overdue requests, queued mail, rounds past their deadline, rounds due a reminder and
    accounts due a survey, all in one new team."""
    team = factories.make_team(f"Tick {tag}")
    tier = factories.make_tier(f"Tick tier {tag}")
    account = factories.make_account(team, tier, f"Tick account {tag}")
    coach = factories.make_member(team, role="coach")
    group = [factories.make_contact(account, email=f"group{i}-{tag}@example.com") for i in (1, 2)]
    for contact in group:
        factories.join_reference_group(contact, account)
    late = utcnow() - timedelta(minutes=5)
    overdue = [
        factories.make_request(account, group[0], status="open", next_due_at=late).id
        for _ in range(REQUESTS)
    ]
    for i in range(MAILS):
        db.session.add(
            OutboxMessage(recipient=f"mail{i}-{tag}@example.com", subject=f"{tag} #{i}", body="x")
        )
    rounds = []
    for i in range(DUE_ROUNDS + REMINDED_ROUNDS):
        procedure = factories.make_procedure(team, coach, title=f"Procedure {i} {tag}")
        rounds.append(factories.open_review_round(procedure, coach))
    now = utcnow()
    for round_ in rounds[:DUE_ROUNDS]:  # past their deadline
        round_.opened_at, round_.closes_at = now - timedelta(days=8), now - timedelta(minutes=1)
    for round_ in rounds[DUE_ROUNDS:]:  # a day from their deadline: reminder time
        round_.opened_at, round_.closes_at = now - timedelta(days=6), now + timedelta(hours=12)
    surveyed = [factories.make_account(team, tier, f"Surveyed {i} {tag}") for i in range(SURVEYED)]
    for n, surveyed_account in enumerate(surveyed):
        factories.make_contact(surveyed_account, email=f"survey{n}-{tag}@example.com")
    db.session.add(SurveySchedule(tier_id=tier.id, every_days=30))
    # Mail the set-up queued (the group's welcome, the rounds' invitations) is not part of
    # the race: out of the way, as if sent already.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.subject.not_like(f"{tag} #%"))
        .values(sent_at=now)
    )
    db.session.commit()
    return {
        "requests": overdue,
        "rounds": [r.id for r in rounds],
        "accounts": [account.id] + [a.id for a in surveyed],  # every account of the tier
        "group": [c.email for c in group],
    }


def _waiting_on_locks(conn, names) -> int:
    conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))  # else kept for the transaction
    return conn.scalar(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = ANY(:names) AND wait_event_type = 'Lock'"
        ),
        {"names": list(names)},
    )


def test_two_ticks_at_once_do_each_thing_once(cluster, app, smtp):
    port, inbox = smtp
    tag = uuid.uuid4().hex[:8]
    work = _work(tag)
    db.session.commit()  # this session holds nothing while the gate is shut
    gate_engine = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    names = ("tick-a", "tick-b")
    mail = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
    ticks = []
    try:
        with gate_engine.connect() as gate:
            gate.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
            gate.execute(sa.text(f"LOCK TABLE {', '.join(GATED)} IN ACCESS EXCLUSIVE MODE"))
            for name in names:
                url = cluster.env["DATABASE_URL"]
                ticks.append(
                    cluster.tick({**mail, "DATABASE_URL": f"{url}?application_name={name}"})
                )
            deadline = time.monotonic() + 60
            while True:  # both ticks stuck behind the gate, or done
                stuck = _waiting_on_locks(gate, names)
                done = sum(t.poll() is not None for t in ticks)
                if stuck + done >= len(ticks) and stuck:
                    break
                assert time.monotonic() < deadline, f"ticks never met at the gate ({stuck}, {done})"
                time.sleep(0.05)
            gate.rollback()  # both go at once
        outputs = [t.communicate(timeout=120)[0] for t in ticks]
    finally:
        for t in ticks:
            if t.poll() is None:
                t.kill()
                t.communicate()
        gate_engine.dispose()
    assert [t.returncode for t in ticks] == [0, 0], outputs

    db.session.expire_all()
    # Each breach recorded once.
    breaches = Counter(
        db.session.scalars(
            sa.select(Entry.request_id).where(
                Entry.event == "breach", Entry.request_id.in_(work["requests"])
            )
        )
    )
    assert set(breaches) == set(work["requests"]), "an overdue request got no breach"
    assert set(breaches.values()) == {1}, f"breaches recorded twice: {outputs}"

    # Each due round closed once (one audit event), each reminder sent once.
    closed = Counter(
        db.session.scalars(
            sa.select(AuditEvent.subject_id).where(
                AuditEvent.action == "round.closed",
                AuditEvent.subject_id.in_(work["rounds"]),
            )
        )
    )
    due = work["rounds"][:DUE_ROUNDS]
    assert closed == Counter(due), f"rounds closed {closed}: {outputs}"
    statuses = db.session.scalars(
        sa.select(ReviewRound.status).where(ReviewRound.id.in_(due))
    ).all()
    assert set(statuses) == {"closed"}

    # Each account due a survey surveyed once.
    surveys = Counter(
        db.session.scalars(
            sa.select(Survey.account_id).where(Survey.account_id.in_(work["accounts"]))
        )
    )
    assert surveys == Counter(work["accounts"]), f"surveys {surveys}: {outputs}"

    # Each queued message sent once: the SMTP server got it once, the outbox says sent.
    with inbox.lock:
        received = Counter(m for m in inbox.messages if tag in m[0])
    queued = {(f"mail{i}-{tag}@example.com", f"{tag} #{i}") for i in range(MAILS)}
    assert queued <= set(received), "queued mail never arrived"
    reminders = [m for m in received if m[1].startswith("Reminder:")]
    assert len(reminders) == REMINDED_ROUNDS * len(work["group"]), sorted(received)
    survey_mail = [m for m in received if m[1].startswith("How are we doing?")]
    assert len(survey_mail) == SURVEYED + len(work["group"]), sorted(received)
    doubled = {m: n for m, n in received.items() if n > 1}
    assert not doubled, f"sent twice: {doubled}"
    unsent = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient.like(f"%{tag}%"), OutboxMessage.sent_at.is_(None)
        )
    )
    assert unsent == 0
    print("\n" + "\n".join(o.strip().splitlines()[-1] for o in outputs))
