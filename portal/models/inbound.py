"""Mail that reached a team's address: kept whole, whatever became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship, validates

from ..extensions import db
from .base import UTCDateTime, utcnow
from .request import Entry, Request
from .team import Team
from .user import User

# What became of a message, in the words the team's mail page uses.
RAISED = "raised"  # a new request, for a known contact
REPLIED = "replied"  # a reply on the request it answers
UNRECOGNISED = "unrecognised"  # waiting for a member: attach it to a contact, or discard it
HELD = "held"  # a flood from one sender: waiting for a member, like unrecognised mail
AUTOMATIC = "automatic"  # an auto-reply, a list, our own mail: nothing raised
BOUNCE = "bounce"  # a delivery report: marked the outgoing mail, flagged the address
DISCARDED = "discarded"  # a member decided it needs nothing (kept, with who and when)
OUTCOMES = (RAISED, REPLIED, UNRECOGNISED, HELD, AUTOMATIC, BOUNCE, DISCARDED)
WAITING = (UNRECOGNISED, HELD)

# How it came in.
SOURCES = ("lmtp", "imap")


class InboundMail(db.Model):
    __tablename__ = "inbound_mail"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('raised', 'replied', 'unrecognised', 'held', 'automatic', "
            "'bounce', 'discarded')",
            name="outcome",
        ),
        # A team's mail page lists by outcome, newest first.
        Index("ix_inbound_mail_team_outcome", "team_id", "outcome", "received_at"),
        # The flood check counts one sender's recent mail.
        Index("ix_inbound_mail_sender_received", "sender", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same message delivered twice (an LMTP retry, a fetch after a crash, two servers
    # fetching at once) has the same key, and the unique index keeps the second out.
    dedup_key: Mapped[str] = mapped_column(String(450), unique=True)
    # The team whose address it reached; None when it reached none (an admin sees those).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    envelope_recipients: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(String(254), default="")
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    message_id: Mapped[str | None] = mapped_column(String(400))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # The message as it arrived, so staff can read the original and a parse can be re-run.
    # Deferred: lists never need it.
    raw: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    outcome: Mapped[str] = mapped_column(String(20))
    # Why, in words for the team ("from an address that is no contact of this team").
    reason: Mapped[str] = mapped_column(String(300), default="")
    # Who it is from, when that is a person Onestop knows.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("request.id", ondelete="SET NULL"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"))
    # The member who attached or discarded it, and when.
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship()
    person: Mapped[User | None] = relationship(foreign_keys=[person_id])
    request: Mapped[Request | None] = relationship()
    entry: Mapped[Entry | None] = relationship()
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    @validates("reason", "subject", "sender_name")
    def _fit(self, key: str, value: str) -> str:
        # Reasons quote addresses and servers' diagnostics: cut, never a refused insert.
        limit = type(self).__table__.c[key].type.length
        return value if len(value) <= limit else value[: limit - 1] + "…"

    @property
    def waiting(self) -> bool:
        return self.outcome in WAITING
