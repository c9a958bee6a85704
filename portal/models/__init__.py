"""All models, one module per aggregate."""

from .account import Account, Contact, Tier
from .audit import AuditEvent
from .base import UTCDateTime, utcnow
from .function import SKILL_LEVELS, Function, Skill
from .invitation import Invitation, PasswordReset
from .outbox import OutboxMessage
from .team import COACH, MEMBER, MEMBERSHIP_ROLES, Membership, Team
from .user import CONTACT, STAFF, User, normalize_email

__all__ = [
    "COACH",
    "CONTACT",
    "MEMBER",
    "MEMBERSHIP_ROLES",
    "SKILL_LEVELS",
    "STAFF",
    "Account",
    "AuditEvent",
    "Contact",
    "Function",
    "Invitation",
    "Membership",
    "OutboxMessage",
    "PasswordReset",
    "Skill",
    "Team",
    "Tier",
    "UTCDateTime",
    "User",
    "normalize_email",
    "utcnow",
]
