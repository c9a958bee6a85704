"""Rating a resolved request (CSAT), on its page or through a signed link in the mail.

The link only opens a page; the rating is recorded by the confirming post, because mail
scanners follow links. One rating per request, changeable for a week.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from .. import acting, follow_up_opening, notify, webhook_events
from ..domain.follow_ups import LOW_RATING
from ..extensions import db
from ..models import Entry, Rating, Request, User, utcnow
from ..models.request import CLOSED, EVENT, RESOLVED
from .errors import RequestError, ensure_not_merged

CHANGE_WINDOW = timedelta(days=7)
LINK_DAYS = 30


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="onestop-rating")


def link_token(request: Request) -> str:
    return _serializer().dumps({"request": request.id, "contact": request.requester_id})


def request_for_token(token: str) -> Request | None:
    """The request a rating link is for, or None when the link is forged or too old. Whether
    it may still rate it is `link_may_rate`'s to say."""
    try:
        data = _serializer().loads(token, max_age=LINK_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    request = db.session.get(Request, data.get("request"))
    if request is None or request.requester_id != data.get("contact"):
        return None
    return request


def link_may_rate(request: Request) -> bool:
    """A rating link acts for the requester: only while they are active, still see the
    request as its requester (still a contact of its account), and it was not merged into
    another (the rating belongs there)."""
    return request.merged_into_id is None and acting.link_acts_as_requester(
        request.requester, request
    )


def rating_of(request: Request) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.request_id == request.id))


def can_rate(user: User, request: Request) -> bool:
    return (
        acting.can_act_as_requester(user, request)
        and request.status in (RESOLVED, CLOSED)
        and request.merged_into_id is None
    )


def change_deadline(rating: Rating | None):
    return rating.created_at + CHANGE_WINDOW if rating else None


def _webhook_data(request: Request, rating: Rating) -> dict:
    db.session.flush()  # the rating's id
    return {
        "request": webhook_events.request_data(request),
        "rating": {
            "id": rating.id,
            "score": rating.score,
            "comment": rating.comment,
            "contact_id": rating.contact_id,
        },
    }


def rate(user: User, request: Request, score: int, comment: str) -> Rating:
    if not acting.can_act_as_requester(user, request):
        raise RequestError("Only the person who raised the request can rate it.")
    ensure_not_merged(request)
    if request.status not in (RESOLVED, CLOSED):
        raise RequestError("A request can be rated once it is resolved.")
    if score not in range(1, 6):
        raise RequestError("Choose a rating from 1 to 5.")
    now = utcnow()
    rating = rating_of(request)
    if rating is None:
        rating = Rating(request_id=request.id, contact_id=user.id, score=score, comment=comment)
        db.session.add(rating)
        webhook_events.emit(
            request.team_id, "rating.created", lambda: _webhook_data(request, rating)
        )
    elif now > change_deadline(rating):
        raise RequestError("A rating can be changed for 7 days; this one can no longer change.")
    else:
        rating.score, rating.comment, rating.updated_at = score, comment, now
    db.session.add(
        Entry(
            request_id=request.id,
            author_id=user.id,
            kind=EVENT,
            public=False,
            event="rated",
            data={"score": score},
        )
    )
    if score <= LOW_RATING:
        notify.tell_coaches(
            request.team_id,
            "low_rating",
            f"{user.name} rated {request.reference} “{request.subject}” {score} out of 5.",
            request=request,
        )
    # Same transaction: the rating and its follow-up are saved together, or neither.
    follow_up_opening.after_rating(rating, request)
    db.session.flush()
    return rating
