"""Service functions (Sales, Billing, ...) and members' skills in them."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
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
