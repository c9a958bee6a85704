"""Follow-ups: a low rating or a survey shortfall opens one on the account, in the same
transaction and once per source, owned by the account's named member (told through their
notifications) or unowned; closed only with an outcome, kept on the account; another team's
follow-up is not found and contacts never see one."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from portal.domain import follow_ups as rules
from portal.extensions import db
from portal.follow_ups import services
from portal.models import FollowUp, Membership, Notification, Rating, SurveyResponse
from portal.reader_zone import team_today
from portal.requests import ratings
from tests import factories
from tests.auth.helpers import csrf_token
from tests.follow_ups.helpers import answer_survey, open_follow_up, rate


def _told(person):
    return db.session.execute(
        select(Notification.kind, Notification.text).where(Notification.user_id == person.id)
    ).all()


def _name(world, person, account=None):
    services.set_named_member(world.coach_x, account or world.account_a, person.id)
    db.session.commit()


def _follow_ups():
    return db.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()


# --- opening --------------------------------------------------------------------------------


def test_a_low_rating_opens_one_for_the_named_member_who_is_told(world):
    _name(world, world.member_x)
    item = rate(world, score=1)
    (follow_up,) = _follow_ups()
    rating = db.session.scalar(select(Rating))
    assert (follow_up.account_id, follow_up.team_id) == (world.account_a.id, world.team_x.id)
    assert (follow_up.rating_id, follow_up.owner_id) == (rating.id, world.member_x.id)
    assert follow_up.is_open and follow_up.outcome is None
    opened_day = team_today(world.team_x)
    assert follow_up.due_on == rules.due_on(opened_day)
    ((kind, text),) = _told(world.member_x)
    assert kind == "follow_up" and item.reference in text and "Account A" in text
    assert [k for k, _ in _told(world.coach_x)] == ["low_rating"]  # as before, not twice


def test_without_a_named_member_it_is_unowned_and_the_coaches_are_told(world):
    rate(world, score=2)
    (follow_up,) = _follow_ups()
    assert follow_up.owner_id is None
    kinds = sorted(k for k, _ in _told(world.coach_x))
    assert kinds == ["follow_up", "low_rating"]
    assert _told(world.member_x) == []


def test_the_owner_may_switch_the_kind_off(world):
    from portal import notify

    notify.save_settings(world.member_x, {"follow_up": "off"})
    _name(world, world.member_x)
    rate(world, score=1)
    assert _follow_ups()[0].owner_id == world.member_x.id
    assert _told(world.member_x) == []


def test_a_fair_or_good_rating_opens_nothing(world):
    rate(world, score=3)
    rate(world, score=5)
    assert _follow_ups() == []


def test_a_rating_changed_again_never_opens_a_second(world):
    """One per rating (so per request): changed within its week, lower or higher, the one it
    opened stands, open or closed; a rating first changed down to 2 opens it then."""
    item = rate(world, score=2)
    contact = world.contact_a
    ratings.rate(contact, item, 1, "Worse on reflection.")
    db.session.commit()
    assert len(_follow_ups()) == 1
    services.close(world.member_x, _follow_ups()[0], "Called them; credit note sent.")
    db.session.commit()
    ratings.rate(contact, item, 1, "Still unhappy.")
    ratings.rate(contact, item, 5, "Sorted now.")
    db.session.commit()
    (follow_up,) = _follow_ups()
    assert follow_up.outcome == "Called them; credit note sent."

    later = rate(world, score=4)
    assert len(_follow_ups()) == 1
    ratings.rate(contact, later, 2, "Changed my mind.")
    db.session.commit()
    assert len(_follow_ups()) == 2


def test_the_rating_and_its_follow_up_are_one_transaction(world):
    item = factories.make_request(world.account_a, world.contact_a, status="resolved")
    db.session.commit()
    ratings.rate(world.contact_a, item, 1, "No.")
    assert len(_follow_ups()) == 1  # flushed with the rating
    db.session.rollback()
    assert db.session.scalar(select(Rating)) is None and _follow_ups() == []


def test_a_rating_refused_opens_nothing(world, monkeypatch):
    """A failure while opening the follow-up fails the rating with it: nothing half-saved."""
    from portal import follow_up_opening

    item = factories.make_request(world.account_a, world.contact_a, status="resolved")
    db.session.commit()

    def broken(_day):
        raise RuntimeError("no calendar")

    monkeypatch.setattr(follow_up_opening.rules, "due_on", broken)
    with pytest.raises(RuntimeError):
        ratings.rate(world.contact_a, item, 1, "No.")
    db.session.rollback()
    assert db.session.scalar(select(Rating)) is None and _follow_ups() == []


def test_the_unique_source_holds_in_the_database(world):
    from sqlalchemy.exc import IntegrityError

    follow_up = open_follow_up(world)
    db.session.add(
        FollowUp(
            team_id=world.team_x.id,
            account_id=world.account_a.id,
            rating_id=follow_up.rating_id,
            due_on=follow_up.due_on,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_survey_answer_below_expectations_opens_one_with_its_gaps(world):
    _name(world, world.coach_x)
    answer_survey(world, {"Reliability": (6, 4), "Empathy": (5, 4)}, comment="Late twice.")
    (follow_up,) = _follow_ups()
    response = db.session.scalar(select(SurveyResponse))
    assert (follow_up.survey_response_id, follow_up.owner_id) == (response.id, world.coach_x.id)
    (item,) = services.for_account(world.account_a)
    assert item.gaps == [("Reliability", -2), ("Empathy", -1)]


def test_a_survey_answer_that_meets_expectations_opens_nothing(world):
    answer_survey(world, {"Reliability": (4, 6)})
    assert _follow_ups() == []


# --- the named member -----------------------------------------------------------------------


def _account_url(world, account=None):
    account = account or world.account_a
    return url_for("workspace.account", team_id=account.team_id, account_id=account.id)


def _name_url(world):
    return url_for(
        "follow_ups.named_member", team_id=world.team_x.id, account_id=world.account_a.id
    )


def test_the_coach_names_a_member_on_the_account_page(world, client, login_as):
    login_as(world.coach_x)
    page = client.get(_account_url(world)).text
    assert "Named member:" in page and "Set the named member" in page
    token = csrf_token(client, _account_url(world))
    saved = client.post(_name_url(world), data={"csrf_token": token, "member": world.member_x.id})
    assert saved.status_code == 303
    assert world.account_a.named_member_id == world.member_x.id
    assert "<strong>Member X</strong>" in client.get(_account_url(world)).text
    cleared = client.post(_name_url(world), data={"csrf_token": token, "member": "0"})
    assert cleared.status_code == 303
    db.session.expire_all()
    assert world.account_a.named_member is None


def test_a_member_of_another_team_is_refused_with_a_form_error(world, client, login_as):
    login_as(world.coach_x)
    token = csrf_token(client, _account_url(world))
    refused = client.post(_name_url(world), data={"csrf_token": token, "member": world.member_y.id})
    assert refused.status_code == 422
    assert "Choose a current member of Team X" in refused.text
    assert world.account_a.named_member is None
    with pytest.raises(services.FollowUpError):
        services.set_named_member(world.coach_x, world.account_a, world.contact_a.id)


def test_a_member_may_see_but_not_name(world, client, login_as, no_csrf):
    login_as(world.member_x)
    page = client.get(_account_url(world)).text
    assert "Named member:" in page and "Set the named member" not in page
    refused = client.post(_name_url(world), data={"member": world.member_x.id})
    assert refused.status_code == 403
    assert world.account_a.named_member is None


def test_leaving_the_team_ends_the_naming(world):
    from portal.admin import services as admin

    _name(world, world.member_x)
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.member_x.id)
    )
    admin.remove_member(world.admin, membership)
    db.session.commit()
    db.session.expire_all()
    assert world.account_a.named_member is None
    rate(world, score=1)
    assert _follow_ups()[0].owner_id is None


def test_a_moved_account_takes_its_survey_follow_ups_and_leaves_the_old_team_its_ratings(
    world, client, login_as
):
    """The resolved request stays with Team X, its record; so does the follow-up of its
    rating, which Team Y could not act on (it cannot see the request) and must not read. The
    survey's follow-up is about the relationship: it goes with the account, unowned until
    Team Y names someone."""
    from portal.admin import services as admin

    _name(world, world.member_x)
    rated = open_follow_up(world, comment="SECRET-COMMENT-X")
    surveyed = answer_survey(world, {"Reliability": (6, 3)})
    admin.update_account(
        world.admin,
        world.account_a,
        name="Account A",
        team=world.team_y,
        tier=world.tier,
        shares_visibility=False,
    )
    db.session.commit()
    db.session.expire_all()
    teams = {f.id: (f.team_id, f.owner_id) for f in _follow_ups()}
    assert teams[rated.id] == (world.team_x.id, world.member_x.id)
    survey_follow_up = db.session.scalar(
        select(FollowUp).where(FollowUp.survey_response_id == surveyed.id)
    )
    assert (survey_follow_up.team_id, survey_follow_up.owner_id) == (world.team_y.id, None)
    assert world.account_a.named_member is None

    login_as(world.member_y)
    account_page = url_for(
        "workspace.account", team_id=world.team_y.id, account_id=world.account_a.id
    )
    for page in (
        account_page,
        url_for("follow_ups.team_list", team_id=world.team_y.id, show="open"),
    ):
        assert "SECRET-COMMENT-X" not in client.get(page).text
    login_as(world.member_x)
    mine = client.get(url_for("follow_ups.team_list", team_id=world.team_x.id, show="open")).text
    assert "SECRET-COMMENT-X" in mine


def test_a_rating_of_a_request_the_old_team_kept_is_the_old_team_s_to_follow_up(world):
    """Rated after the move (within its week), a request Team X kept opens its follow-up in
    Team X, for its coaches: the account's new named member is Team Y's."""
    from portal.admin import services as admin

    item = factories.make_request(world.account_a, world.contact_a, status="resolved")
    db.session.commit()
    admin.update_account(
        world.admin,
        world.account_a,
        name="Account A",
        team=world.team_y,
        tier=world.tier,
        shares_visibility=False,
    )
    db.session.commit()
    _name(world, world.member_y)
    ratings.rate(world.contact_a, item, 1, "Late.")
    db.session.commit()
    (follow_up,) = _follow_ups()
    assert (follow_up.team_id, follow_up.owner_id) == (world.team_x.id, None)


def test_two_coaches_naming_at_once_is_a_clear_refusal_not_a_500(world):
    """Both read "no one named"; the other's row lands first: the second is told to look
    again, and the first naming stands."""
    from portal.models import NamedMember

    account = world.account_a
    assert account.named is None  # what this coach's page read
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == world.coach_x.id, Membership.team_id == world.team_x.id
        )
    )
    db.session.execute(
        NamedMember.__table__.insert().values(
            account_id=account.id, membership_id=membership.id, named_by_id=world.coach_x.id
        )
    )
    with pytest.raises(services.FollowUpError, match="meanwhile"):
        services.set_named_member(world.coach_x, account, world.member_x.id)
    db.session.rollback()


def test_the_customer_sees_their_named_member_first(world, client, login_as):
    _name(world, world.member_x)
    login_as(world.contact_a)
    page = client.get(url_for("customer.team")).text
    people = page[page.index("The people who serve you") :]
    assert people.index("Member X") < people.index("Coach X")  # coaches come first otherwise
    assert "Your named contact" in people
    login_as(world.contact_a2)  # another account of the same team: no one named
    assert "Your named contact" not in client.get(url_for("customer.team")).text


# --- closing, and where staff see them ------------------------------------------------------


def _close_url(world, follow_up, team=None):
    return url_for("follow_ups.close", team_id=(team or world.team_x).id, follow_up_id=follow_up.id)


def test_closing_needs_an_outcome_and_keeps_it_on_the_account(world, client, login_as):
    follow_up = open_follow_up(world, comment="Nobody called back.")
    login_as(world.member_x)
    page = client.get(_account_url(world)).text
    assert "Nobody called back." in page and "Close with its outcome" in page
    token = csrf_token(client, _account_url(world))
    refused = client.post(_close_url(world, follow_up), data={"csrf_token": token, "outcome": "  "})
    assert refused.status_code == 422 and "Say what came of it" in refused.text
    db.session.expire_all()
    assert follow_up.is_open
    closed = client.post(
        _close_url(world, follow_up),
        data={"csrf_token": token, "outcome": "Spoke to Ann: redelivery on Friday, fee waived."},
    )
    assert closed.status_code == 303 and closed.location.endswith("#follow-ups")
    db.session.expire_all()
    assert follow_up.closed_by_id == world.member_x.id and follow_up.closed_at is not None
    page = client.get(_account_url(world)).text
    assert "Spoke to Ann: redelivery on Friday, fee waived." in page and "Closed" in page
    again = client.post(_close_url(world, follow_up), data={"csrf_token": token, "outcome": "x"})
    assert again.status_code == 422 and "already closed" in again.text


def test_the_service_refuses_an_empty_outcome(world):
    follow_up = open_follow_up(world)
    for empty in ("", "   ", None):
        with pytest.raises(services.FollowUpError):
            services.close(world.member_x, follow_up, empty)
    assert follow_up.is_open


def test_closing_from_the_list_by_htmx_answers_the_list(world, client, login_as):
    follow_up = open_follow_up(world)
    login_as(world.member_x)
    list_url = url_for("follow_ups.team_list", team_id=world.team_x.id)
    token = csrf_token(client, list_url)
    answer = client.post(
        _close_url(world, follow_up),
        data={"csrf_token": token, "outcome": "Called; fine now.", "back": "list"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and answer.text.lstrip().startswith(
        '<section class="card" id="follow-up-list"'
    )
    assert "HX-Request" in answer.headers["Vary"]
    assert "No open follow-ups" in answer.text


def test_the_list_filters_mine_open_and_closed(world, client, login_as):
    _name(world, world.member_x)
    mine = open_follow_up(world, comment="Mine")
    _name(world, world.coach_x, world.account_a2)
    theirs = open_follow_up(
        world, comment="Theirs", contact=world.contact_a2, account=world.account_a2
    )
    done = open_follow_up(world, comment="Done one")
    services.close(world.member_x, done, "Settled by phone.")
    db.session.commit()
    login_as(world.member_x)

    def listed(show):
        return client.get(url_for("follow_ups.team_list", team_id=world.team_x.id, show=show)).text

    assert "Mine" in listed("mine") and "Theirs" not in listed("mine")
    everything = listed("open")
    assert "Mine" in everything and "Theirs" in everything and "Done one" not in everything
    assert "Settled by phone." in listed("closed") and "Theirs" not in listed("closed")
    assert "Theirs" in listed("nonsense")  # an unknown filter is the open list
    assert mine.id != theirs.id


def test_a_coach_is_asked_to_set_a_named_member(world, client, login_as):
    open_follow_up(world)
    login_as(world.coach_x)
    page = client.get(url_for("follow_ups.team_list", team_id=world.team_x.id)).text
    assert "No named member" in page and "set one" in page


def test_the_weekly_review_lists_open_follow_ups(world, client, login_as):
    _name(world, world.member_x)
    open_follow_up(world)
    login_as(world.member_x)
    page = client.get(url_for("insights.review", team_id=world.team_x.id)).text
    section = page[page.index("Open follow-ups with customers") :]
    assert "Account A" in section[:2000] and "Member X" in section[:2000]


def test_another_teams_follow_up_is_not_found(world, client, login_as, no_csrf):
    follow_up = open_follow_up(world)
    login_as(world.member_y)
    assert client.post(_close_url(world, follow_up), data={"outcome": "x"}).status_code == 404
    across = _close_url(world, follow_up, team=world.team_y)
    assert client.post(across, data={"outcome": "x"}).status_code == 404
    assert client.get(url_for("follow_ups.team_list", team_id=world.team_x.id)).status_code == 404
    assert services.get_in_team(world.team_y, follow_up.id) is None


def test_contacts_may_not_and_never_see_one(world, client, login_as, no_csrf):
    item = rate(world, score=1, comment="Broken on arrival.")
    follow_up = db.session.scalar(select(FollowUp))
    services.close(world.member_x, follow_up, "Internal: offered a 10% credit.")
    open_follow_up(world, comment="Second complaint.")
    login_as(world.contact_a)
    assert client.get(url_for("follow_ups.team_list", team_id=world.team_x.id)).status_code == 403
    assert client.post(_close_url(world, follow_up), data={"outcome": "x"}).status_code == 403
    for url in (
        url_for("customer.home"),
        url_for("customer.home", show="all"),
        url_for("customer.request", request_id=item.id),
        url_for("customer.team"),
    ):
        page = client.get(url).text
        assert "follow-up" not in page.lower(), url
        assert "10% credit" not in page and "Named member" not in page


def test_renaming_moves_the_naming_to_the_new_member(world):
    _name(world, world.member_x)
    assert world.account_a.named_member == world.member_x
    assert services.set_named_member(world.coach_x, world.account_a, world.coach_x.id)
    assert world.account_a.named_member == world.coach_x
    assert not services.set_named_member(world.coach_x, world.account_a, world.coach_x.id)
    db.session.commit()
    db.session.expire_all()
    assert world.account_a.named_member_id == world.coach_x.id


def test_naming_a_member_hands_them_the_open_follow_ups(world):
    waiting = open_follow_up(world)
    done = open_follow_up(world)
    services.close(world.coach_x, done, "Sorted on the phone.")
    _name(world, world.member_x)
    db.session.expire_all()
    assert (waiting.owner_id, done.owner_id) == (world.member_x.id, None)
    assert (
        "follow_up",
        "You are Account A's named member: 1 open follow-up with them is yours now.",
    ) in _told(world.member_x)
    _name(world, world.coach_x)  # the coach names themself: no word to themself
    db.session.expire_all()
    assert waiting.owner_id == world.coach_x.id
