"""Does a customer's word open a follow-up, and when is it due: the rules, directly."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain import follow_ups as rules


@pytest.mark.parametrize(("score", "opens"), [(1, True), (2, True), (3, False), (5, False)])
def test_a_rating_of_two_or_less_opens_one(score, opens):
    assert rules.rating_opens_follow_up(score) is opens


def test_a_score_outside_the_scale_opens_nothing():
    assert not rules.rating_opens_follow_up(0)
    assert not rules.rating_opens_follow_up(-1)


def test_a_survey_answer_opens_one_when_any_dimension_falls_short():
    met = [("Reliability", 5, 5), ("Empathy", 4, 6)]
    assert not rules.response_opens_follow_up(met)
    assert rules.response_opens_follow_up([*met, ("Responsiveness", 6, 5)])
    assert not rules.response_opens_follow_up([])


def test_negative_gaps_widest_first_then_by_name():
    scores = [("Reliability", 6, 5), ("Empathy", 7, 3), ("Competence", 5, 4), ("Ease", 2, 7)]
    assert rules.negative_gaps(scores) == [("Empathy", -4), ("Competence", -1), ("Reliability", -1)]


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        (date(2026, 12, 7), date(2026, 12, 9)),  # Monday -> Wednesday
        (date(2026, 12, 10), date(2026, 12, 14)),  # Thursday -> Monday
        (date(2026, 12, 11), date(2026, 12, 15)),  # Friday -> Tuesday
        (date(2026, 12, 12), date(2026, 12, 15)),  # Saturday -> Tuesday
        (date(2026, 12, 13), date(2026, 12, 15)),  # Sunday -> Tuesday
    ],
)
def test_due_two_business_days_later(opened, due):
    assert rules.due_on(opened) == due


def test_an_outcome_is_kept_trimmed_and_never_empty():
    assert (
        rules.clean_outcome("  Called Ann; redelivery Friday.  ")
        == "Called Ann; redelivery Friday."
    )
    assert rules.clean_outcome("   ") is None
    assert rules.clean_outcome(None) is None
    assert len(rules.clean_outcome("x" * 5000)) == rules.OUTCOME_MAX
