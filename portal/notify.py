"""Telling staff what needs them. The services call `tell` where the thing happens (an
assignment, a customer's answer, a handoff, a breach, a low rating); each person's settings
decide whether it is mailed at once, gathered into a daily digest, or not kept at all.

Telling is one INSERT … SELECT on the write's own transaction (the person's settings and
whether they are active staff are read by the same statement), so a customer's post pays
one statement for it. The mail goes out from `tick` (`mail_notifications`), within a minute:
rendering and queueing it is not the customer's wait. Nobody is told of their own action.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app, render_template, url_for
from sqlalchemy import Integer, String, and_, bindparam, func, insert, or_, select

from .extensions import db
from .mail import queue_mail
from .models import (
    COACH,
    Membership,
    Notification,
    NotificationSetting,
    Request,
    User,
    UTCDateTime,
    listed_staff,
    utcnow,
)
from .models.notification import DIGEST, NOTIFICATION_KINDS, NOW, OFF

DIGEST_EVERY = timedelta(hours=24)
MAIL_BATCH = 500

_COLUMNS = ["user_id", "kind", "request_id", "text", "dedup", "created_at"]


def tell(
    user_id: int | None,
    kind: str,
    text: str,
    *,
    request: Request | None = None,
    actor: User | None = None,
    dedup: str | None = None,
) -> bool:
    """Tell one member of staff; False when they are not told (nobody, their own act,
    inactive, not staff, this kind switched off, or already told of `dedup`)."""
    if user_id is None or (actor is not None and actor.id == user_id):
        return False
    statement = _telling_one(deduped=dedup is not None)
    params = {"person": user_id, **_values(kind, text, request, dedup)}
    return len(_run(statement, params)) > 0


def tell_coaches(
    team_id: int, kind: str, text: str, *, request: Request | None = None, actor=None
) -> int:
    """Tell the team's coaches (but the one who acted); returns how many were told."""
    coaches = select(Membership.user_id).where(
        Membership.team_id == team_id, Membership.role == COACH
    )
    if actor is not None:
        coaches = coaches.where(Membership.user_id != actor.id)
    statement = _telling(User.id.in_(coaches), deduped=False)
    return len(_run(statement, _values(kind, text, request, None)))


def _values(kind: str, text: str, request: Request | None, dedup: str | None) -> dict:
    assert kind in NOTIFICATION_KINDS, kind
    return {
        "kind": kind,
        "request_id": request.id if request is not None else None,
        "text": text[:300],
        "dedup": dedup,
        "created_at": utcnow(),
    }


def _run(statement, params: dict) -> list:
    # On the session's connection, as Core: given parameters, the ORM would take the INSERT
    # for a bulk insert of rows.
    return db.session.connection().execute(statement, params).all()


@lru_cache(maxsize=2)
def _telling_one(deduped: bool):
    """`_telling` for one person, built once: every customer's post tells its owner, and
    building the statement cost more than running it."""
    return _telling(User.id == bindparam("person"), deduped)


def _telling(people, deduped: bool):
    """INSERT … SELECT of a notification for each of `people` who wants this kind; the
    values are bind parameters (`_values`). RETURNING counts the rows: psycopg reports no
    row count for an INSERT … SELECT here."""
    chosen = NotificationSetting
    kind = bindparam("kind", type_=String)
    dedup = bindparam("dedup", type_=String)
    rows = (
        select(
            User.id,
            kind,
            bindparam("request_id", type_=Integer),
            bindparam("text", type_=String),
            dedup,
            bindparam("created_at", type_=UTCDateTime),
        )
        .outerjoin(chosen, and_(chosen.user_id == User.id, chosen.kind == kind))
        .where(
            people,
            User.active.is_(True),
            listed_staff(),
            or_(chosen.mode.is_(None), chosen.mode != OFF),
        )
    )
    if deduped:  # told of it already: once is enough (the same statement checks)
        told = select(Notification.id).where(
            Notification.user_id == User.id, Notification.dedup == dedup
        )
        rows = rows.where(~told.exists())
    return insert(Notification).from_select(_COLUMNS, rows).returning(Notification.id)


