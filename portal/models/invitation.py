"""Invitations and password resets: single-use, expiring links sent by mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .account import Account
from .base import UTCDateTime, utcnow
from .team import Team
from .user import User

PENDING = "pending"
ACCEPTED = "accepted"
EXPIRED = "expired"
REVOKED = "revoked"


class Invitation(db.Model):
    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint("kind IN ('staff', 'contact')", name="kind"),
        CheckConstraint("kind = 'staff' OR account_id IS NOT NULL", name="contact_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    # Staff invitations may place the newcomer in a team straight away.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    team_role: Mapped[str | None] = mapped_column(String(10))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Only a hash is kept: a database leak does not hand out working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    account: Mapped[Account | None] = relationship()
    team: Mapped[Team | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def status(self, now: datetime | None = None) -> str:
        if self.accepted_at:
            return ACCEPTED
        if self.revoked_at:
            return REVOKED
        if (now or utcnow()) >= self.expires_at:
            return EXPIRED
        return PENDING


class PasswordReset(db.Model):
    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
