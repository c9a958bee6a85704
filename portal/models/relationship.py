"""An account's relationship, kept with the account: the customer's key people and their
roles, the meetings held with them, and the plans agreed there."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .account import Account
from .base import UTCDateTime, utcnow
from .user import User

PLAN_OPEN, PLAN_DONE, PLAN_DROPPED = "open", "done", "dropped"


class KeyPerson(db.Model):
    """Someone who matters at the customer, whether or not they ever sign in: the buyer, the
    finance lead who signs off credit, the site manager deliveries go to."""

    __tablename__ = "key_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountMeeting(db.Model):
    """A meeting with the customer and what was said, in Markdown like a note."""

    __tablename__ = "account_meeting"
    __table_args__ = (Index("ix_account_meeting_account_held", "account_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()


class AgreedPlan(db.Model):
    """Something agreed with the customer (at a meeting, or not): who on the team does it, by
    when, and, once done or dropped, what came of it."""

    __tablename__ = "agreed_plan"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'dropped')", name="status"),
        Index("ix_agreed_plan_account_status", "account_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_meeting.id", ondelete="SET NULL")
    )
    what: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default=PLAN_OPEN)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    meeting: Mapped[AccountMeeting | None] = relationship()
