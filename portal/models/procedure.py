"""Procedures, their versions and review rounds, the reference group and its stances.

A procedure is the team's documented way of serving customers. Its text lives in numbered
versions: a version once put to a review round is frozen, so an edit after that makes the
next version. A review round puts one version to the team's reference group until a
deadline; each member's latest stance counts (one row per member per round, with every
change kept in `stance_change`). The round's decision (adopted, revised, withdrawn) is
recorded on the round itself, with the coach's statement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.review import (  # noqa: F401 - the states, re-exported for the services
    ADOPTED,
    CLOSED,
    CONCERN,
    DRAFT,
    IN_REVIEW,
    OBJECT,
    OPEN,
    REVISED,
    SUPPORT,
    WITHDRAWN,
)
from ..extensions import db
from .account import Account, Tier
from .base import UTCDateTime, utcnow
from .function import Function
from .team import Team
from .user import User

STANCE_KINDS = {SUPPORT: "Support", CONCERN: "Concern", OBJECT: "Object"}


class ReferenceMembership(db.Model):
    """A contact's time in a team's reference group: a row per stint, `left_at` closes it."""

    __tablename__ = "reference_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # The account the contact speaks for in this group (its tier counts in tallies).
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    user: Mapped[User] = relationship()
    account: Mapped[Account] = relationship()


class Procedure(db.Model):
    __tablename__ = "procedure"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'in_review', 'adopted', 'withdrawn')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    function_id: Mapped[int | None] = mapped_column(ForeignKey("function.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    # Lineage: the library procedure of another team this one was copied from.
    adopted_from_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"), index=True)
    # The version in force; set by the first adoption, moved by later ones.
    adopted_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_version.id", use_alter=True, ondelete="SET NULL")
    )
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship()
    function: Mapped[Function | None] = relationship()
    adopted_from: Mapped[Procedure | None] = relationship(remote_side=[id])
    adopted_version: Mapped[ProcedureVersion | None] = relationship(
        foreign_keys=[adopted_version_id], post_update=True
    )
    versions: Mapped[list[ProcedureVersion]] = relationship(
        back_populates="procedure",
        foreign_keys="ProcedureVersion.procedure_id",
        order_by="ProcedureVersion.number",
    )


class ProcedureVersion(db.Model):
    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("procedure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedure.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The customer-convenience case: steps, waiting time, channels.
    customer_change: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    procedure: Mapped[Procedure] = relationship(
        back_populates="versions", foreign_keys=[procedure_id]
    )
    created_by: Mapped[User | None] = relationship()


class ReviewRound(db.Model):
    __tablename__ = "review_round"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'closed', 'adopted', 'revised', 'withdrawn')", name="status"
        ),
        CheckConstraint("quorum_min >= 0", name="quorum_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedure.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"))
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_early: Mapped[bool] = mapped_column(default=False)
    quorum_min: Mapped[int] = mapped_column(default=0)
    quorum_each_tier: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The decision, recorded by the coach once the round is closed.
    decision_statement: Mapped[str] = mapped_column(Text, default="")
    decided_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_version.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    procedure: Mapped[Procedure] = relationship()
    version: Mapped[ProcedureVersion] = relationship(foreign_keys=[version_id])
    decided_version: Mapped[ProcedureVersion | None] = relationship(
        foreign_keys=[decided_version_id]
    )
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Stance(db.Model):
    """A member's current stance in a round: exactly one row per member per round."""

    __tablename__ = "stance"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        CheckConstraint("kind IN ('support', 'concern', 'object')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("review_round.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    # The tier when the stance was taken: tallies by tier do not move when an account does.
    tier_id: Mapped[int] = mapped_column(ForeignKey("tier.id"))
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Goes up with every change, so an answer can tell it answered an older reason.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[ReviewRound] = relationship()
    user: Mapped[User] = relationship()
    account: Mapped[Account] = relationship()
    tier: Mapped[Tier] = relationship()
    answer: Mapped[StanceAnswer | None] = relationship(back_populates="stance", uselist=False)

    @property
    def label(self) -> str:
        return STANCE_KINDS[self.kind]

    @property
    def needs_answer(self) -> bool:
        return self.kind in (CONCERN, OBJECT)

    @property
    def is_answered(self) -> bool:
        return self.answer is not None and self.answer.stance_revision == self.revision


class StanceChange(db.Model):
    """The history of a stance: one row per change, oldest first."""

    __tablename__ = "stance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    stance_id: Mapped[int] = mapped_column(ForeignKey("stance.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StanceAnswer(db.Model):
    """The team's answer to a concern or objection, visible to the group."""

    __tablename__ = "stance_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    stance_id: Mapped[int] = mapped_column(ForeignKey("stance.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    # The stance revision answered: a changed reason needs a fresh answer.
    stance_revision: Mapped[int]
    # Set at adoption: which change of the adopted version answers it (None: not changed).
    change_number: Mapped[int | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stance: Mapped[Stance] = relationship(back_populates="answer")
    answered_by: Mapped[User | None] = relationship()


class StanceLink(db.Model):
    """A single-use link in a round's mail that opens one member's stance page."""

    __tablename__ = "stance_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("review_round.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[ReviewRound] = relationship()
    user: Mapped[User] = relationship()
