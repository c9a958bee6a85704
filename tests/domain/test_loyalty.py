"""Loyalty, directly: a year's retention by customer-since dates, revenue shares by tier
(active accounts only, unknown revenue counted apart), and gap moves between periods."""

from __future__ import annotations

from datetime import date

from portal.domain.loyalty import AccountFacts, GapMove, gap_moves, retention, revenue_by_tier

TODAY = date(2026, 12, 4)


def _account(tier="Key", rank=1, active=True, revenue=None, since=None):
    return AccountFacts(tier, rank, active, revenue, since)


def test_retention_counts_those_who_were_customers_a_year_ago():
    accounts = [
        _account(since=date(2020, 1, 1)),
        _account(since=date(2025, 12, 4)),  # exactly a year: in the cohort
        _account(since=date(2025, 12, 5)),  # not yet a year: not in it
        _account(active=False, since=date(2021, 6, 1)),  # left
        _account(),  # no date: not counted
    ]
    kept = retention(accounts, TODAY)
    assert (kept.cohort, kept.retained) == (3, 2) and round(kept.rate, 1) == 66.7
    assert retention([], TODAY).rate is None


def test_revenue_share_by_tier_of_active_accounts():
    shares = revenue_by_tier(
        [
            _account("Standard", 3, revenue=100_000),
            _account("Key", 1, revenue=900_000),
            _account("Key", 1, revenue=None),
            _account("Key", 1, active=False, revenue=5_000_000),  # gone: not counted
        ]
    )
    assert [(s.tier, s.revenue, round(s.share), s.accounts, s.unknown) for s in shares] == [
        ("Key", 900_000, 90, 2, 1),
        ("Standard", 100_000, 10, 1, 0),
    ]
    assert revenue_by_tier([_account()])[0].share is None  # no revenue known at all


def test_gap_moves_between_two_periods():
    moves = gap_moves(["Key", "Standard"], {"Key": -0.5}, {"Key": 0.25, "Standard": -1.0})
    assert moves == [GapMove("Key", -0.5, 0.25), GapMove("Standard", None, -1.0)]
    assert moves[0].change == 0.75 and moves[1].change is None
