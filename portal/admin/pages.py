"""The admin pages made of several fragments. Each renderer builds the whole page's context
(fresh forms by default; a failing form passed in overrides its blank one) and returns the
page, or only `fragment` for an htmx partial request."""

from __future__ import annotations

from ..forms import offer_zone, prefix_ids
from ..htmx import render_page
from ..workspace.forms import InviteContactForm
from ..workspace.services import account_contacts, open_invitations
from . import queries
from .forms import AccountEditForm, AccountForm, MembershipForm, PersonForm, SkillForm, TeamForm

MEMBERSHIPS = "admin/_memberships.html"


def membership_form(side: str, owner, *, blank: bool = False) -> MembershipForm:
    form = MembershipForm(formdata=None) if blank else MembershipForm()
    if side == "team":
        form.other.label.text = "Person"
        form.other.choices = [("", "Choose a person…"), *queries.staff_choices_for(owner)]
    else:
        form.other.label.text = "Team"
        form.other.choices = [("", "Choose a team…"), *queries.team_choices_for(owner)]
    return form


def _memberships(side: str, owner, add_form=None, membership_error=None) -> dict:
    rows = queries.team_memberships(owner) if side == "team" else queries.person_memberships(owner)
    return {
        "side": side,
        "owner": owner,
        "memberships": rows,
        "add_form": add_form or membership_form(side, owner, blank=True),
        "membership_error": membership_error,
    }


def team_page(team, fragment: str = MEMBERSHIPS, status: int = 200, team_form=None, **overrides):
    if team_form is None:
        team_form = TeamForm(obj=team, formdata=None)
        offer_zone(team_form.timezone, team.timezone)
    return render_page(
        "admin/team.html",
        fragment,
        status=status,
        team=team,
        team_form=team_form,
        **_memberships("team", team, **overrides),
    )


def skill_form(person, *, blank: bool = False) -> SkillForm:
    form = SkillForm(formdata=None) if blank else SkillForm()
    form.function.choices = [("", "Choose a function…"), *queries.function_choices_for(person)]
    return form


def person_page(person, fragment: str | None = None, status: int = 200, **overrides):
    context = {
        "person": person,
        "details_form": PersonForm(obj=person, formdata=None),
        "skills": queries.person_skills(person),
        "skill_form": None,
        "skill_error": None,
    }
    membership_overrides = {
        key: overrides.pop(key) for key in ("add_form", "membership_error") if key in overrides
    }
    context.update(overrides)
    context["skill_form"] = context["skill_form"] or skill_form(person, blank=True)
    context.update(_memberships("person", person, **membership_overrides))
    return render_page("admin/person.html", fragment, status=status, **context)


def account_form(account=None, *, blank: bool = False) -> AccountForm:
    """The new-account form, or with `account` that account's edit form."""
    form_class = AccountForm if account is None else AccountEditForm
    if blank:
        form = form_class(obj=account, formdata=None)
        if account is not None:
            form.team.data, form.tier.data = account.team_id, account.tier_id
    else:
        form = form_class()
    form.team.choices = [("", "Choose a team…"), *queries.team_choices()]
    form.tier.choices = [("", "Choose a tier…"), *queries.tier_choices()]
    return prefix_ids(form, "account")  # list filters and invite forms share field names


def account_page(account, fragment: str | None = None, status: int = 200, **overrides):
    context = {
        "account": account,
        "details_form": None,
        "invite_form": InviteContactForm(formdata=None),
        "contacts": account_contacts(account),
        "invitations": open_invitations(account),
        "open_requests": queries.open_request_count(account),
    }
    context.update(overrides)
    context["details_form"] = context["details_form"] or account_form(account, blank=True)
    return render_page("admin/account.html", fragment, status=status, **context)
