"""General feedback that is not a request: praise, a complaint, an idea, for the owning team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .account import Account
from .base import UTCDateTime, utcnow
from .team import Team
from .user import User

FEEDBACK_KINDS = {"praise": "Praise", "complaint": "A complaint", "idea": "An idea"}


class Feedback(db.Model):
    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("kind IN ('praise', 'complaint', 'idea')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Someone in the team has read it (and may have followed up).
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    account: Mapped[Account] = relationship()
    contact: Mapped[User] = relationship(foreign_keys=[contact_id])
    seen_by: Mapped[User | None] = relationship(foreign_keys=[seen_by_id])
