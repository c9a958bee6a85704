"""Handoffs: a piece of a request given to another function, with its own owner and due
time, while the owning team keeps the request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .function import Function
from .request import Request
from .user import User

HANDOFF_OPEN = "open"
HANDOFF_DONE = "done"
HANDOFF_CANCELLED = "cancelled"


class Handoff(db.Model):
    __tablename__ = "handoff"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status"),
        # Carries the request on PostgreSQL: the visibility rule's "handed to me" branch is
        # then read from the index alone, cheaply enough that a prepared statement keeps one
        # plan instead of being planned again for every staff page.
        Index("ix_handoff_owner_status", "owner_id", "status", postgresql_include=["request_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("request.id", ondelete="CASCADE"), index=True
    )
    function_id: Mapped[int] = mapped_column(ForeignKey("function.id"))
    # May belong to another team: the handoff lets them into this one request only.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    what_is_needed: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=HANDOFF_OPEN)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Delivery waits for credit: a handoff may wait for another of the same request. Its
    # clock starts (`started_at`, then `due_at` from `due_in_hours` business hours) when the
    # one it waits for is done or cancelled; until then it is waiting, not late.
    waits_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("handoff.id", ondelete="SET NULL"), index=True
    )
    due_in_hours: Mapped[int | None]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[Request] = relationship()
    function: Mapped[Function] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    waits_for: Mapped[Handoff | None] = relationship(remote_side=[id])

    @property
    def is_open(self) -> bool:
        return self.status == HANDOFF_OPEN

    @property
    def is_waiting(self) -> bool:
        """Open, and waiting for another handoff that is not done yet."""
        return (
            self.status == HANDOFF_OPEN
            and self.waits_for_id is not None
            and self.started_at is None
        )

    @property
    def on_time(self) -> bool | None:
        if self.completed_at is None or self.due_at is None:
            return None
        return self.completed_at <= self.due_at
