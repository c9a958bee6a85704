"""Signed-in sessions, one row per browser: what lets a sign-out end a copied cookie."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class UserSession(db.Model):
    """A session started by a sign-in. The cookie carries a random token, the row only its
    hash. Signing out ends this row; signing out everywhere, a new password and deactivation
    end all of the person's rows. A session is good while its row is not ended (access.py
    `signed_in` is that rule, for the app and for portal/revalidation.py)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
