"""Procedures, rounds and stances through the services: the rules and what they record."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.domain.review import ReviewError
from portal.extensions import db
from portal.models import (
    Procedure,
    ReferenceMembership,
    Stance,
    StanceChange,
    utcnow,
)
from portal.procedures import (
    authoring,
    decisions,
    group_membership,
    review_rounds,
    shared_library,
    stances,
)
from tests import factories
from tests.conftest import outbox


@pytest.fixture
def group(world):
    """Team X's group: Contact A (Key) and a Standard contact of another account."""
    standard = factories.make_tier("Standard", 3)
    other = factories.make_account(world.team_x, standard, "Account S")
    second = factories.make_contact(other, name="Contact S")
    factories.join_reference_group(world.contact_a, world.account_a)
    factories.join_reference_group(second, other)
    db.session.commit()
    return second


def test_join_leave_and_join_again_keep_history(world):
    first = group_membership.join(world.contact_a, world.account_a)
    assert group_membership.join(world.contact_a, world.account_a) is first  # joining twice: no-op
    group_membership.leave(world.contact_a, world.team_x.id)
    group_membership.join(world.contact_a, world.account_a)
    rows = db.session.scalars(select(ReferenceMembership).order_by(ReferenceMembership.id)).all()
    assert len(rows) == 2 and rows[0].left_at is not None and rows[1].left_at is None


def test_a_contact_cannot_join_for_another_account(world):
    with pytest.raises(ReviewError):
        group_membership.join(world.contact_a, world.account_b)


def test_edits_after_a_round_opened_make_a_new_version(world, group):
    procedure = factories.make_procedure(world.team_x, world.member_x)
    authoring.edit_procedure(world.member_x, procedure, None, title="Returns v1", body="a")
    assert len(procedure.versions) == 1  # never reviewed: edited in place
    factories.open_review_round(procedure, world.coach_x)
    authoring.edit_procedure(world.member_x, procedure, None, title="Returns v1", body="a\nb")
    assert [v.number for v in procedure.versions] == [1, 2]
    assert procedure.versions[0].body == "a"  # the reviewed text stays


def test_open_round_mails_every_member_a_single_use_link(world, group):
    procedure = factories.make_procedure(world.team_x, world.member_x)
    factories.open_review_round(procedure, world.coach_x)
    mail = outbox(None)
    assert sorted(m.recipient for m in mail) == sorted([world.contact_a.email, group.email])
    assert all("/portal/reference-group/vote/" in m.body for m in mail)
    assert procedure.status == "in_review"
    with pytest.raises(ReviewError, match="already under way"):
        factories.open_review_round(procedure, world.coach_x)


def test_a_round_needs_members_and_a_future_deadline(world):
    procedure = factories.make_procedure(world.team_x, world.member_x)
    with pytest.raises(ReviewError, match="no members"):
        factories.open_review_round(procedure, world.coach_x)
    factories.join_reference_group(world.contact_a, world.account_a)
    with pytest.raises(ReviewError, match="future"):
        factories.open_review_round(procedure, world.coach_x, days=-1)


def test_stances_change_until_close_with_history_and_one_row(world, group):
    round_ = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x), world.coach_x
    )
    stances.take_stance(world.contact_a, round_, "object", "Five days is too slow")
    stances.take_stance(world.contact_a, round_, "object", "Five days is too slow")  # repeat
    stance = stances.take_stance(world.contact_a, round_, "concern", "Slow, but workable")
    assert stance.revision == 2
    assert db.session.scalar(select(func.count(Stance.id))) == 1
    kinds = db.session.scalars(select(StanceChange.kind).order_by(StanceChange.revision)).all()
    assert kinds == ["object", "concern"]
    with pytest.raises(ReviewError, match="reason"):
        stances.take_stance(group, round_, "object", " ")
    review_rounds.close_round(world.coach_x, round_, early=True)
    with pytest.raises(ReviewError, match="closed"):
        stances.take_stance(world.contact_a, round_, "support", "")
    assert stance.kind == "concern"


def test_outsiders_and_former_members_take_no_stance(world, group):
    round_ = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x), world.coach_x
    )
    with pytest.raises(ReviewError, match="Only members"):
        stances.take_stance(world.contact_b, round_, "support", "")
    group_membership.leave(group, world.team_x.id)
    with pytest.raises(ReviewError, match="Only members"):
        stances.take_stance(group, round_, "support", "")
    assert not stances.may_see_round(world.contact_b, round_)
    assert stances.may_see_round(world.contact_a, round_)


