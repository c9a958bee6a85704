"""Mailed links act for a person: a rating, a stance, a survey answer (issue #13, item 3).

Each link works only while its person still may act themselves: active, still a contact of
the account (the Contact row neither gone nor moved), still in the reference group, and the
request still theirs to see (not moved to another account, not merged). Otherwise the link
answers with the same clear page an expired link gets, and neither its GET nor its POST
writes anything.
"""

import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.insights import services as insights
from portal.models import Contact, Rating, Stance, SurveyInvitation, SurveyResponse, utcnow
from portal.procedures import group_membership
from portal.requests import ratings
from tests import factories
from tests.conftest import outbox


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _contact_row(world) -> Contact:
    return db.session.scalar(
        select(Contact).where(
            Contact.user_id == world.contact_a.id, Contact.account_id == world.account_a.id
        )
    )


def deactivated(world, _thing):
    world.contact_a.active = False


def left_the_account(world, _thing):
    db.session.delete(_contact_row(world))


def moved_to_another_account(world, _thing):
    _contact_row(world).account_id = world.account_a2.id


PERSON_CHANGES = [deactivated, left_the_account, moved_to_another_account]


# --- rating a resolved request ---------------------------------------------------------------


def request_moved_to_another_account(world, item):
    item.account_id = world.account_a2.id


def request_merged(world, item):
    survivor = factories.make_request(world.account_a, world.contact_a, status="open")
    item.merged_into_id = survivor.id  # the rating belongs to the request it continues as


@pytest.fixture
def rating_link(world):
    item = factories.make_request(
        world.account_a, world.contact_a, status="resolved", resolved_at=utcnow()
    )
    db.session.commit()
    return item, url_for("customer.rate_by_link", token=ratings.link_token(item))


def test_a_rating_link_works_for_its_requester(app, rating_link, no_csrf):
    _, link = rating_link
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    assert visitor.post(link, data={"score": "4"}).status_code == 200
    assert _count(Rating) == 1


@pytest.mark.parametrize(
    "change", [*PERSON_CHANGES, request_moved_to_another_account, request_merged]
)
def test_a_rating_link_refuses_when_its_person_may_no_longer_rate(
    app, world, rating_link, no_csrf, change
):
    item, link = rating_link
    change(world, item)
    db.session.commit()
    visitor = app.test_client()
    for response in (visitor.get(link + "?score=5"), visitor.post(link, data={"score": "1"})):
        assert response.status_code == 404
        assert "This rating link no longer works" in response.text
        assert "your access to it has ended" in response.text
        assert item.subject not in response.text
    assert _count(Rating) == 0


def test_a_requester_who_left_the_account_no_longer_sees_or_rates_it_in_the_app(
    client, world, rating_link, login_as, no_csrf
):
    item, _ = rating_link
    login_as(world.contact_a)
    listed = client.get(url_for("customer.home", show="closed")).text
    assert item.subject in listed
    moved_to_another_account(world, item)
    listed = client.get(url_for("customer.home", show="closed")).text
    assert item.subject not in listed
    assert client.get(url_for("customer.request", request_id=item.id)).status_code == 404
    response = client.post(url_for("customer.rate", request_id=item.id), data={"score": "1"})
    assert response.status_code == 404
    assert _count(Rating) == 0


# --- a stance on a review round --------------------------------------------------------------


def left_the_group(world, _round):
    group_membership.leave(world.contact_a, world.team_x.id)


@pytest.fixture
def vote_link(world):
    factories.join_reference_group(world.contact_a, world.account_a)
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    db.session.commit()
    message = [m for m in outbox(None) if m.recipient == world.contact_a.email][-1]
    link = re.search(r"https?://[^/\s]+(/portal/reference-group/vote/\S+)", message.body).group(1)
    return round_, link


def test_a_vote_link_works_for_a_member(app, vote_link, no_csrf):
    _, link = vote_link
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    response = visitor.post(link, data={"kind": "support", "reason": ""})
    assert response.status_code == 200 and "your stance is saved" in response.text
    assert _count(Stance) == 1


@pytest.mark.parametrize("change", [*PERSON_CHANGES, left_the_group])
def test_a_vote_link_refuses_when_its_person_may_no_longer_take_a_stance(
    app, world, vote_link, no_csrf, change
):
    round_, link = vote_link
    change(world, round_)
    db.session.commit()
    visitor = app.test_client()
    title = round_.version.title
    for response in (visitor.get(link), visitor.post(link, data={"kind": "object", "reason": "x"})):
        assert response.status_code == 410
        assert "This link no longer works for you" in response.text
        assert title not in response.text
    assert _count(Stance) == 0


def test_in_the_app_a_member_who_left_the_account_takes_no_stance(
    client, world, vote_link, login_as, no_csrf
):
    round_, _ = vote_link
    login_as(world.contact_a)
    moved_to_another_account(world, round_)
    response = client.post(
        url_for("reference.stance", round_id=round_.id), data={"kind": "support", "reason": ""}
    )
    assert response.status_code == 422
    assert "Only members of the reference group take stances." in response.text
    assert _count(Stance) == 0


# --- answering a relationship survey ---------------------------------------------------------


@pytest.fixture
def survey_link(world):
    insights.send_survey(world.coach_x, world.team_x, world.account_a)
    db.session.commit()
    message = [m for m in outbox(None) if m.recipient == world.contact_a.email][-1]
    token = re.search(r"/surveys/(\S+)", message.body).group(1)
    return url_for("insights.survey", token=token)


def _answers():
    dims = insights.dimensions()
    return {f"expect-{d.id}": "6" for d in dims} | {f"experience-{d.id}": "4" for d in dims}


def test_a_survey_link_works_for_a_contact_of_the_account(app, survey_link, no_csrf):
    visitor = app.test_client()
    assert visitor.get(survey_link).status_code == 200
    assert visitor.post(survey_link, data=_answers()).status_code == 200
    assert _count(SurveyResponse) == 1


@pytest.mark.parametrize("change", PERSON_CHANGES)
def test_a_survey_link_refuses_when_its_person_no_longer_speaks_for_the_account(
    app, client, world, survey_link, login_as, no_csrf, change
):
    change(world, None)
    db.session.commit()
    visitor = app.test_client()
    for response in (visitor.get(survey_link), visitor.post(survey_link, data=_answers())):
        assert response.status_code == 410
        assert "This link no longer answers for Account A" in response.text
        assert "What you expect" not in response.text  # no questions to answer
    if change is not deactivated:  # the same survey from the home page, signed in
        invitation_id = db.session.scalar(
            select(SurveyInvitation.id).where(SurveyInvitation.contact_id == world.contact_a.id)
        )
        invitation_url = url_for("insights.my_survey", invitation_id=invitation_id)
        login_as(world.contact_a)
        assert client.post(invitation_url, data=_answers()).status_code == 410
    assert _count(SurveyResponse) == 0
