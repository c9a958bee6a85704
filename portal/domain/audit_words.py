"""The audit trail in plain words: what an action code means, and what kind of thing each
subject is. Pure: the admins' audit log page reads these; nothing else depends on them."""

from __future__ import annotations

# subject_type (the model's class name, lowercased, as portal/audit.py writes it) -> words.
SUBJECTS = {
    "account": "Account",
    "accountmeeting": "Meeting with a customer",
    "agreedplan": "Plan agreed with a customer",
    "cannedreply": "Canned reply",
    "contact": "Contact",
    "followup": "Follow-up",
    "function": "Function",
    "goal": "Goal",
    "inboundmail": "Mail in",
    "internalcheck": "Internal check",
    "keyperson": "Customer's key person",
    "invitation": "Invitation",
    "learningentry": "Learning entry",
    "membertarget": "Member's target",
    "membership": "Team membership",
    "outboxmessage": "Mail out",
    "procedure": "Procedure",
    "referencemembership": "Reference-group membership",
    "reviewround": "Review round",
    "servicedimension": "Survey dimension",
    "settings": "Service levels",
    "skill": "Skill",
    "stance": "Stance",
    "survey": "Survey",
    "surveyresponse": "Survey answer",
    "team": "Team",
    "tier": "Tier",
    "user": "Person",
}

# action -> what the actor did, as a sentence without its subject ("changed the tier").
ACTIONS = {
    "account.created": "added the account",
    "account.moved": "moved the account to another team",
    "account.named_member": "changed the account's named member",
    "account.updated": "changed the account",
    "canned_reply.created": "added a canned reply",
    "canned_reply.deleted": "deleted a canned reply",
    "check.recorded": "recorded an internal check",
    "contact.visibility": "changed which requests a contact sees",
    "dimension.saved": "saved a survey dimension",
    "follow_up.closed": "closed a follow-up with its outcome",
    "follow_up.opened": "opened a follow-up (a low score)",
    "function.created": "added the function",
    "function.updated": "changed the function",
    "goal.created": "set a goal",
    "goal.deleted": "deleted a goal",
    "invitation.accepted": "accepted an invitation",
    "key_person.added": "added a key person at the customer",
    "key_person.removed": "removed a key person at the customer",
    "meeting.recorded": "recorded a meeting with the customer",
    "plan.agreed": "recorded a plan agreed with the customer",
    "plan.closed": "closed a plan agreed with the customer",
    "invitation.created": "sent an invitation",
    "invitation.resent": "sent an invitation again",
    "invitation.revoked": "revoked an invitation",
    "learning.added": "added a learning entry to the cross-training plan",
    "learning.dropped": "dropped a learning entry",
    "learning.reached": "marked a learning entry reached",
    "mail.attached": "attached a mail to a request",
    "mail.discarded": "discarded a mail",
    "mail.invited": "invited a mail's sender as a contact",
    "mail.retried": "queued a failed mail again",
    "mail.sent_to_team": "sent a mail on to a team",
    "membership.added": "added someone to a team",
    "membership.removed": "removed someone from a team",
    "membership.role_changed": "changed someone's role in a team",
    "password.changed": "changed their password",
    "password.reset": "set a new password from a reset link",
    "password.reset_requested": "asked for a password reset",
    "person.away": "marked themselves away",
    "person.back": "marked themselves back",
    "procedure.copied": "adopted a procedure from the library",
    "procedure.drafted": "drafted a procedure",
    "procedure.edited": "edited a procedure",
    "procedure.withdrawn": "withdrew a procedure",
    "reference.invited": "invited a contact to the reference group",
    "reference.joined": "joined the reference group",
    "reference.left": "left the reference group",
    "round.adopted": "adopted a procedure after its review round",
    "round.closed": "closed a review round",
    "round.opened": "opened a review round",
    "round.revised": "sent a procedure back for revision",
    "round.withdrawn": "withdrew a procedure after its review round",
    "service_levels.updated": "changed the service levels",
    "skill.added": "added a skill",
    "skill.changed": "changed a skill's level",
    "skill.removed": "removed a skill",
    "stance.answered": "answered a stance",
    "stance.changed": "changed their stance",
    "stance.taken": "took a stance",
    "survey.answered": "answered a survey",
    "survey.schedule": "changed a tier's survey schedule",
    "survey.sent": "sent a survey",
    "target.created": "set a member's target",
    "target.deleted": "removed a member's target",
    "team.created": "created the team",
    "team.hours_updated": "changed the team's business hours",
    "team.routing": "changed how the team's requests are routed",
    "team.updated": "changed the team",
    "tier.created": "added the tier",
    "tier.ranks_shifted": "moved tiers down one to make room for",
    "tier.updated": "changed the tier",
    "user.deactivated": "deactivated",
    "user.reactivated": "reactivated",
    "user.updated": "changed the person's details",
}


def subject_words(subject_type: str) -> str:
    return SUBJECTS.get(subject_type, subject_type.replace("_", " ").capitalize())


def action_words(action: str) -> str:
    """An action never given words here still reads as words, not as a code."""
    if action in ACTIONS:
        return ACTIONS[action]
    thing, _, verb = action.partition(".")
    return f"{verb.replace('_', ' ') or 'did'} ({thing.replace('_', ' ')})"


def changes_words(detail: dict, limit: int = 3) -> list[str]:
    """An update's changes ("name: Old → New"), at most `limit` of them."""
    changes = detail.get("changes") if isinstance(detail, dict) else None
    if not isinstance(changes, dict):
        return []
    out = []
    for field, values in list(changes.items())[:limit]:
        if isinstance(values, list | tuple) and len(values) == 2:
            old, new = values
            out.append(f"{field.replace('_', ' ')}: {_shown(old)} → {_shown(new)}")
    return out


def _shown(value) -> str:
    if value is None or value == "":
        return "(none)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"