def test_a_stance_counts_while_its_author_is_in_the_group_at_the_count(world, group):
    """One rule for tally, quorum, comments and who may see the round: members at the close
    for a closed round (history that never changes), members now for an open one."""
    closed, open_ = (
        factories.open_review_round(
            factories.make_procedure(world.team_x, world.member_x, title=title), world.coach_x
        )
        for title in ("Closed", "Open")
    )
    for round_ in (closed, open_):
        stances.take_stance(world.contact_a, round_, "object", "Too slow")
        stances.take_stance(group, round_, "support", "")
    review_rounds.close_round(world.coach_x, closed, early=True)
    group_membership.leave(world.contact_a, world.team_x.id)

    now_open = stances.result_of(open_)
    assert [s.user_id for s in now_open.stances] == [group.id]
    assert (now_open.tally.overall.total, now_open.quorum.stances, now_open.members) == (1, 1, 1)
    assert stances.unanswered_comments(world.team_x) == [
        s for s in stances.stances_in(closed) if s.kind == "object"
    ]
    assert stances.result_of(closed).tally.overall.total == 2
    assert stances.may_see_round(world.contact_a, closed)
    assert not stances.may_see_round(world.contact_a, open_)
    # Joining again counts again, in the open round only.
    group_membership.join(world.contact_a, world.account_a)
    assert stances.result_of(open_).tally.overall.total == 2
    assert stances.stance_of(world.contact_a, open_).kind == "object"  # never lost


def test_deadline_closes_the_round_when_touched_and_by_tick(world, group):
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    round_.closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(ReviewError, match="closed"):
        stances.take_stance(world.contact_a, round_, "support", "")
    assert round_.status == "closed" and round_.closed_early is False
    other = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x), world.coach_x
    )
    assert "closed: 0" in review_rounds.tick(utcnow())
    assert "closed: 1" in review_rounds.tick(other.closes_at + timedelta(seconds=1))


def test_one_reminder_to_non_responders(world, group):
    round_ = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x), world.coach_x
    )
    stances.take_stance(world.contact_a, round_, "support", "")
    before = len(outbox(None))
    assert review_rounds.send_reminders(utcnow()) == 0  # a week out: too early
    late = round_.closes_at - timedelta(hours=2)
    assert review_rounds.send_reminders(late) == 1
    assert review_rounds.send_reminders(late + timedelta(minutes=30)) == 0  # only one
    reminders = outbox(None)[before:]
    assert [m.recipient for m in reminders] == [group.email]
    assert reminders[0].subject.startswith("Reminder")


def test_tally_by_tier_quorum_and_adoption_needs_every_objection_answered(world, group):
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(
        procedure, world.coach_x, quorum_min=2, quorum_each_tier=True
    )
    objection = stances.take_stance(world.contact_a, round_, "object", "Five days is too slow")
    stances.take_stance(group, round_, "support", "")
    review_rounds.close_round(world.coach_x, round_, early=True)
    result = stances.result_of(round_)
    assert result.quorum.met
    assert [(t.name, c.object, c.support) for t, c in result.tally.by_tier] == [
        ("Key", 1, 0),
        ("Standard", 0, 1),
    ]
    with pytest.raises(ReviewError, match="objection has no answer"):
        decisions.decide(world.coach_x, round_, "adopted", "Adopted")
    assert procedure.status == "in_review"
    stances.answer(world.member_x, objection, "We now collect within two days.")
    authoring.edit_procedure(
        world.member_x,
        procedure,
        None,
        title=procedure.versions[0].title,
        summary=procedure.versions[0].summary,
        customer_change=procedure.versions[0].customer_change,
        body="Call or write to us.\nWe collect within 2 working days.",
    )
    decisions.decide(world.coach_x, round_, "adopted", "Adopted, faster.", {objection.id: 1})
    assert procedure.status == "adopted" and procedure.adopted_version.number == 2
    assert objection.answer.change_number == 1
    changes, comments = decisions.you_said_we_did(round_)
    assert [c.after for c in changes] == ["We collect within 2 working days."]
    assert [s.id for s in comments] == [objection.id]
    told = [m for m in outbox(None) if m.subject.startswith("You said, we did")]
    mine = next(m for m in told if m.recipient == world.contact_a.email)
    assert "We collect within 2 working days." in mine.body and "Five days" in mine.body


