"""The cross-training rules, directly: who covers a function, which functions hang on one
person (or on no one), when a learning entry may be written, reached and overdue."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain import cross_training as rules
from portal.domain.cross_training import CrossTrainingError

BILLING, CREDIT, DELIVERY = 10, 20, 30
ANA, BEN, CAL = 1, 2, 3


def test_a_function_held_by_one_capable_member_is_a_single_point():
    levels = {(ANA, BILLING): 3, (BEN, BILLING): 1, (ANA, CREDIT): 2, (BEN, CREDIT): 2}
    assert rules.single_points([BILLING, CREDIT], [ANA, BEN], levels) == [BILLING]


def test_a_function_no_one_holds_at_level_two_is_a_single_point_too():
    levels = {(ANA, DELIVERY): 1, (BEN, DELIVERY): 1}
    (cover,) = rules.coverage([DELIVERY], [ANA, BEN], levels)
    assert cover.holders == () and cover.state == rules.NOBODY and cover.single_point


def test_two_capable_members_cover_a_function():
    levels = {(ANA, BILLING): 2, (BEN, BILLING): 3, (CAL, BILLING): 1}
    (cover,) = rules.coverage([BILLING], [ANA, BEN, CAL], levels)
    assert cover.holders == (ANA, BEN) and cover.state == rules.COVERED
    assert not cover.single_point


def test_one_holder_reads_as_one_person_only():
    (cover,) = rules.coverage([BILLING], [ANA, BEN], {(ANA, BILLING): 2})
    assert cover.state == rules.ONE_PERSON and cover.holders == (ANA,)


def test_someone_outside_the_team_covers_nothing():
    levels = {(ANA, BILLING): 3, (CAL, BILLING): 3}  # Cal is in another team
    assert rules.single_points([BILLING], [ANA, BEN], levels) == [BILLING]


def test_no_functions_no_single_points():
    assert rules.single_points([], [ANA], {}) == []


@pytest.mark.parametrize("level", [0, 4, -1, "2", None, 2.0, True])
def test_a_level_is_a_whole_number_from_1_to_3(level):
    with pytest.raises(CrossTrainingError, match="from 1 to 3"):
        rules.check_level(level)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_levels_1_to_3_pass(level):
    assert rules.check_level(level) == level


TODAY = date(2026, 12, 4)


def test_a_learning_entry_needs_a_target_above_the_current_level():
    assert rules.check_learning(1, 2, TODAY, TODAY) == 2
    assert rules.check_learning(None, 1, TODAY, TODAY) == 1
    with pytest.raises(CrossTrainingError, match="already at level 2") as error:
        rules.check_learning(2, 2, TODAY, TODAY)
    assert error.value.field == "target_level"


def test_a_learning_entry_target_date_is_from_today_on():
    with pytest.raises(CrossTrainingError, match="from today on") as error:
        rules.check_learning(None, 2, date(2026, 12, 3), TODAY)
    assert error.value.field == "target_on"
    with pytest.raises(CrossTrainingError, match="target date"):
        rules.check_learning(None, 2, None, TODAY)


def test_a_bad_target_level_is_about_the_target_level():
    with pytest.raises(CrossTrainingError) as error:
        rules.check_learning(None, 5, TODAY, TODAY)
    assert error.value.field == "target_level"


def test_learning_is_reached_when_the_skill_gets_to_the_target():
    assert rules.status_after(rules.LEARNING, 1, 2) == rules.LEARNING
    assert rules.status_after(rules.LEARNING, None, 1) == rules.LEARNING
    assert rules.status_after(rules.LEARNING, 2, 2) == rules.REACHED
    assert rules.status_after(rules.LEARNING, 3, 2) == rules.REACHED


def test_reached_and_dropped_entries_stay_as_they_are():
    assert rules.status_after(rules.REACHED, 1, 2) == rules.REACHED
    assert rules.status_after(rules.DROPPED, 3, 2) == rules.DROPPED


def test_overdue_is_a_learning_entry_past_its_date():
    assert rules.is_overdue(rules.LEARNING, date(2026, 12, 3), TODAY)
    assert not rules.is_overdue(rules.LEARNING, TODAY, TODAY)
    assert not rules.is_overdue(rules.REACHED, date(2026, 1, 1), TODAY)
    assert not rules.is_overdue(rules.DROPPED, date(2026, 1, 1), TODAY)
