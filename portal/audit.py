"""Recording who did what. Services call `record`; the view's commit keeps it with the change."""

from __future__ import annotations

from .extensions import db
from .models import AuditEvent


def record(actor, action: str, subject, **detail) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        # None: an organisation-wide setting (service levels) rather than one row.
        subject_type=type(subject).__name__.lower() if subject is not None else "settings",
        subject_id=getattr(subject, "id", None),
        detail=detail,
    )
    db.session.add(event)
    return event
