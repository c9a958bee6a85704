"""Moving an account to another team (security issue #13, item 2): the contacts leave the old
team's reference group and stop counting in its open rounds; the open requests move (or stay,
by the admin's choice) with their clocks, owners and both teams' inboxes put right; all in one
transaction."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal import audit
from portal.admin import services
from portal.domain.business_hours import add_business_time
from portal.extensions import db
from portal.models import (
    MEMBER,
    Account,
    AuditEvent,
    Entry,
    Membership,
    ReferenceMembership,
    Request,
    ServiceLevel,
    Stance,
    StanceChange,
    Team,
)
from portal.procedures import decisions, group_membership, review_rounds, stances
from portal.requests import clock
from portal.requests import services as requests
from tests import factories

HX = {"HX-Request": "true"}
FRIDAY_AFTERNOON = datetime(2026, 11, 13, 16, 30, tzinfo=UTC)  # 16:30 London, 11:30 New York


def move(world, account=None, team=None, **options):
    account = account or world.account_a
    return services.update_account(
        world.admin,
        account,
        name=account.name,
        team=team or world.team_y,
        tier=account.tier,
        shares_visibility=account.shares_visibility,
        **options,
    )


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def timeline(item, event):
    return db.session.scalars(
        select(Entry).where(Entry.request_id == item.id, Entry.event == event)
    ).all()


def _level(world, first=60, resolve=480):
    db.session.add(
        ServiceLevel(
            tier_id=world.tier.id,
            urgency="normal",
            first_response_minutes=first,
            resolution_minutes=resolve,
        )
    )
    db.session.flush()


# --- the reference group --------------------------------------------------------------------


def test_the_contacts_leave_the_old_teams_group_and_the_rows_stay_as_history(world):
    mine = factories.join_reference_group(world.contact_a, world.account_a)
    other = factories.join_reference_group(world.contact_a2, world.account_a2)
    db.session.commit()

    move(world)

    assert mine.left_at is not None  # ended, not deleted
    assert db.session.scalar(select(func.count(ReferenceMembership.id))) == 2
    assert other.left_at is None  # another account of the old team: untouched
    assert group_membership.current_membership(world.contact_a, world.team_x.id) is None
    # Joining the new team's group is the contact's own choice: nobody joins for them.
    assert group_membership.current_membership(world.contact_a, world.team_y.id) is None
    [left] = events("reference.left")
    assert left.actor_id == world.admin.id and left.detail["reason"] == "account moved"
    assert events("account.moved")[0].detail["reference_memberships_ended"] == 1


# --- stances ---------------------------------------------------------------------------------


@pytest.fixture
def rounds(world):
    """Team X's group (Contact A for Account A, Contact A2 for A2) with a closed round and an
    open one, each with both contacts' stances; Contact A objects in the open one."""
    factories.join_reference_group(world.contact_a, world.account_a)
    factories.join_reference_group(world.contact_a2, world.account_a2)
    closed = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x, title="Closed one"), world.coach_x
    )
    stances.take_stance(world.contact_a, closed, "support", "")
    stances.take_stance(world.contact_a2, closed, "support", "")
    review_rounds.close_round(world.coach_x, closed, early=True)
    open_ = factories.open_review_round(
        factories.make_procedure(world.team_x, world.member_x, title="Open one"),
        world.coach_x,
        quorum_min=2,
    )
    stances.take_stance(world.contact_a, open_, "object", "Too slow for us")
    stances.take_stance(world.contact_a2, open_, "support", "")
    db.session.commit()
    return closed, open_


def test_stances_stop_counting_in_open_rounds_and_closed_rounds_keep_them(world, rounds):
    closed, open_ = rounds
    before = stances.result_of(open_)
    assert (before.tally.overall.total, before.quorum.met, before.members) == (2, True, 2)

    move(world)

    after = stances.result_of(open_)
    assert [s.user_id for s in after.stances] == [world.contact_a2.id]
    assert (after.tally.overall.total, after.tally.overall.object) == (1, 0)
    assert (after.quorum.met, after.quorum.stances, after.members) == (False, 1, 1)
    assert after.unanswered == 0 and after.comments == []
    assert stances.unanswered_comments(world.team_x) == []
    # History: the closed round's result is as it was; no stance or change row is lost.
    assert stances.result_of(closed).tally.overall.total == 2
    assert db.session.scalar(select(func.count(Stance.id))) == 4
    assert db.session.scalar(select(func.count(StanceChange.id))) == 4


