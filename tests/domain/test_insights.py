"""The insights rules on small, hand-computed data sets."""

from datetime import date

import pytest

from portal.domain import insights as rules
from portal.domain.insights import AT_LEAST, AT_MOST, InsightError, period_containing


def test_gap_is_perception_minus_expectation():
    assert rules.gap(expectation=6, perception=4) == -2
    assert rules.gap(expectation=3, perception=5) == 2
    # (6,4) -2, (5,5) 0, (4,7) +3 -> mean 1/3
    assert rules.mean_gap([(6, 4), (5, 5), (4, 7)]) == pytest.approx(1 / 3)
    assert rules.mean_gap([]) is None


@pytest.mark.parametrize("raw", ["0", "8", "-1", "3.5", "", "seven", None, "1e1"])
def test_scores_outside_one_to_seven_are_refused(raw):
    with pytest.raises(InsightError, match="from 1 to 7"):
        rules.check_score(raw)


def test_scores_inside_the_scale_pass():
    assert [rules.check_score(str(n)) for n in range(1, 8)] == list(range(1, 8))


def test_median_odd_even_and_empty():
    assert rules.median([5, 1, 3]) == 3
    assert rules.median([4, 1, 3, 2]) == 2.5
    assert rules.median([]) is None


def test_share_is_a_percentage_or_none():
    assert rules.share(1, 4) == 25.0
    assert rules.share(0, 0) is None


@pytest.mark.parametrize(
    ("expected_by", "resolved_on", "csat", "met"),
    [
        (date(2026, 3, 10), date(2026, 3, 10), None, True),  # on the day
        (date(2026, 3, 10), date(2026, 3, 11), None, False),  # a day late
        (None, date(2026, 3, 11), 4, True),  # no date, good rating
        (None, date(2026, 3, 11), 3, False),  # no date, poor rating
        (date(2026, 3, 10), date(2026, 3, 9), 2, False),  # early but disliked
        (None, date(2026, 3, 9), None, None),  # nothing to compare with
        (date(2026, 3, 10), None, 5, None),  # not resolved
    ],
)
def test_expectation_met(expected_by, resolved_on, csat, met):
    assert rules.expectation_met(expected_by, resolved_on, csat) is met


def test_months_and_quarters():
    march = period_containing("month", date(2026, 3, 17))
    assert (march.start, march.end, march.label) == (date(2026, 3, 1), date(2026, 4, 1), "Mar 2026")
    assert march.previous().start == date(2026, 2, 1)
    december = period_containing("month", date(2025, 12, 31))
    assert december.end == date(2026, 1, 1) and december.next().start == date(2026, 1, 1)
    q = period_containing("quarter", date(2026, 5, 2))
    assert (q.start, q.end, q.label) == (date(2026, 4, 1), date(2026, 7, 1), "Q2 2026")
    assert q.previous().label == "Q1 2026" and q.previous().previous().label == "Q4 2025"
    periods = rules.periods_ending(q, 3)
    assert [p.label for p in periods] == ["Q4 2025", "Q1 2026", "Q2 2026"]


def test_goal_span_whole_periods_and_inverted_refused():
    assert rules.goal_span("month", date(2026, 1, 15), date(2026, 3, 2)) == (
        date(2026, 1, 1),
        date(2026, 4, 1),
    )
    assert rules.goal_span("quarter", date(2026, 2, 1), date(2026, 2, 1)) == (
        date(2026, 1, 1),
        date(2026, 4, 1),
    )
    with pytest.raises(InsightError, match="ends before it starts"):
        rules.goal_span("month", date(2026, 5, 1), date(2026, 4, 1))
    with pytest.raises(InsightError):
        rules.goal_span("week", date(2026, 5, 1), date(2026, 6, 1))
    with pytest.raises(InsightError, match="target"):
        rules.check_target(None)


def test_goal_status_follows_direction():
    assert rules.goal_status(4.6, 4.5, AT_LEAST) == rules.ON_TRACK
    assert rules.goal_status(4.4, 4.5, AT_LEAST) == rules.OFF_TRACK
    assert rules.goal_status(1.5, 2, AT_MOST) == rules.ON_TRACK
    assert rules.goal_status(2.5, 2, AT_MOST) == rules.OFF_TRACK
    assert rules.goal_status(None, 2, AT_MOST) == rules.NO_DATA


def test_trend_depends_on_direction_and_skips_gaps():
    assert rules.trend([3.0, None, 4.0], AT_LEAST) == rules.IMPROVING
    assert rules.trend([3.0, 4.0], AT_MOST) == rules.WORSENING
    assert rules.trend([2.0, 2.0], AT_MOST) == rules.STEADY
    assert rules.trend([None, 2.0], AT_MOST) is None


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("plain", "plain"),
        (-1.5, "-1.5"),
        (4.0, "4"),
        (None, ""),
        (True, "yes"),
    ],
)
def test_csv_cells_are_neutralised(cell, written):
    assert rules.neutralise_cell(cell) == written


def test_the_best_team_is_the_highest_where_more_is_better_and_the_lowest_where_less_is():
    values = {1: 4.2, 2: 4.6, 3: None, 4: 3.9}
    assert rules.best_of(values, AT_LEAST) == {2}
    assert rules.best_of(values, AT_MOST) == {4}


def test_ties_all_lead_but_nobody_leads_alone_or_when_all_are_equal():
    assert rules.best_of({1: 90.0, 2: 90.0, 3: 80.0}, AT_LEAST) == {1, 2}
    assert rules.best_of({1: 90.0, 2: None}, AT_LEAST) == set()
    assert rules.best_of({1: 3.0, 2: 3.0}, AT_MOST) == set()
    assert rules.best_of({}, AT_LEAST) == set()


def _gaps(*pairs):
    return [rules.DimensionGap(n, name, gap) for n, (name, gap) in enumerate(pairs, 1)]


def test_the_two_most_negative_gaps_are_the_worst_rated():
    gaps = _gaps(("Reliability", -0.4), ("Empathy", 0.6), ("Competence", -1.2), ("Speed", -0.8))
    worst = rules.worst_dimensions(gaps)
    assert [g.name for g in worst] == ["Competence", "Speed"]
    assert rules.worst_dimension_label(worst[1]) == (
        "Speed: customers rate it worst this quarter (gap \u22120.8)"
    )


def test_ties_keep_the_survey_s_order_and_only_shortfalls_count():
    gaps = _gaps(("Reliability", -0.5), ("Empathy", -0.5), ("Competence", -0.5), ("Ease", 0.0))
    assert [g.name for g in rules.worst_dimensions(gaps)] == ["Reliability", "Empathy"]
    one_short = _gaps(("Reliability", 0.5), ("Empathy", -0.1), ("Ease", 0.0))
    assert [g.name for g in rules.worst_dimensions(one_short)] == ["Empathy"]


def test_no_survey_answers_ask_nothing_more():
    assert rules.worst_dimensions(_gaps(("Reliability", None), ("Empathy", None))) == []
    assert rules.worst_dimensions([]) == []
    assert rules.worst_dimensions(_gaps(("Reliability", 0.4), ("Empathy", 1.0))) == []


def test_far_months_and_signalling_nan_are_refused_not_a_crash():
    from decimal import Decimal

    with pytest.raises(InsightError, match="before 2100"):
        rules.goal_span("month", date(2026, 1, 1), date(9999, 12, 1))
    with pytest.raises(InsightError, match="as a number"):
        rules.check_target(Decimal("sNaN"))
