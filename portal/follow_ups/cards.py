"""What the account page's follow-ups card shows, and its forms: built here for the
workspace's account page and for this package's posts, which answer with that card."""

from __future__ import annotations

from .. import reference
from ..models import Account
from ..reader_zone import team_today
from . import services
from .forms import CloseFollowUpForm, NamedMemberForm

NOBODY = 0


def member_form(account: Account, form: NamedMemberForm | None = None) -> NamedMemberForm:
    form = form or NamedMemberForm(formdata=None, member=account.named_member_id or NOBODY)
    form.member.choices = [(NOBODY, "No named member")] + [
        (u.id, u.name) for u in reference.members(account.team)
    ]
    return form


def context(
    account: Account,
    *,
    manage: bool,
    named_form: NamedMemberForm | None = None,
    close_forms: dict | None = None,
) -> dict:
    return {
        "follow_ups": services.for_account(account),
        "named_form": member_form(account, named_form) if manage else None,
        "can_name": manage,
        "close_forms": close_forms or {},
        "close_form": CloseFollowUpForm(formdata=None, back="account"),
        "today": team_today(account.team),
    }
