"""The admin routes' rows for the role × route matrix in tests/test_access.py.

Every admin route is for admins only: a visitor is sent to sign in, everyone else gets 403.
POST rows send an empty form without CSRF: the admin gets 422 where a field is required and
303 where an empty form is a complete action (remove, deactivate, switch off).
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, OutboxMessage, Skill, utcnow
from tests import factories


def admin_only(answer):
    return {
        "visitor": "login",
        "contact_a": 403,
        "contact_a2": 403,
        "contact_b": 403,
        "member_x": 403,
        "member_y": 403,
        "coach_x": 403,
        "admin": answer,
    }


def _skill_url(endpoint):
    def build(w):
        skill = db.session.scalar(
            select(Skill).where(Skill.user_id == w.member_x.id, Skill.function_id == w.function.id)
        ) or factories.make_skill(w.member_x, w.function)
        db.session.commit()
        return url_for(endpoint, user_id=w.member_x.id, skill_id=skill.id)

    return build


def _contact_url(endpoint):
    def build(w):
        contact = db.session.scalar(select(Contact).where(Contact.user_id == w.contact_a.id))
        return url_for(endpoint, account_id=w.account_a.id, contact_id=contact.id)

    return build


def _failed_mail_url(endpoint):
    """A message delivery gave up on (a fresh one per call: the admin's post consumes it)."""

    def build(w):
        message = OutboxMessage(
            recipient="gone@example.com",
            subject="Undeliverable",
            body="body",
            attempts=1,
            last_error="SMTPRecipientsRefused: 550 no such user",
            failed_at=utcnow(),
        )
        db.session.add(message)
        db.session.commit()
        return url_for(endpoint, message_id=message.id)

    return build


def _unaddressed_mail_url(endpoint):
    """Mail that reached no team (a fresh one per call)."""

    def build(w):
        mail = factories.make_inbound_mail(None)
        db.session.commit()
        return url_for(endpoint, mail_id=mail.id)

    return build


def _get(build):
    return ("GET", build, admin_only(200))


def _post(build, answer):
    return ("POST", build, admin_only(answer))


ROWS = {
    "admin.update_team": _post(lambda w: url_for("admin.update_team", team_id=w.team_x.id), 422),
    "admin.service_levels": _get(lambda w: url_for("admin.service_levels")),
    "admin.team_hours": _get(lambda w: url_for("admin.team_hours", team_id=w.team_x.id)),
    "admin.index": _get(lambda w: url_for("admin.index")),
    "admin.invitations": _get(lambda w: url_for("admin.invitations")),
    "admin.audit_log": _get(lambda w: url_for("admin.audit_log")),
    # mail delivery gave up on
    "admin.failed_mail": _get(lambda w: url_for("admin.failed_mail")),
    "admin.retry_mail": _post(_failed_mail_url("admin.retry_mail"), 303),
    "admin.discard_mail": _post(_failed_mail_url("admin.discard_mail"), 303),
    "admin.unaddressed_mail": _get(lambda w: url_for("admin.unaddressed_mail")),
    "admin.unaddressed_original": _get(_unaddressed_mail_url("admin.unaddressed_original")),
    # No team chosen: the admin's empty post is refused.
    "admin.send_mail_to_team": _post(_unaddressed_mail_url("admin.send_mail_to_team"), 400),
    # functions and tiers (inline tables)
    "admin.functions": _get(lambda w: url_for("admin.functions")),
    "admin.add_function": _post(lambda w: url_for("admin.add_function"), 422),
    "admin.function": _get(lambda w: url_for("admin.function", item_id=w.function.id)),
    "admin.edit_function": _get(lambda w: url_for("admin.edit_function", item_id=w.function.id)),
    "admin.update_function": _post(
        lambda w: url_for("admin.update_function", item_id=w.function.id), 422
    ),
    "admin.tiers": _get(lambda w: url_for("admin.tiers")),
    "admin.add_tier": _post(lambda w: url_for("admin.add_tier"), 422),
    "admin.tier": _get(lambda w: url_for("admin.tier", item_id=w.tier.id)),
    "admin.edit_tier": _get(lambda w: url_for("admin.edit_tier", item_id=w.tier.id)),
    "admin.update_tier": _post(lambda w: url_for("admin.update_tier", item_id=w.tier.id), 422),
    # teams and memberships
    "admin.teams": _get(lambda w: url_for("admin.teams")),
    "admin.create_team": _post(lambda w: url_for("admin.create_team"), 422),
    "admin.team": _get(lambda w: url_for("admin.team", team_id=w.team_x.id)),
    "admin.add_member": _post(lambda w: url_for("admin.add_member", team_id=w.team_x.id), 422),
    "admin.change_member_role": _post(
        lambda w: url_for("admin.change_member_role", team_id=w.team_x.id, user_id=w.member_x.id),
        422,
    ),
    "admin.remove_member": _post(
        lambda w: url_for("admin.remove_member", team_id=w.team_x.id, user_id=w.member_x.id), 303
    ),
    "admin.join_team": _post(lambda w: url_for("admin.join_team", user_id=w.member_x.id), 422),
    "admin.change_team_role": _post(
        lambda w: url_for("admin.change_team_role", user_id=w.member_x.id, team_id=w.team_x.id),
        422,
    ),
    "admin.leave_team": _post(
        lambda w: url_for("admin.leave_team", user_id=w.member_x.id, team_id=w.team_x.id), 303
    ),
    # people and skills
    "admin.people": _get(lambda w: url_for("admin.people")),
    "admin.invite_staff": _post(lambda w: url_for("admin.invite_staff"), 422),
    "admin.person": _get(lambda w: url_for("admin.person", user_id=w.member_x.id)),
    "admin.update_person": _post(
        lambda w: url_for("admin.update_person", user_id=w.member_x.id), 422
    ),
    "admin.deactivate_person": _post(
        lambda w: url_for("admin.deactivate_person", user_id=w.member_y.id), 303
    ),
    "admin.reactivate_person": _post(
        lambda w: url_for("admin.reactivate_person", user_id=w.member_y.id), 303
    ),
    "admin.add_skill": _post(lambda w: url_for("admin.add_skill", user_id=w.member_x.id), 422),
    "admin.change_skill": _post(_skill_url("admin.change_skill"), 422),
    "admin.remove_skill": _post(_skill_url("admin.remove_skill"), 303),
    # accounts and contacts
    "admin.accounts": _get(lambda w: url_for("admin.accounts")),
    "admin.create_account": _post(lambda w: url_for("admin.create_account"), 422),
    "admin.account": _get(lambda w: url_for("admin.account", account_id=w.account_a.id)),
    "admin.update_account": _post(
        lambda w: url_for("admin.update_account", account_id=w.account_a.id), 422
    ),
    "admin.set_contact_visibility": _post(_contact_url("admin.set_contact_visibility"), 303),
    "admin.deactivate_contact": _post(_contact_url("admin.deactivate_contact"), 303),
    "admin.reactivate_contact": _post(_contact_url("admin.reactivate_contact"), 303),
    "admin.invite_contact": _post(
        lambda w: url_for("admin.invite_contact", account_id=w.account_a.id), 422
    ),
}
