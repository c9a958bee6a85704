"""The review rules, tested directly: tallies, quorum, transitions, adoption, reminders, diffs."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain import review
from portal.domain.review import Comment, ReviewError, Tier

KEY, LOYAL, STANDARD = Tier(1, "Key"), Tier(2, "Loyal"), Tier(3, "Standard")


def test_tally_counts_overall_and_by_tier_most_important_first_never_weighted():
    result = review.tally(
        [("support", STANDARD), ("object", KEY), ("support", KEY), ("concern", STANDARD)]
    )
    assert (result.overall.support, result.overall.concern, result.overall.object) == (2, 1, 1)
    assert result.overall.total == 4
    assert [tier for tier, _ in result.by_tier] == [KEY, STANDARD]
    key = dict(result.by_tier)[KEY]
    assert (key.support, key.concern, key.object) == (1, 0, 1)  # a Key stance counts once


def test_tally_of_nothing_and_of_an_unknown_kind():
    assert review.tally([]).overall.total == 0
    with pytest.raises(ValueError):
        review.tally([("maybe", KEY)])


def test_quorum_by_count():
    assert review.quorum([KEY, KEY], [KEY], min_stances=2).met
    missed = review.quorum([KEY], [KEY], min_stances=2)
    assert not missed.met and "1 of at least 2" in missed.describe()


def test_quorum_each_tier_names_the_missing_tiers():
    result = review.quorum([KEY], [KEY, STANDARD, LOYAL, KEY], each_tier=True)
    assert not result.met
    assert result.missing_tiers == (LOYAL, STANDARD)
    assert "Loyal, Standard" in result.describe()
    assert review.quorum([KEY, STANDARD], [KEY, STANDARD], each_tier=True).met


def test_no_quorum_set_is_always_met():
    result = review.quorum([], [KEY])
    assert result.met and result.describe() == "No quorum was set."


def test_round_transitions():
    assert review.round_after("open", "close") == "closed"
    for decision in ("adopted", "revised", "withdrawn"):
        assert review.round_after("closed", decision) == decision
    with pytest.raises(ReviewError, match="still open"):
        review.round_after("open", "adopted")
    with pytest.raises(ReviewError, match="already has its decision"):
        review.round_after("adopted", "withdrawn")
    with pytest.raises(ReviewError, match="already closed"):
        review.round_after("closed", "close")


def test_procedure_transitions():
    assert review.procedure_after("draft", "open_round") == "in_review"
    assert review.procedure_after("in_review", "adopted") == "adopted"
    assert review.procedure_after("in_review", "revised") == "draft"
    assert review.procedure_after("adopted", "open_round") == "in_review"
    with pytest.raises(ReviewError, match="already under way"):
        review.procedure_after("in_review", "open_round")
    with pytest.raises(ReviewError, match="withdrawn"):
        review.procedure_after("withdrawn", "open_round")


def test_may_adopt_only_a_closed_round_whose_objections_all_have_answers():
    assert review.adoption_blockers("closed", [Comment("object", True)]) == []
    assert review.adoption_blockers("closed", [Comment("concern", False)]) == []
    blocked = review.adoption_blockers(
        "closed", [Comment("object", False), Comment("object", True)]
    )
    assert blocked and "1 objection has no answer" in blocked[0]
    assert "still open" in review.adoption_blockers("open", [])[0]
    assert "already has its decision" in review.adoption_blockers("adopted", [])[0]


def test_stance_rules():
    assert review.check_stance("support", "") == ""
    assert review.check_stance("concern", "  slow  ") == "slow"
    with pytest.raises(ReviewError, match="reason for your objection"):
        review.check_stance("object", "   ")
    with pytest.raises(ReviewError, match="reason for your concern"):
        review.check_stance("concern", "")
    with pytest.raises(ReviewError):
        review.check_stance("abstain", "x")
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert review.may_take_stance("open", now + timedelta(seconds=1), now)
    assert not review.may_take_stance("open", now, now)  # the deadline itself is too late
    assert not review.may_take_stance("closed", now + timedelta(days=1), now)


def test_one_reminder_a_day_before_or_halfway_for_short_rounds():
    opened = datetime(2026, 12, 1, 9, tzinfo=UTC)
    closes = opened + timedelta(days=7)
    assert not review.reminder_due(opened, closes, closes - timedelta(hours=25), None)
    assert review.reminder_due(opened, closes, closes - timedelta(hours=23), None)
    assert not review.reminder_due(opened, closes, closes - timedelta(hours=1), opened)
    assert not review.reminder_due(opened, closes, closes, None)
    short = opened + timedelta(hours=10)
    assert not review.reminder_due(opened, short, opened + timedelta(hours=4), None)
    assert review.reminder_due(opened, short, opened + timedelta(hours=5), None)


def test_compare_numbers_changes_across_sections_word_by_word():
    old = {"title": "Returns", "body": "Call us.\nWe collect in 5 days.\nRefund by cheque."}
    new = {
        "title": "Returns",
        "body": "Call us.\nWe collect in 2 days.\nRefund by cheque.\nTrack online.",
    }
    changes = review.compare(old, new)
    assert [(c.number, c.section, c.kind) for c in changes] == [
        (1, "The procedure", "changed"),
        (2, "The procedure", "added"),
    ]
    assert ("delete", "5") in changes[0].words and ("insert", "2") in changes[0].words
    assert changes[1].after == "Track online."
    assert review.compare(old, old) == []
    assert "added “Track online.”" in review.excerpt(changes[1])


def test_compare_removed_section_text():
    changes = review.compare({"summary": "Old summary"}, {"summary": ""})
    assert [c.kind for c in changes] == ["removed"]
    assert changes[0].section == "Summary"
