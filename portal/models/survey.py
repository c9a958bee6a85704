"""Relationship surveys: per service dimension, what a contact expected and what they
experienced (1-7); the gap (perception - expectation) shows where service falls short."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .account import Account, Tier
from .base import UTCDateTime, utcnow
from .team import Team
from .user import User

SCALE = range(1, 8)  # 1 = very low, 7 = very high

DEFAULT_DIMENSIONS = (
    ("Reliability", "Doing what we promised, dependably and accurately."),
    ("Responsiveness", "Being willing to help and answering promptly."),
    ("Competence", "Knowing our business and yours; getting it right."),
    ("Empathy", "Caring, individual attention to you."),
    ("Ease of dealing with us", "One contact point, no chasing, no runaround."),
)


class ServiceDimension(db.Model):
    """What a survey asks about; admins edit the list (inactive ones are no longer asked)."""

    __tablename__ = "service_dimension"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Survey(db.Model):
    """One sending of the relationship survey to an account's contacts."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    # None when the tier's schedule sent it.
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    account: Mapped[Account] = relationship()
    sent_by: Mapped[User | None] = relationship()


class SurveyInvitation(db.Model):
    """One contact's link to a survey: the mail carries the token, the row only its hash."""

    __tablename__ = "survey_invitation"
    __table_args__ = (UniqueConstraint("survey_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    survey: Mapped[Survey] = relationship()
    contact: Mapped[User] = relationship()


class SurveyResponse(db.Model):
    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # Copied from the survey so measures filter responses without a join.
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    comment: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    survey: Mapped[Survey] = relationship()
    contact: Mapped[User] = relationship()
    scores: Mapped[list[SurveyScore]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class SurveyScore(db.Model):
    __tablename__ = "survey_score"
    __table_args__ = (
        UniqueConstraint("response_id", "dimension_id"),
        CheckConstraint("expectation BETWEEN 1 AND 7", name="expectation"),
        CheckConstraint("perception BETWEEN 1 AND 7", name="perception"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    dimension_id: Mapped[int] = mapped_column(ForeignKey("service_dimension.id"), index=True)
    expectation: Mapped[int]
    perception: Mapped[int]

    response: Mapped[SurveyResponse] = relationship(back_populates="scores")
    dimension: Mapped[ServiceDimension] = relationship()


class SurveySchedule(db.Model):
    """Send the survey to every account of a tier every so many days (run by `tick`)."""

    __tablename__ = "survey_schedule"
    __table_args__ = (CheckConstraint("every_days BETWEEN 7 AND 730", name="every_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tier.id", ondelete="CASCADE"), unique=True)
    every_days: Mapped[int]

    tier: Mapped[Tier] = relationship()
