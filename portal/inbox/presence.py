"""Collision detection: who else is looking at or typing on a request, kept fresh by
heartbeats from the open detail pages and read by a cheap, cacheable poll."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Presence, Request, User, utcnow

FRESH = timedelta(seconds=30)
STATES = ("viewing", "typing")


def heartbeat(user: User, request: Request, state: str) -> None:
    state = state if state in STATES else "viewing"
    now = utcnow()
    row = db.session.get(Presence, (request.id, user.id))
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    Presence(request_id=request.id, user_id=user.id, state=state, seen_at=now)
                )
        except IntegrityError:  # a second tab beat us to it: update instead
            row = db.session.get(Presence, (request.id, user.id))
    if row is not None:
        row.state, row.seen_at = state, now
    # Old rows are dead weight: sweep them while we are here.
    db.session.execute(delete(Presence).where(Presence.seen_at < now - FRESH * 10))
    db.session.flush()


def others(user: User, request: Request) -> list[Presence]:
    return list(
        db.session.scalars(
            select(Presence)
            .options(joinedload(Presence.user))
            .where(
                Presence.request_id == request.id,
                Presence.user_id != user.id,
                Presence.seen_at >= utcnow() - FRESH,
            )
            .order_by(Presence.user_id)
        )
    )


def etag(present: list[Presence], version: int, seen_version: int | None) -> str:
    """Changes when someone arrives, leaves, starts or stops typing, or saves."""
    parts = [f"{p.user_id}:{p.state}" for p in present]
    parts.append(f"v{version}/{seen_version}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