def test_the_close_and_the_decision_count_by_the_same_rule(world, rounds):
    _, open_ = rounds
    move(world)
    review_rounds.close_round(world.coach_x, open_, early=True)
    result = stances.result_of(open_)
    assert result.tally.overall.total == 1
    assert result.blockers == []  # the unanswered objection no longer counts
    decisions.decide(world.coach_x, open_, "adopted", "Adopted; thank you.")
    assert open_.status == "adopted"


def test_a_moved_contact_sees_the_rounds_they_were_counted_in_only(world, rounds):
    closed, open_ = rounds
    move(world)
    assert stances.may_see_round(world.contact_a, closed)
    assert not stances.may_see_round(world.contact_a, open_)
    listed = [r.id for r, _ in review_rounds.open_rounds_for(world.contact_a)]
    assert listed == [closed.id]


# --- open requests ----------------------------------------------------------------------------


def test_open_requests_move_and_their_clocks_follow_the_new_teams_hours(world):
    _level(world)
    world.team_y.timezone = "America/New_York"
    item = factories.make_request(world.account_a, world.contact_a, created_at=FRIDAY_AFTERNOON)
    clock.recompute(item)
    assert item.first_response_due_at == datetime(2026, 11, 16, 9, 30, tzinfo=UTC)  # London
    done = factories.make_request(
        world.account_a, world.contact_a, status="closed", resolved_at=FRIDAY_AFTERNOON
    )
    resolved = factories.make_request(
        world.account_a, world.contact_a, status="resolved", resolved_at=FRIDAY_AFTERNOON
    )
    db.session.commit()

    move(world)

    assert item.team_id == world.team_y.id
    # An hour of New York business time from 11:30 there: 12:30, 17:30 UTC the same Friday.
    assert item.first_response_due_at == datetime(2026, 11, 13, 17, 30, tzinfo=UTC)
    assert item.next_due_at == item.first_response_due_at
    calendar = clock.team_calendar(world.team_y)
    assert item.resolution_due_at == add_business_time(
        calendar, item.created_at, timedelta(minutes=480), []
    )
    # Resolved and closed requests stay with the team that handled them.
    assert (done.team_id, resolved.team_id) == (world.team_x.id, world.team_x.id)
    assert events("account.moved")[0].detail["requests_moved"] == [item.id]


def test_a_request_waiting_on_the_customer_moves_with_its_clock_still_paused(world):
    _level(world)
    item = factories.raise_request(world.contact_a, world.account_a)
    requests.reply_as_staff(world.member_x, item, "Which invoice?", wait_for_customer=True)
    db.session.commit()
    move(world)
    assert item.team_id == world.team_y.id and item.status == "waiting_on_customer"
    assert item.next_due_at is None and clock.is_paused(item)


def test_owners_outside_the_new_team_give_way_to_routing_or_to_nobody(world):
    factories.make_skill(world.member_y, world.function)  # Team Y routes automatically
    both = factories.make_member(world.team_x, name="In both teams")
    db.session.add(Membership(team_id=world.team_y.id, user_id=both.id, role=MEMBER))
    routed = factories.make_request(
        world.account_a,
        world.contact_a,
        assignee_id=world.member_x.id,
        function_id=world.function.id,
    )
    nobody = factories.make_request(world.account_a, world.contact_a, assignee_id=world.coach_x.id)
    kept = factories.make_request(world.account_a, world.contact_a, assignee_id=both.id)
    handoff = factories.make_handoff(routed, world.function, world.member_x, world.member_x)
    db.session.commit()

    move(world)

    assert routed.assignee_id == world.member_y.id  # Billing skill, lightest load
    [assigned] = timeline(routed, "assigned")
    assert assigned.public and assigned.data["assignee_id"] == world.member_y.id
    assert nobody.assignee_id is None and nobody.routing_reason == ""  # no function: no routing
    [released] = timeline(nobody, "unassigned")
    assert not released.public and released.author_id == world.admin.id
    assert kept.assignee_id == both.id and timeline(kept, "assigned") == []
    # The handoff stays with its owner (handoffs can involve other teams).
    assert handoff.owner_id == world.member_x.id and handoff.status == "open"


