"""Service functions (Sales, Billing, ...), members' skills in them, and the cross-training
plan: who is learning which function, to what level, by when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .team import Team
from .user import User

SKILL_LEVELS = {1: "Learning", 2: "Capable", 3: "Expert"}


class Function(db.Model):
    __tablename__ = "function"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    # How a customer would say it: "a bill", "an order or delivery".
    customer_label: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Function {self.id} {self.name}>"


class Skill(db.Model):
    __tablename__ = "skill"
    __table_args__ = (
        UniqueConstraint("user_id", "function_id"),
        CheckConstraint("level BETWEEN 1 AND 3", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    function_id: Mapped[int] = mapped_column(
        ForeignKey("function.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship()
    function: Mapped[Function] = relationship()

    @property
    def level_name(self) -> str:
        return SKILL_LEVELS[self.level]


LEARNING_STATUSES = {"learning": "Learning", "reached": "Reached", "dropped": "Dropped"}


class LearningEntry(db.Model):
    """One line of a team's cross-training plan: a member learning a function up to a target
    level by a date. Reached when their skill gets there (portal/skills.py), or dropped."""

    __tablename__ = "learning_entry"
    __table_args__ = (
        CheckConstraint("target_level BETWEEN 1 AND 3", name="target_level"),
        CheckConstraint("status IN ('learning', 'reached', 'dropped')", name="status"),
        Index("ix_learning_entry_team_status", "team_id", "status"),
        Index("ix_learning_entry_member_function", "member_id", "function_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    function_id: Mapped[int] = mapped_column(ForeignKey("function.id", ondelete="CASCADE"))
    target_level: Mapped[int]
    target_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default="learning")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    member: Mapped[User] = relationship(foreign_keys=[member_id])
    function: Mapped[Function] = relationship()
