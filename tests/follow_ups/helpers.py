"""Follow-ups opened the way customers open them: by rating a resolved request, or by
answering a survey."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import FollowUp, SurveyInvitation
from tests import factories


def rate(world, score=1, comment="The delivery came a week late.", contact=None, account=None):
    """Contact A (or `contact` of `account`) rates a new resolved request; returns it."""
    from portal.requests import ratings

    contact = contact or world.contact_a
    item = factories.make_request(account or world.account_a, contact, status="resolved")
    db.session.flush()
    ratings.rate(contact, item, score, comment)
    db.session.commit()
    return item


def open_follow_up(world, **options) -> FollowUp:
    item = rate(world, **options)
    return db.session.scalar(select(FollowUp).where(FollowUp.rating.has(request_id=item.id)))


def answer_survey(world, scores, comment="", account=None, contact=None):
    """Send the survey to the account and have its contact answer: `scores` maps a default
    dimension's name ("Reliability", …) to (expectation, perception); the others get 4 and 4."""
    from portal.insights import services

    account = account or world.account_a
    contact = contact or world.contact_a
    services.send_survey(world.coach_x, account.team, account)
    invitation = db.session.scalar(
        select(SurveyInvitation)
        .where(SurveyInvitation.contact_id == contact.id)
        .order_by(SurveyInvitation.id.desc())
    )
    ids = {d.name: d.id for d in services.dimensions()}
    answers = [services.Answer(ids[name], e, p) for name, (e, p) in scores.items()]
    for dimension in services.dimensions():  # every asked dimension must be scored
        if dimension.name not in scores:
            answers.append(services.Answer(dimension.id, 4, 4))
    response = services.answer_survey(invitation, answers, comment)
    db.session.commit()
    return response