def mail_notifications(now: datetime | None = None) -> int:
    """Mail what waits: each notification of a kind its person wants at once, in a mail of
    its own; those gathered into a digest, in one mail once the oldest is a day old. Run by
    `tick`; rows are locked (SKIP LOCKED), so ticks on several servers never mail one twice.
    Returns how many mails were queued."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            Notification,
            User.email,
            User.name,
            User.active,
            NotificationSetting.mode,
            Request.team_id,
        )
        .join(User, User.id == Notification.user_id)
        .outerjoin(Request, Request.id == Notification.request_id)
        .outerjoin(
            NotificationSetting,
            and_(
                NotificationSetting.user_id == Notification.user_id,
                NotificationSetting.kind == Notification.kind,
            ),
        )
        .where(Notification.mailed_at.is_(None))
        .order_by(Notification.user_id, Notification.id)
        .limit(MAIL_BATCH)
        .with_for_update(skip_locked=True, of=Notification)
    ).all()
    digests: dict[int, list] = {}
    queued = 0
    for notification, email, name, active, mode, team_id in rows:
        if not active or mode == OFF:
            notification.mailed_at = now  # nobody to mail: not waiting any more
        elif (mode or NOW) == NOW:
            queue_mail(
                email,
                notification.text,
                render_template(
                    "mail/notification.txt",
                    text=notification.text,
                    link=_link(notification.request_id, team_id),
                    settings=_settings_link(),
                ),
            )
            notification.mailed_at = now
            queued += 1
        elif mode == DIGEST:
            digests.setdefault(notification.user_id, []).append(
                (notification, email, name, team_id)
            )
    for items in digests.values():
        # A day after the first thing in it: at most one digest a day, never an empty one.
        if now - items[0][0].created_at < DIGEST_EVERY:
            continue
        _, email, name, _ = items[0]
        count = len(items)
        queue_mail(
            email,
            f"Onestop: {count} thing{'s' * (count > 1)} that needed you",
            render_template(
                "mail/notification_digest.txt",
                name=name,
                items=[(n.text, _link(n.request_id, team)) for n, _, _, team in items],
                settings=_settings_link(),
            ),
        )
        for notification, *_ in items:
            notification.mailed_at = now
        queued += 1
    db.session.flush()
    return queued


def settings_of(user: User) -> dict[str, str]:
    chosen = dict(
        db.session.execute(
            select(NotificationSetting.kind, NotificationSetting.mode).where(
                NotificationSetting.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, NOW) for kind in NOTIFICATION_KINDS}


def save_settings(user: User, modes: dict[str, str]) -> None:
    for kind, mode in modes.items():
        setting = db.session.get(NotificationSetting, (user.id, kind))
        if mode == NOW:
            if setting is not None:
                db.session.delete(setting)
        elif setting is None:
            db.session.add(NotificationSetting(user_id=user.id, kind=kind, mode=mode))
        else:
            setting.mode = mode
    db.session.flush()


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def recent(user: User, limit: int = 50) -> list:
    """(notification, request or None), newest first."""
    return db.session.execute(
        select(Notification, Request)
        .outerjoin(Request, Request.id == Notification.request_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()


def mark_read(user: User, notification_id: int | None = None) -> int:
    """One of the person's own notifications, or all of them; returns how many changed."""
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    changed = db.session.scalars(query).all()
    now = utcnow()
    for notification in changed:
        notification.read_at = now
    db.session.flush()
    return len(changed)


def _settings_link() -> str:
    return current_app.config["BASE_URL"] + url_for("notifications.settings")


def _link(request_id: int | None, team_id: int | None) -> str:
    base = current_app.config["BASE_URL"]
    if request_id is None:
        return base + url_for("notifications.index")
    return base + url_for("inbox.detail", team_id=team_id, request_id=request_id)
