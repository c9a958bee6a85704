"""The tier rule: which tier an account's economics earn it, and why, in words a coach can
check. Profitable and loyal first: each tier (most important first) may ask for a gross
margin, years as a customer and a yearly revenue; the account is suggested the first tier
whose every condition it meets. A tier that asks nothing takes whoever is left. A condition
on a figure nobody entered is not met: the rule never guesses.

The suggestion only shapes service levels (through the tier); it never reorders the queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TierThresholds:
    tier_id: int
    name: str
    rank: int  # 1 matters most
    min_gross_margin: float | None = None  # percent
    min_years: int | None = None
    min_revenue: int | None = None

    @property
    def asks_anything(self) -> bool:
        return any(
            value is not None for value in (self.min_gross_margin, self.min_years, self.min_revenue)
        )


@dataclass(frozen=True)
class Economics:
    yearly_revenue: int | None = None
    gross_margin: float | None = None
    customer_since: date | None = None


@dataclass(frozen=True)
class Suggestion:
    tier_id: int
    name: str
    because: tuple[str, ...]  # why this tier
    short_of: tuple[str, ...]  # what `short_of_tier` asks that the account lacks
    short_of_tier: str | None  # the tier above (or, when none is met, the lowest itself)


def full_years(since: date, today: date) -> int:
    years = today.year - since.year
    if (today.month, today.day) < (since.month, since.day):
        years -= 1
    return max(years, 0)


def _condition(label: str, value, needed, shown) -> tuple[bool, str] | None:
    """One threshold against one figure: None when the tier does not ask it."""
    if needed is None:
        return None
    if value is None:
        return False, f"{label} not entered (needs {shown(needed)})"
    met = value >= needed
    return met, f"{label} {shown(value)} {'≥' if met else '<'} {shown(needed)}"


def check(rule: TierThresholds, economics: Economics, today: date) -> tuple[list[str], list[str]]:
    """(conditions met, conditions not met), each in words."""
    since = economics.customer_since
    conditions = (
        _condition("gross margin", economics.gross_margin, rule.min_gross_margin, "{:g}%".format),
        _condition(
            "years as a customer", full_years(since, today) if since else None, rule.min_years, str
        ),
        _condition("yearly revenue", economics.yearly_revenue, rule.min_revenue, "{:,}".format),
    )
    asked = [c for c in conditions if c is not None]
    return [words for met, words in asked if met], [words for met, words in asked if not met]


def suggest(
    rules: Sequence[TierThresholds], economics: Economics, today: date
) -> Suggestion | None:
    """The tier the rule suggests, or None when no tier asks anything (no rule is set)."""
    ordered = sorted(rules, key=lambda rule: rule.rank)
    if not any(rule.asks_anything for rule in ordered):
        return None
    above: TierThresholds | None = None
    short_of: list[str] = []
    for rule in ordered:
        met, unmet = check(rule, economics, today)
        if not unmet:
            because = met or [
                f"meets no higher tier's rule ({above.name} asks more)"
                if above
                else "this tier asks nothing"
            ]
            return Suggestion(
                rule.tier_id,
                rule.name,
                tuple(because),
                tuple(short_of),
                above.name if above else None,
            )
        above, short_of = rule, unmet
    lowest = ordered[-1]  # every tier asks something and none is met: the lowest
    return Suggestion(
        lowest.tier_id,
        lowest.name,
        ("meets no tier's rule, so the lowest tier",),
        tuple(short_of),
        lowest.name,
    )
