"""Team goals, members' own targets that roll up to them, the coach's internal checks of
resolved requests, and the corrective actions the weekly review decides."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
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


class MemberTarget(db.Model):
    """A coach's target for one member on a per-member measure for one period (a month or a
    quarter): seen by that member and the team's coaches only, beside the team's goal on the
    same measure it rolls up to."""

    __tablename__ = "member_target"
    __table_args__ = (
        CheckConstraint("period_kind IN ('month', 'quarter')", name="period_kind"),
        CheckConstraint("direction IN ('at_least', 'at_most')", name="direction"),
        UniqueConstraint(
            "team_id",
            "member_id",
            "measure",
            "period_kind",
            "period_start",
            name="uq_member_target_period",
        ),
        Index("ix_member_target_member", "member_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    measure: Mapped[str] = mapped_column(String(40))
    period_kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date]
    target: Mapped[float]
    direction: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[User] = relationship(foreign_keys=[member_id])


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
    # The points asked besides the fixed four (none on checks recorded before there were any).
    points: Mapped[list[InternalCheckPoint]] = relationship(
        order_by="InternalCheckPoint.id", cascade="all, delete-orphan"
    )


class InternalCheckPoint(db.Model):
    """A point of an internal check beyond the fixed checklist, as it was asked: a survey
    dimension the team's customers rated worst that quarter, with the gap shown then."""

    __tablename__ = "internal_check_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(
        ForeignKey("internal_check.id", ondelete="CASCADE"), index=True
    )
    dimension_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_dimension.id", ondelete="SET NULL")
    )
    label: Mapped[str] = mapped_column(String(200))
    gap: Mapped[float | None]
    passed: Mapped[bool]


class CorrectiveAction(db.Model):
    """What the team decided to do about an item of its weekly review (a breach, a low
    rating, a gap, a goal off track): an owner, a due date, and what came of it."""

    __tablename__ = "corrective_action"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done')", name="status"),
        Index("ix_corrective_action_team_status", "team_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    about: Mapped[str] = mapped_column(String(200))  # the review item, in words, as it was
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
