"""Acting for a person: as the contact who raised a request, by a mailed link, or for an
account. On top of `access` (what a person may see): these say what they may do with it."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from . import access
from .extensions import db
from .models import Account, Request, User


def can_act_as_requester(user: User, request_: Request) -> bool:
    """Resolving, reopening and rating belong to the contact who raised the request;
    colleagues who see it through account-wide visibility read it and reply, nothing more.
    Templates hide those buttons by this same predicate."""
    return user.is_contact and request_.requester_id == user.id


def get_own_request(request_id: int, *options) -> Request:
    """`get_request` for what only the requester does: 404 when the person may not see the
    request, 403 when they see it (a colleague's) but did not raise it."""
    request_ = access.get_request(request_id, *options)
    if not can_act_as_requester(current_user, request_):
        abort(403)
    return request_


# A mailed link acts for the person it was sent to, whoever (if anyone) is signed in: only
# while that person could still take the action themselves.


def link_acts_as_requester(person: User, request_: Request) -> bool:
    """What `get_own_request` allows, for the person a mailed link acts for: still active,
    still able to see the request (so still a contact of its account), and its requester."""
    return (
        person.active
        and can_act_as_requester(person, request_)
        and access.can_see_request(person, request_.id)
    )


def speaks_for(person: User, account_id: int) -> bool:
    """Whether `person` may still answer for the account (a survey, a reference-group
    stance): active, and still one of its contacts by `accounts_visible_to`."""
    if not person.active:
        return False
    visible = access.accounts_visible_to(person).with_only_columns(Account.id)
    return db.session.scalar(visible.where(Account.id == account_id)) is not None
