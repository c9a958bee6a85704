"""Team goals and the coach's internal checks of resolved requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .request import Request
from .survey import ServiceDimension
from .team import Team
from .user import User

AT_LEAST = "at_least"
AT_MOST = "at_most"
DIRECTIONS = {AT_LEAST: "at least", AT_MOST: "at most"}
PERIOD_KINDS = {"month": "Each month", "quarter": "Each quarter"}


class Goal(db.Model):
    """A target on one measure, checked in every month (or quarter) from start to end."""

    __tablename__ = "goal"
    __table_args__ = (
        CheckConstraint("period_kind IN ('month', 'quarter')", name="period_kind"),
        CheckConstraint("direction IN ('at_least', 'at_most')", name="direction"),
        CheckConstraint("period_end > period_start", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    measure: Mapped[str] = mapped_column(String(40))
    # For the satisfaction gap: one dimension, or None for the average over all.
    dimension_id: Mapped[int | None] = mapped_column(ForeignKey("service_dimension.id"))
    period_kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date]
    period_end: Mapped[date]  # exclusive: the day after the last period ends
    target: Mapped[float]
    direction: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship()
    dimension: Mapped[ServiceDimension | None] = relationship()


class InternalCheck(db.Model):
    """A coach's review of one resolved request against what matters most to customers."""

    __tablename__ = "internal_check"
    __table_args__ = (UniqueConstraint("request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    # Whose work was checked: the request's owner when it was resolved.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answered_question: Mapped[bool]
    correct: Mapped[bool]
    kept_informed: Mapped[bool]
    tone: Mapped[bool]
    passed: Mapped[bool]
    note: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    request: Mapped[Request] = relationship()
    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
