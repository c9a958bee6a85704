"""Customer accounts, their tiers, and the contacts who speak for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .team import Membership, Team
from .user import User


class Tier(db.Model):
    __tablename__ = "tier"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    # 1 matters most; service levels are set per tier.
    rank: Mapped[int] = mapped_column(unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    # The tier rule (portal/domain/tier_rule.py): what an account needs to be suggested
    # this tier. None: not a condition; a tier with none is where the rest go.
    min_gross_margin: Mapped[float | None]  # percent
    min_years: Mapped[int | None]  # full years as a customer
    min_revenue: Mapped[int | None] = mapped_column(BigInteger)  # a year's, whole units

    def __repr__(self) -> str:
        return f"<Tier {self.name}>"


class Account(db.Model):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("tier.id"), index=True)
    # The account allows contacts to see each other's requests; each contact still opts in.
    shares_visibility: Mapped[bool] = mapped_column(default=False)
    # Where its contacts start (their own choice overrides it); None: the owning team's zone.
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the team last wrote to this account (a public staff reply): kept by
    # portal/requests/last_contact.py so Quiet accounts never aggregates a year of replies.
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its economics, which the tier rule reads; None: not known.
    yearly_revenue: Mapped[int | None] = mapped_column(BigInteger)  # whole units
    gross_margin: Mapped[float | None]  # percent of revenue
    order_volume: Mapped[int | None]  # orders a year
    customer_since: Mapped[date | None]
    renewal_on: Mapped[date | None]

    team: Mapped[Team] = relationship()
    tier: Mapped[Tier] = relationship()
    named: Mapped[NamedMember | None] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True
    )
    contacts: Mapped[list[Contact]] = relationship(back_populates="account")

    @property
    def named_member(self) -> User | None:
        """The one member of its team the customer knows by name, if any."""
        return self.named.user if self.named is not None else None

    @property
    def named_member_id(self) -> int | None:
        return self.named.user.id if self.named is not None else None

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name}>"


class NamedMember(db.Model):
    """An account's named member: owns its follow-ups and is shown first to its contacts.
    It names a membership of the account's team (portal/follow_ups checks the team), so
    leaving the team ends it with the membership; a move of the account ends it too."""

    __tablename__ = "account_named_member"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), index=True
    )
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="named")
    membership: Mapped[Membership] = relationship()
    # The person, read with the row (one statement for "who is named here").
    user: Mapped[User] = relationship(
        secondary="membership",
        primaryjoin="NamedMember.membership_id == Membership.id",
        secondaryjoin="Membership.user_id == User.id",
        lazy="joined",
        viewonly=True,
    )


class Contact(db.Model):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("user_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    # Opt-in, per contact: only counts when the account shares visibility too.
    sees_account_requests: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    account: Mapped[Account] = relationship(back_populates="contacts")

    @property
    def sees_whole_account(self) -> bool:
        return self.sees_account_requests and self.account.shares_visibility


class TierChange(db.Model):
    """Every change of an account's tier: what the rule suggested then, what was chosen, by
    whom and why. An override of the suggestion always has a reason."""

    __tablename__ = "tier_change"
    __table_args__ = (Index("ix_tier_change_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    from_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    to_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    suggested_tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("tier.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_tier: Mapped[Tier | None] = relationship(foreign_keys=[from_tier_id])
    to_tier: Mapped[Tier | None] = relationship(foreign_keys=[to_tier_id])
    suggested_tier: Mapped[Tier | None] = relationship(foreign_keys=[suggested_tier_id])
    decided_by: Mapped[User | None] = relationship()