def test_moved_requests_get_an_internal_event_and_the_move_an_audit_event(world):
    item = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    version = item.version
    move(world)
    [moved] = timeline(item, "moved")
    assert not moved.public and moved.author_id == world.admin.id
    assert moved.body == "Moved from Team X to Team Y with its account."
    assert moved.data == {"from_team_id": world.team_x.id, "to_team_id": world.team_y.id}
    assert item.version > version  # an open page of it is stale now, not silently overwritten
    [event] = events("account.moved")
    assert event.detail["open_requests"] == "move" and event.detail["requests_moved"] == [item.id]


def test_keep_leaves_open_requests_and_owners_with_the_old_team(world):
    factories.join_reference_group(world.contact_a, world.account_a)
    item = factories.make_request(world.account_a, world.contact_a, assignee_id=world.member_x.id)
    db.session.commit()
    move(world, open_requests=services.KEEP_REQUESTS)
    assert (item.team_id, item.assignee_id) == (world.team_x.id, world.member_x.id)
    assert timeline(item, "moved") == []
    # The reference group follows the account whatever happens to its requests.
    assert group_membership.current_membership(world.contact_a, world.team_x.id) is None
    assert events("account.moved")[0].detail["requests_moved"] == []


def test_an_unknown_choice_for_open_requests_is_refused(world):
    with pytest.raises(services.AdminError) as error:
        move(world, open_requests="sideways")
    assert error.value.field == "open_requests"


def test_a_new_tier_recomputes_the_clocks_of_the_accounts_open_requests(world):
    _level(world, first=60)
    faster = factories.make_tier("Faster", 2)
    db.session.add(
        ServiceLevel(
            tier_id=faster.id, urgency="normal", first_response_minutes=30, resolution_minutes=240
        )
    )
    item = factories.make_request(world.account_a, world.contact_a, created_at=FRIDAY_AFTERNOON)
    clock.recompute(item)
    db.session.commit()
    account = world.account_a
    services.update_account(
        world.admin,
        account,
        name=account.name,
        team=world.team_x,
        tier=faster,
        shares_visibility=False,
    )
    assert item.first_response_due_at == datetime(2026, 11, 13, 17, 0, tzinfo=UTC)


def test_moving_to_the_same_team_changes_nothing(world):
    factories.join_reference_group(world.contact_a, world.account_a)
    item = factories.make_request(world.account_a, world.contact_a, assignee_id=world.member_x.id)
    db.session.commit()
    assert move(world, team=world.team_x) == {}
    assert item.assignee_id == world.member_x.id and timeline(item, "moved") == []
    assert group_membership.current_membership(world.contact_a, world.team_x.id) is not None
    assert events("account.moved") == []


# --- through the page ---------------------------------------------------------------------------


@pytest.fixture
def admin(client, world, login_as, no_csrf):
    login_as(world.admin)
    return client


def post_move(client, world, team_id=None, **data):
    return client.post(
        url_for("admin.update_account", account_id=world.account_a.id),
        data={
            "name": "Account A",
            "team": world.team_y.id if team_id is None else team_id,
            "tier": world.tier.id,
            **data,
        },
        headers=HX,
    )


def test_after_the_move_team_x_no_longer_sees_the_requests_and_team_y_does(
    app, world, login_as, no_csrf
):
    item = factories.raise_request(world.contact_a, world.account_a, subject="Pallet refund")
    db.session.commit()
    member_x, member_y, admin = (app.test_client() for _ in range(3))
    login_as(world.member_x, on=member_x)
    login_as(world.member_y, on=member_y)
    login_as(world.admin, on=admin)
    x_inbox = url_for("inbox.index", team_id=world.team_x.id)
    y_inbox = url_for("inbox.index", team_id=world.team_y.id)
    x_detail = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
    y_detail = url_for("inbox.detail", team_id=world.team_y.id, request_id=item.id)
    # Both inboxes rendered (and cached) before the move.
    assert "Pallet refund" in member_x.get(x_inbox).text
    assert "Pallet refund" not in member_y.get(y_inbox).text
    assert member_x.get(x_detail).status_code == 200

    assert post_move(admin, world).status_code == 200

    assert "Pallet refund" not in member_x.get(x_inbox).text
    assert member_x.get(x_detail).status_code == 404
    assert member_x.get(y_detail).status_code == 404
    assert (
        member_x.get(url_for("inbox.index", team_id=world.team_x.id, q="Pallet")).text.count(
            "Pallet refund"
        )
        == 0
    )
    assert "Pallet refund" in member_y.get(y_inbox).text
    assert member_y.get(y_detail).status_code == 200
    account_y = url_for("workspace.account", team_id=world.team_y.id, account_id=world.account_a.id)
    account_x = url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)
    assert member_y.get(account_y).status_code == 200
    assert member_x.get(account_x).status_code == 404
    # The customer still follows their request.
    contact = app.test_client()
    login_as(world.contact_a, on=contact)
    assert contact.get(url_for("customer.request", request_id=item.id)).status_code == 200


