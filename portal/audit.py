"""Recording who did what. Services call `record`; the view's commit keeps it with the change."""

from __future__ import annotations

from .extensions import db
from .models import AuditEvent


def record(actor, action: str, subject, **detail) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__name__.lower(),
        subject_id=getattr(subject, "id", None),
        detail=detail,
    )
    db.session.add(event)
    return event
