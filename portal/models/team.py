"""Customer teams and who belongs to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .user import User

MEMBER = "member"
COACH = "coach"
MEMBERSHIP_ROLES = (MEMBER, COACH)


class Team(db.Model):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    # IANA zone: business hours and service clocks are counted in the team's local time.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # Automatic: new requests go to the best-skilled, least-loaded member. Manual: they wait
    # in Unassigned for a claim.
    # The server default lets the column be added to a table that already has rows.
    automatic_routing: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Moves, in the same transaction, with every change to the team's requests and handoffs
    # (portal/requests/activity.py): the inbox's poll and caches compare this one number
    # instead of aggregating the team's requests on every page and every poll.
    activity: Mapped[int] = mapped_column(default=0, server_default="0")
    # Moves, in the same transaction, with every change to what the team's pages print of
    # the team itself (members, accounts, calendar, canned replies): portal/caching.py.
    settings_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Where customers write to the team and where their replies come back (portal/
    # mail_threads.py). Stored lowercased (admin/services.py), so this plain unique index is
    # unique whatever the case; no `+`, which is where reply tokens go. None: the team takes
    # no mail, and its mails ask customers to answer on the request's page.
    mail_address: Mapped[str | None] = mapped_column(String(254), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.name}>"


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id"),
        CheckConstraint("role IN ('member', 'coach')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()

    @property
    def is_coach(self) -> bool:
        return self.role == COACH
