"""People who sign in: staff (members, coaches, admins) and contacts (customers); and the
integration people a team's API tokens act as."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, String, and_, false
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..extensions import db
from .base import UTCDateTime, utcnow

STAFF = "staff"
CONTACT = "contact"


def listed_staff():
    """The people staff lists and pickers offer: staff, not an integration."""
    return and_(User.kind == STAFF, User.integration.is_(False))


def normalize_email(email: str) -> str:
    """Emails are unique case-insensitively: one stored form, lower case, trimmed."""
    return email.strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("kind IN ('staff', 'contact')", name="kind"),
        # The staff pickers (owner, assignee, handoff) list active staff by name: without
        # it every request page scanned the 20,000 contacts for the 150 staff.
        Index("ix_user_kind_active_name", "kind", "active", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Mute mail that is nice to have (the "we have your request" receipt); replies,
    # questions and resolutions always come.
    # The server default lets the column be added to a table that already has rows.
    mute_receipts: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Away people get no new requests or handoffs by routing; manual claims still work.
    # The server default lets the column be added to a table that already has rows.
    away: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Single-key shortcuts in the workspace, off until the person turns them on (as in
    # most mail clients): a stray key then never acts, and pages need no second script.
    keyboard_shortcuts: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The person a team's API token acts as: staff to every rule (what a member of the token's
    # team may see and do), but never signs in, belongs to no team by membership (the token
    # names its one team), and is never listed among the staff: `listed_staff()`.
    integration: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Part of the login id: bumping it signs the person out of every session at once.
    session_version: Mapped[int] = mapped_column(default=1)
    # The IANA zone every time is shown in for this person (pages and their mail); None until
    # their first sign-in offers one (`auth.services.settle_zone`), shown meanwhile in UTC.
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Mail to this address bounced for good: staff see it beside the person's name, and it
    # stays until mail from the address arrives again or the address changes.
    mail_bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_bounce_reason: Mapped[str | None] = mapped_column(String(300))

    @validates("email")
    def _normalize(self, _key, value: str) -> str:
        return normalize_email(value)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF

    @property
    def is_contact(self) -> bool:
        return self.kind == CONTACT

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.kind}>"