def test_a_changed_objection_needs_a_fresh_answer(world, group):
    round_ = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x), world.coach_x
    )
    stance = stances.take_stance(world.contact_a, round_, "object", "Too slow")
    stances.answer(world.member_x, stance, "We will look at it")
    stances.take_stance(world.contact_a, round_, "object", "Too slow and only by phone")
    review_rounds.close_round(world.coach_x, round_, early=True)
    assert stances.result_of(round_).unanswered == 1
    with pytest.raises(ReviewError):
        decisions.decide(world.coach_x, round_, "adopted", "Adopted")


def test_withdrawn_procedures_take_no_stances_and_no_edits(world, group):
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    review_rounds.close_round(world.coach_x, round_, early=True)
    decisions.decide(world.coach_x, round_, "withdrawn", "Not now.")
    with pytest.raises(ReviewError, match="withdrawn"):
        stances.take_stance(world.contact_a, round_, "support", "")
    with pytest.raises(ReviewError, match="withdrawn"):
        authoring.edit_procedure(world.member_x, procedure, None, title="x", body="y")


def test_revised_starts_a_new_draft_version(world, group):
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    review_rounds.close_round(world.coach_x, round_, early=True)
    decisions.decide(world.coach_x, round_, "revised", "We will rework it.")
    assert procedure.status == "draft" and len(procedure.versions) == 2
    factories.open_review_round(procedure, world.coach_x)  # the next round, on version 2
    assert review_rounds.rounds_of(procedure)[0].version.number == 2


def test_library_adopt_copies_as_draft_with_lineage(world, group):
    procedure = factories.make_procedure(world.team_x, world.member_x, title="Delivery slots")
    round_ = factories.open_review_round(procedure, world.coach_x)
    review_rounds.close_round(world.coach_x, round_, early=True)
    decisions.decide(world.coach_x, round_, "adopted", "Adopted.")
    draft = factories.make_procedure(world.team_x, world.member_x, title="Unreviewed")
    rows = shared_library.library("slots")
    assert [p.id for p, _ in rows] == [procedure.id]
    assert draft.id not in [p.id for p, _ in shared_library.library()]
    assert shared_library.library(team_id=world.team_y.id) == []
    copy = shared_library.adopt_from_library(world.member_y, procedure, world.team_y)
    assert copy.status == "draft" and copy.adopted_from_id == procedure.id
    assert copy.versions[0].title == "Delivery slots"
    assert shared_library.lineage(copy).source.team.name == "Team X"
    with pytest.raises(ReviewError, match="already has a copy"):
        shared_library.adopt_from_library(world.member_y, procedure, world.team_y)
    with pytest.raises(ReviewError, match="already your team"):
        shared_library.adopt_from_library(world.member_x, procedure, world.team_x)
    assert db.session.scalar(select(func.count(Procedure.id))) == 3


def test_demo_has_an_active_round_an_adopted_procedure_and_one_used_by_two_teams(app):
    from portal.models import ReviewRound

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    statuses = db.session.scalars(select(ReviewRound.status)).all()
    assert "open" in statuses and statuses.count("adopted") == 2
    active = db.session.scalar(select(ReviewRound).where(ReviewRound.status == "open"))
    assert (
        0
        < len(stances.stances_in(active))
        < len(group_membership.group_members(active.procedure.team))
    )
    # The first adopted round is the one revised after its review (the other team's copy
    # was adopted as it stood): without an order, PostgreSQL may return either.
    adopted = db.session.scalar(
        select(ReviewRound).where(ReviewRound.status == "adopted").order_by(ReviewRound.id)
    )
    changes, comments = decisions.you_said_we_did(adopted)
    assert changes and any(s.answer.change_number == 1 for s in comments)
    library = shared_library.library()
    assert len({p.team_id for p, _ in library}) == 2
    assert shared_library.users_of([p.id for p, _ in library]) != {}
    assert outbox(None) == []  # the demo sends nobody mail


def test_tick_closes_due_rounds_and_sends_the_reminder(app, world, group):
    round_ = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x), world.coach_x, days=0.5
    )
    round_.opened_at = utcnow() - timedelta(hours=16)  # a 28-hour round, past its halfway
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "review rounds closed: 0; reminders queued: 2" in result.output
    round_.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["tick"])
    assert "review rounds closed: 1; reminders queued: 0" in result.output
    db.session.refresh(round_)
    assert round_.status == "closed"
