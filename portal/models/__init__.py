"""All models, one module per aggregate."""

from .account import Account, Contact, NamedMember, Tier, TierChange
from .api_token import ApiToken, IdempotentAnswer
from .attachment import Attachment
from .audit import AuditEvent
from .base import UTCDateTime, utcnow
from .canned import CannedReply
from .feedback import FEEDBACK_KINDS, Feedback
from .follow_up import FollowUp
from .function import LEARNING_STATUSES, SKILL_LEVELS, Function, LearningEntry, Skill
from .goal import (
    AT_LEAST,
    AT_MOST,
    DIRECTIONS,
    PERIOD_KINDS,
    CorrectiveAction,
    Goal,
    InternalCheck,
    InternalCheckPoint,
    MemberTarget,
)
from .handoff import HANDOFF_CANCELLED, HANDOFF_DONE, HANDOFF_OPEN, Handoff
from .inbound import InboundMail
from .invitation import Invitation, PasswordReset
from .notification import Notification, NotificationSetting
from .outbox import OutboxMessage
from .presence import Presence
from .procedure import (
    Procedure,
    ProcedureVersion,
    ReferenceMembership,
    ReviewRound,
    Stance,
    StanceAnswer,
    StanceChange,
    StanceLink,
)
from .rating import SCORES, Rating
from .relationship import AccountMeeting, AgreedPlan, KeyPerson
from .request import (
    CUSTOMER_STATUS,
    OPEN_STATUSES,
    STATUSES,
    URGENCIES,
    Entry,
    Request,
    id_from_reference,
    reference_for,
)
from .saved_view import SavedView
from .service import ClockPause, Holiday, ServiceLevel, WorkingHours
from .session import UserSession
from .stamp import SiteVersion
from .survey import (
    DEFAULT_DIMENSIONS,
    ServiceDimension,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveySchedule,
    SurveyScore,
)
from .team import COACH, MEMBER, MEMBERSHIP_ROLES, Membership, Team
from .user import CONTACT, STAFF, User, listed_staff, normalize_email
from .webhook import TEST_EVENT, WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AT_LEAST",
    "AT_MOST",
    "COACH",
    "CONTACT",
    "CUSTOMER_STATUS",
    "DEFAULT_DIMENSIONS",
    "DIRECTIONS",
    "FEEDBACK_KINDS",
    "HANDOFF_CANCELLED",
    "HANDOFF_DONE",
    "HANDOFF_OPEN",
    "LEARNING_STATUSES",
    "MEMBER",
    "MEMBERSHIP_ROLES",
    "OPEN_STATUSES",
    "PERIOD_KINDS",
    "SCORES",
    "SKILL_LEVELS",
    "STAFF",
    "STATUSES",
    "TEST_EVENT",
    "URGENCIES",
    "WEBHOOK_EVENTS",
    "Account",
    "AccountMeeting",
    "AgreedPlan",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "CannedReply",
    "ClockPause",
    "Contact",
    "CorrectiveAction",
    "Entry",
    "Feedback",
    "FollowUp",
    "Function",
    "Goal",
    "Handoff",
    "Holiday",
    "IdempotentAnswer",
    "InboundMail",
    "InternalCheck",
    "InternalCheckPoint",
    "Invitation",
    "KeyPerson",
    "LearningEntry",
    "MemberTarget",
    "Membership",
    "NamedMember",
    "Notification",
    "NotificationSetting",
    "OutboxMessage",
    "PasswordReset",
    "Presence",
    "Procedure",
    "ProcedureVersion",
    "Rating",
    "ReferenceMembership",
    "Request",
    "ReviewRound",
    "SavedView",
    "ServiceDimension",
    "ServiceLevel",
    "SiteVersion",
    "Skill",
    "Stance",
    "StanceAnswer",
    "StanceChange",
    "StanceLink",
    "Survey",
    "SurveyInvitation",
    "SurveyResponse",
    "SurveySchedule",
    "SurveyScore",
    "Team",
    "Tier",
    "TierChange",
    "UTCDateTime",
    "User",
    "UserSession",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkingHours",
    "id_from_reference",
    "listed_staff",
    "normalize_email",
    "reference_for",
    "utcnow",
]
