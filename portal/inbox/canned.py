"""Canned replies: a team's reusable answers. Placeholders are plain tokens replaced by a
fixed table (never str.format on user text, which could reach attributes)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import CannedReply, Request, Team, User
from ..requests.errors import RequestError

PLACEHOLDERS = {
    "customer": "the customer's first name",
    "reference": "the request's reference (R-1042)",
    "me": "your name",
    "team": "the team's name",
    "account": "the customer's company",
}
_TOKEN = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def fill(body: str, request: Request, author: User) -> str:
    values = {
        "customer": request.requester.name.split(" ")[0],
        "reference": request.reference,
        "me": author.name,
        "team": request.team.name,
        "account": request.account.name,
    }
    return _TOKEN.sub(lambda match: values[match.group(1)], body)


def for_team(team: Team) -> list[CannedReply]:
    return list(
        db.session.scalars(
            select(CannedReply).where(CannedReply.team_id == team.id).order_by(CannedReply.title)
        )
    )


def create(actor: User, team: Team, title: str, body: str) -> CannedReply:
    reply = CannedReply(team_id=team.id, title=title, body=body, created_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(reply)
            db.session.flush()
    except IntegrityError:
        raise RequestError("This team already has a canned reply with that title.") from None
    audit.record(actor, "canned_reply.created", reply, title=title)
    return reply


def delete(actor: User, reply: CannedReply) -> None:
    audit.record(actor, "canned_reply.deleted", reply, title=reply.title)
    db.session.delete(reply)
    db.session.flush()