@pytest.mark.parametrize("choice", ["move", "keep"])
def test_both_teams_activity_moves_in_the_same_commit(admin, world, choice):
    factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    before = {t.id: t.activity for t in (world.team_x, world.team_y)}
    assert post_move(admin, world, open_requests=choice).status_code == 200
    db.session.expire_all()
    after = {t.id: db.session.get(Team, t.id).activity for t in (world.team_x, world.team_y)}
    assert all(after[team_id] > before[team_id] for team_id in before)


def test_the_message_says_where_the_open_requests_went(admin, world):
    assert "its open requests moved with it" in post_move(admin, world).text
    back = post_move(admin, world, team_id=world.team_x.id, open_requests="keep")
    assert "its open requests stay where they were" in back.text


def test_moving_to_the_same_team_is_a_plain_save(admin, world):
    item = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    response = post_move(admin, world, team_id=world.team_x.id)
    assert response.status_code == 200 and "It now belongs" not in response.text
    assert db.session.get(Request, item.id).team_id == world.team_x.id
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.event == "moved")) == 0


@pytest.mark.parametrize(
    "data",
    [{"team_id": 999}, {"team_id": "abc"}, {"team_id": ""}, {"open_requests": "sideways"}],
)
def test_bad_moves_are_form_errors_and_change_nothing(admin, world, data):
    item = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    response = post_move(admin, world, **data)
    assert response.status_code == 422 and 'class="error"' in response.text
    assert db.session.get(Account, world.account_a.id).team_id == world.team_x.id
    assert db.session.get(Request, item.id).team_id == world.team_x.id


def test_a_failure_part_way_leaves_nothing_half_moved(app, admin, world, monkeypatch):
    """The last write of the move fails: the account, its requests, their timelines and the
    reference group are all as they were (one transaction, committed once by the view)."""
    membership = factories.join_reference_group(world.contact_a, world.account_a)
    item = factories.make_request(world.account_a, world.contact_a, assignee_id=world.member_x.id)
    db.session.commit()
    record = audit.record

    def failing(actor, action, subject, **detail):
        if action == "account.moved":
            raise RuntimeError("the database went away")
        return record(actor, action, subject, **detail)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        post_move(admin, world)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Account, world.account_a.id).team_id == world.team_x.id
    moved = db.session.get(Request, item.id)
    assert (moved.team_id, moved.assignee_id) == (world.team_x.id, world.member_x.id)
    assert db.session.get(ReferenceMembership, membership.id).left_at is None
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.request_id == item.id)) == 0
    assert db.session.scalars(select(AuditEvent.action)).all() == ["reference.joined"]


def test_a_request_changed_meanwhile_is_a_form_error_and_nothing_moves(admin, world, monkeypatch):
    """A member's write commits between the move loading a request and writing it: the
    version check refuses the move's write; the admin is told, and nothing is saved."""
    from sqlalchemy.orm.exc import StaleDataError

    item = factories.make_request(world.account_a, world.contact_a, assignee_id=world.member_x.id)
    db.session.commit()

    def stale(*args):
        raise StaleDataError("UPDATE statement on table 'request' expected to update 1 row")

    monkeypatch.setattr(services, "routing_choice", stale)
    response = post_move(admin, world)
    assert response.status_code == 422 and "changed while you saved" in response.text
    assert db.session.get(Account, world.account_a.id).team_id == world.team_x.id
    assert db.session.get(Request, item.id).team_id == world.team_x.id


def test_the_edit_form_offers_the_choice_and_the_new_account_form_does_not(admin, world):
    factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    page = admin.get(url_for("admin.account", account_id=world.account_a.id)).text
    assert "Open requests, if the team changes (1 now)" in page
    assert '<input checked id="account-open_requests-0" name="open_requests"' in page
    assert "Resolved and closed requests stay with the team that handled them" in page
    assert "open_requests" not in admin.get(url_for("admin.accounts")).text
