"""Loyalty, measured: how many accounts that were customers a year ago still are, what
share of revenue each tier brings, and how each tier's satisfaction gap moves between two
periods. Plain functions of plain facts, so the dashboard and tests read the same rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

YEAR = timedelta(days=365)


@dataclass(frozen=True)
class AccountFacts:
    tier: str
    tier_rank: int
    active: bool
    yearly_revenue: int | None
    customer_since: date | None


@dataclass(frozen=True)
class Retention:
    cohort: int  # accounts that were customers a year ago (by their customer-since date)
    retained: int  # of them, still active today

    @property
    def rate(self) -> float | None:
        return 100 * self.retained / self.cohort if self.cohort else None


@dataclass(frozen=True)
class TierShare:
    tier: str
    revenue: int
    share: float | None  # percent of the revenue known; None when none is known
    accounts: int
    unknown: int  # accounts of the tier with no revenue entered


@dataclass(frozen=True)
class GapMove:
    tier: str
    before: float | None
    now: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.now is None:
            return None
        return self.now - self.before


def retention(accounts: Iterable[AccountFacts], today: date) -> Retention:
    cohort = [a for a in accounts if a.customer_since and a.customer_since <= today - YEAR]
    return Retention(len(cohort), sum(1 for a in cohort if a.active))


def revenue_by_tier(accounts: Iterable[AccountFacts]) -> list[TierShare]:
    """Active accounts' yearly revenue per tier, most important tier first."""
    tiers: dict[tuple[int, str], list[AccountFacts]] = {}
    for account in accounts:
        if account.active:
            tiers.setdefault((account.tier_rank, account.tier), []).append(account)
    total = sum(a.yearly_revenue or 0 for group in tiers.values() for a in group)
    shares = []
    for (_, name), group in sorted(tiers.items()):
        revenue = sum(a.yearly_revenue or 0 for a in group)
        shares.append(
            TierShare(
                name,
                revenue,
                100 * revenue / total if total else None,
                len(group),
                sum(1 for a in group if a.yearly_revenue is None),
            )
        )
    return shares


def gap_moves(
    tiers: Sequence[str], before: dict[str, float], now: dict[str, float]
) -> list[GapMove]:
    return [GapMove(tier, before.get(tier), now.get(tier)) for tier in tiers]
