"""Follow-ups: the team's task to go back to a customer who scored it low, on the account,
owned by the account's named member, closed only with what came of it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .account import Account
from .base import UTCDateTime, utcnow
from .rating import Rating
from .survey import SurveyResponse
from .team import Team
from .user import User


class FollowUp(db.Model):
    """Opened in the same transaction as its source: a low rating of a request, or a survey
    answer with a negative gap. One per source (the unique columns), whatever happens to the
    source later: a rating changed again does not open a second one."""

    __tablename__ = "follow_up"
    __table_args__ = (
        CheckConstraint("(rating_id IS NULL) <> (survey_response_id IS NULL)", name="one_source"),
        CheckConstraint("(closed_at IS NULL) = (outcome IS NULL)", name="closed_with_outcome"),
        # The account's card and the team's list: open ones first, by due day.
        Index("ix_follow_up_account", "account_id", "closed_at", "due_on"),
        Index("ix_follow_up_team", "team_id", "closed_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    rating_id: Mapped[int | None] = mapped_column(
        ForeignKey("rating.id", ondelete="CASCADE"), unique=True
    )
    survey_response_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), unique=True
    )
    # The account's named member when it opened; None: the account had none (coaches see
    # "No named member" and are told instead).
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date]
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship()
    account: Mapped[Account] = relationship()
    rating: Mapped[Rating | None] = relationship()
    survey_response: Mapped[SurveyResponse | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
