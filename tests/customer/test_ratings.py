"""Rating a resolved request: on its page or by the mailed link, never by a GET."""

import re
from datetime import timedelta

from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxMessage, Rating, utcnow
from portal.requests import ratings
from tests import factories

HX = {"HX-Request": "true"}


def resolved(world, **fields):
    return factories.make_request(
        world.account_a, world.contact_a, status="resolved", resolved_at=utcnow(), **fields
    )


def ratings_count():
    return db.session.scalar(select(func.count()).select_from(Rating))


def test_the_requester_rates_a_resolved_request_and_may_change_it_for_a_week(
    client, world, login_as, no_csrf
):
    item = resolved(world)
    login_as(world.contact_a)
    url = url_for("customer.rate", request_id=item.id)
    assert client.post(url, data={"score": "4", "comment": "Quick"}).status_code == 303
    assert client.post(url, data={"score": "5", "comment": "Great"}, headers=HX).status_code == 200
    rating = db.session.scalar(select(Rating))
    assert (ratings_count(), rating.score, rating.comment) == (1, 5, "Great")

    rating.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    late = client.post(url, data={"score": "1"})
    assert late.status_code == 422 and "can no longer change" in late.text
    db.session.refresh(rating)
    assert rating.score == 5


def test_open_requests_and_bad_scores_are_refused(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.contact_a)
    url = url_for("customer.rate", request_id=item.id)
    assert client.post(url, data={"score": "5"}).status_code == 422
    done = resolved(world)
    for score in ("0", "6", "five", ""):
        response = client.post(url_for("customer.rate", request_id=done.id), data={"score": score})
        assert response.status_code == 422
    assert ratings_count() == 0


def test_a_colleague_who_can_see_the_request_cannot_rate_it(client, world, login_as, no_csrf):
    world.account_a.shares_visibility = True
    colleague = factories.make_contact(world.account_a, sees_account_requests=True)
    item = resolved(world)
    login_as(colleague)
    response = client.post(url_for("customer.rate", request_id=item.id), data={"score": "1"})
    assert response.status_code == 403  # sees the request, may not act as its requester
    assert ratings_count() == 0


def test_the_resolution_mail_link_opens_a_page_and_only_the_post_records(
    client, world, login_as, no_csrf
):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.member_x)
    client.post(
        url_for("inbox.status", team_id=world.team_x.id, request_id=item.id),
        data={"status": "resolved", "version": item.version},
    )
    mail = db.session.scalars(select(OutboxMessage)).all()[-1]
    base = re.escape(client.application.config["BASE_URL"])
    link = re.search(base + r"(/portal/rate/\S+)", mail.body).group(1)

    visitor = client.application.test_client()
    page = visitor.get(link + "?score=5")  # what a mail scanner does
    assert page.status_code == 200 and item.subject in page.text
    assert ratings_count() == 0
    assert visitor.post(link, data={"score": "2", "comment": "Slow"}).status_code == 200
    assert db.session.scalar(select(Rating.score)) == 2


def test_forged_or_foreign_links_are_refused(client, world):
    item = resolved(world)
    token = ratings.link_token(item)
    forged = url_for("customer.rate_by_link", token=factories.tampered(token))
    assert client.get(forged).status_code == 404
    assert client.get(url_for("customer.rate_by_link", token="nonsense")).status_code == 404
    other = factories.make_request(world.account_b, world.contact_b, status="resolved")
    # A token for one request never rates another (the id is inside the signature).
    assert ratings.request_for_token(ratings.link_token(other)).id == other.id
    assert ratings.request_for_token(token).id == item.id
