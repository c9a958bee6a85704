"""The scale generator: deterministic, consistent service clocks, every status present."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ClockPause, Entry, Handoff, Request, User
from portal.requests import clock
from portal.requests.handoffs import for_request, progress_line
from portal.richtext import render_html
from portal.seeding.scale import BENCH_PEOPLE, LONG_REQUEST_ENTRIES, seed_scale

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _fingerprint():
    requests = db.session.execute(
        select(
            func.count(Request.id),
            func.sum(Request.account_id * 7 + Request.requester_id),
            func.count(Request.next_due_at),
            func.max(Request.idempotency_key),
        )
    ).one()
    entries = db.session.execute(
        select(func.count(Entry.id), func.sum(Entry.request_id + func.length(Entry.body)))
    ).one()
    return tuple(requests), tuple(entries)


def test_seed_is_deterministic_and_consistent_with_the_clock(app):
    scale = seed_scale(600, seed=3, now=NOW, log=lambda _: None)
    statuses = set(db.session.scalars(select(Request.status).distinct()))
    assert statuses == {"new", "open", "waiting_on_customer", "resolved", "closed"}
    assert scale.counts["request"] == 600
    assert 4 * 600 <= scale.counts["entry"] <= 7 * 600
    for address in BENCH_PEOPLE.values():
        assert db.session.scalar(select(User.id).where(User.email == address))
    long = db.session.get(Request, scale.long_request)
    entries = db.session.scalar(select(func.count()).where(Entry.request_id == long.id))
    assert entries == LONG_REQUEST_ENTRIES
    # Inserted around the ORM, entries still carry the HTML its hook would store.
    bodies = db.session.execute(select(Entry.body, Entry.body_html)).all()
    assert {html for body, html in bodies if html != render_html(body)} == set()
    # Every request's clock is what clock.recompute gives it.
    every = db.session.scalars(select(Request).order_by(Request.id)).all()
    assert {r.status for r in every if r.next_due_at} == {"new", "open"}
    assert any(r.status == "waiting_on_customer" and r.resolution_due_at for r in every)
    for item in every:
        stored = (
            item.first_response_due_at,
            item.resolution_due_at,
            item.next_due_at,
            item.next_at_risk_at,
        )
        clock.recompute(item, NOW)
        assert stored == (
            item.first_response_due_at,
            item.resolution_due_at,
            item.next_due_at,
            item.next_at_risk_at,
        ), item
    db.session.rollback()
    paused = db.session.scalar(select(func.count(ClockPause.id)))
    waiting = db.session.scalar(
        select(func.count(Request.id)).where(Request.status == "waiting_on_customer")
    )
    assert paused == waiting
    first = _fingerprint()
    with pytest.raises(RuntimeError, match="empty"):
        seed_scale(600, seed=3, now=NOW, log=lambda _: None)
    # Same seed, same rows: wipe and run again.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    seed_scale(600, seed=3, now=NOW, log=lambda _: None)
    assert _fingerprint() == first
    # Ids were given explicitly; new rows still get fresh ones (PostgreSQL's sequences).
    added = Entry(request_id=long.id, kind="reply", body="after the seed")
    db.session.add(added)
    db.session.flush()
    assert added.id > scale.counts["entry"]


def test_procedures_rounds_and_stances_follow_the_services_rules(app):
    """The generated rows are ones the services could have made."""
    from portal.models import (
        Contact,
        Goal,
        Procedure,
        ProcedureVersion,
        ReferenceMembership,
        ReviewRound,
        Stance,
        StanceAnswer,
        StanceChange,
        SurveyResponse,
        SurveyScore,
    )
    from portal.procedures import group_membership, shared_library, stances

    scale = seed_scale(3000, seed=5, now=NOW, log=lambda _: None)
    assert scale.counts["procedure"] >= 3 * scale.teams
    contact = db.session.scalar(select(User).where(User.email == BENCH_PEOPLE["contact"]))
    account = db.session.scalar(select(Contact.account_id).where(Contact.user_id == contact.id))
    team_id = db.session.get(Request, scale.long_request).team_id
    assert group_membership.current_membership(contact, team_id).account_id == account
    open_in_team = db.session.scalars(
        select(ReviewRound)
        .join(Procedure)
        .where(Procedure.team_id == team_id, ReviewRound.status == "open")
    ).all()
    assert open_in_team and all(r.closes_at > NOW for r in open_in_team)
    assert stances.may_see_round(contact, open_in_team[0])
    statuses = set(db.session.scalars(select(ReviewRound.status).distinct()))
    assert statuses == {"open", "closed", "adopted", "revised", "withdrawn"}
    assert set(db.session.scalars(select(Procedure.status).distinct())) == {
        "draft",
        "in_review",
        "adopted",
        "withdrawn",
    }
    for round_ in db.session.scalars(select(ReviewRound)).all():
        procedure = round_.procedure
        decided = round_.status in ("adopted", "revised", "withdrawn")
        assert bool(round_.decision_statement) == decided, round_.id
        assert (round_.decided_version_id == round_.version_id) == decided
        assert (round_.decided_at is not None) == decided
        if round_.status == "open":
            assert procedure.status == "in_review" and round_.closed_at is None
        if round_.status == "adopted":
            # Adoption needs every objection answered at its latest revision.
            result = stances.result_of(round_)
            assert all(s.is_answered for s in result.stances if s.kind == "object")
        members = {m.user_id for m in group_membership.group_members(procedure.team)}
        in_round = stances.stances_in(round_)
        assert {s.user_id for s in in_round} <= members
    # Every procedure's versions are 1..n; an adopted one points at one of its own.
    for procedure in db.session.scalars(select(Procedure)).all():
        assert [v.number for v in procedure.versions] == list(range(1, len(procedure.versions) + 1))
        if procedure.adopted_version_id:
            assert procedure.adopted_version.procedure_id == procedure.id
        assert (procedure.status == "draft" and procedure.adopted_version_id is None) or (
            procedure.status != "draft"
        )
        opened = db.session.scalar(
            select(func.count(ReviewRound.id)).where(
                ReviewRound.procedure_id == procedure.id,
                ReviewRound.status.in_(("open", "closed")),
            )
        )
        assert opened <= 1
        assert (procedure.status == "in_review") == (opened == 1)
        if procedure.adopted_from_id:
            assert procedure.adopted_from.team_id != procedure.team_id
            assert procedure.adopted_from.adopted_version_id
    assert db.session.scalar(select(func.count(Procedure.adopted_from_id)))
    # A stance's history ends at its current kind and reason, revisions 1..n.
    for stance in db.session.scalars(select(Stance)).all():
        history = stances.stance_history(stance)
        assert [c.revision for c in history] == list(range(1, stance.revision + 1))
        assert (history[-1].kind, history[-1].reason) == (stance.kind, stance.reason)
        if stance.kind != "support":
            assert stance.reason
        membership = db.session.scalar(
            select(ReferenceMembership).where(
                ReferenceMembership.user_id == stance.user_id,
                ReferenceMembership.account_id == stance.account_id,
            )
        )
        assert membership and membership.account.tier_id == stance.tier_id
    for answer in db.session.scalars(select(StanceAnswer)).all():
        assert answer.stance.kind in ("concern", "object")
        assert 1 <= answer.stance_revision <= answer.stance.revision
    assert db.session.scalar(select(func.count(StanceChange.id))) >= scale.counts["stance"]
    # The library search finds some procedures by a common word.
    assert shared_library.library("return")
    assert db.session.scalar(select(func.count(ProcedureVersion.id))) > scale.counts["procedure"]
    # Insights: surveys answered on every active dimension, goals for every team.
    responses = scale.counts["survey_response"]
    assert responses and scale.counts["survey_score"] == 5 * responses
    assert db.session.scalar(select(func.count(func.distinct(SurveyResponse.team_id)))) == (
        scale.teams
    )
    assert db.session.scalar(select(func.count(Goal.id))) == 4 * scale.teams
    assert db.session.scalar(select(func.min(SurveyScore.perception))) >= 1


def test_first_response_minutes_are_the_clocks(app):
    seed_scale(600, seed=3, now=NOW, log=lambda _: None)
    answered = db.session.scalars(
        select(Request).where(Request.first_response_at.is_not(None)).order_by(Request.id)
    ).all()
    assert answered
    assert (
        db.session.scalar(
            select(func.count(Request.id)).where(
                Request.first_response_at.is_not(None), Request.first_response_minutes.is_(None)
            )
        )
        == 0
    )
    for item in answered:
        assert item.first_response_minutes == clock.business_minutes_since_raised(
            item, item.first_response_at
        ), item.id


def test_orders_carry_credit_then_delivery_chains_as_the_app_makes_them(app):
    """Delivery waits for credit: its clock starts when credit is done, never before."""
    seed_scale(2000, seed=3, now=NOW, log=lambda _: None)
    pieces = db.session.scalars(select(Handoff).order_by(Handoff.id)).all()
    chained = [h for h in pieces if h.waits_for_id]
    assert len(chained) >= 5
    for delivery in chained:
        credit = delivery.waits_for
        assert (credit.request_id, credit.function.name, delivery.function.name) == (
            delivery.request_id,
            "Credit",
            "Delivery",
        )
        assert delivery.is_waiting == (credit.status == "open")
        if credit.status == "done":
            assert delivery.started_at == credit.completed_at
            assert delivery.due_at > delivery.started_at
        else:
            assert (delivery.started_at, delivery.due_at, delivery.status) == (None, None, "open")
    lines = {progress_line(for_request(delivery.request)) for delivery in chained}
    assert {
        "Credit: in progress → Delivery: waiting",
        "Credit: done → Delivery: in progress",
    } <= lines
    # Handoffs that wait for nothing started when they were made.
    assert all(h.started_at == h.created_at for h in pieces if not h.waits_for_id)
