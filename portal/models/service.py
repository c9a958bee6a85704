"""Service levels and the business-hours calendar they are counted in."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .account import Tier
from .base import UTCDateTime, utcnow
from .team import Team


class ServiceLevel(db.Model):
    """First-response and resolution targets for one tier and one urgency, in business
    minutes."""

    __tablename__ = "service_level"
    __table_args__ = (
        UniqueConstraint("tier_id", "urgency"),
        CheckConstraint("urgency IN ('low', 'normal', 'high', 'critical')", name="urgency"),
        CheckConstraint("first_response_minutes > 0", name="first_response_positive"),
        CheckConstraint(
            "resolution_minutes >= first_response_minutes", name="resolution_after_response"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tier.id", ondelete="CASCADE"), index=True)
    urgency: Mapped[str] = mapped_column(String(10))
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]

    tier: Mapped[Tier] = relationship()


class WorkingHours(db.Model):
    """One working interval of a team's week, in the team's local time."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        UniqueConstraint("team_id", "weekday", "opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday
    opens: Mapped[time]
    closes: Mapped[time]  # 00:00 means midnight at the end of the day

    team: Mapped[Team] = relationship()


class Holiday(db.Model):
    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("team_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(80), default="")


class ClockPause(db.Model):
    """A stretch of time the service clock stood still (waiting on the customer)."""

    __tablename__ = "clock_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("request.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
