"""The tier rule, directly: the first tier whose every condition is met, the words that say
why (and why not the tier above), unknown figures never met, whole years only."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.tier_rule import Economics, TierThresholds, full_years, suggest

TODAY = date(2026, 12, 4)
KEY = TierThresholds(1, "Key", 1, min_gross_margin=30, min_years=5)
LOYAL = TierThresholds(2, "Loyal", 2, min_years=2)
STANDARD = TierThresholds(3, "Standard", 3)
RULE = [STANDARD, KEY, LOYAL]  # any order: ranks decide


def test_profitable_and_loyal_is_key_with_its_reasons():
    got = suggest(RULE, Economics(gross_margin=34.5, customer_since=date(2020, 3, 1)), TODAY)
    assert (got.name, got.because) == (
        "Key",
        ("gross margin 34.5% ≥ 30%", "years as a customer 6 ≥ 5"),
    )
    assert got.short_of == () and got.short_of_tier is None


def test_loyal_but_thin_margin_is_loyal_and_says_what_key_needs():
    got = suggest(RULE, Economics(gross_margin=22, customer_since=date(2020, 3, 1)), TODAY)
    assert got.name == "Loyal" and got.because == ("years as a customer 6 ≥ 2",)
    assert got.short_of_tier == "Key" and got.short_of == ("gross margin 22% < 30%",)


def test_a_new_customer_falls_to_the_tier_that_asks_nothing():
    got = suggest(RULE, Economics(gross_margin=50, customer_since=date(2026, 1, 1)), TODAY)
    assert got.name == "Standard"
    assert got.because == ("meets no higher tier's rule (Loyal asks more)",)
    assert got.short_of == ("years as a customer 0 < 2",)


def test_a_figure_nobody_entered_is_never_met():
    got = suggest(RULE, Economics(), TODAY)
    assert got.name == "Standard"
    assert got.short_of == ("years as a customer not entered (needs 2)",)


def test_when_every_tier_asks_something_and_nothing_is_met_the_lowest_is_suggested():
    strict = [KEY, TierThresholds(2, "Loyal", 2, min_revenue=1_000_000)]
    got = suggest(strict, Economics(yearly_revenue=250_000), TODAY)
    assert got.name == "Loyal" and got.short_of == ("yearly revenue 250,000 < 1,000,000",)
    assert got.because == ("meets no tier's rule, so the lowest tier",)


def test_no_rule_set_suggests_nothing():
    plain = [TierThresholds(1, "Key", 1), TierThresholds(2, "Standard", 2)]
    assert suggest(plain, Economics(gross_margin=40), TODAY) is None


@pytest.mark.parametrize(
    ("since", "years"),
    [
        (date(2021, 12, 4), 5),  # the anniversary itself counts
        (date(2021, 12, 5), 4),
        (date(2024, 2, 29), 2),  # a leap day: its anniversary is 1 March in other years
        (date(2027, 1, 1), 0),  # a date in the future is no years, not negative
    ],
)
def test_full_years(since, years):
    assert full_years(since, TODAY) == years
