"""The relationship page of an account, for the team that owns it: key people, meetings and
agreed plans. Internal to the team: the customer's pages never show it."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user

from .. import access, reference
from ..access import TEAM_MEMBER, policy
from ..extensions import db
from ..htmx import after_write, render_page
from ..models import AccountMeeting, AgreedPlan, KeyPerson, User
from ..models.relationship import PLAN_OPEN
from . import bp, services
from .forms import ClosePlanForm, KeyPersonForm, MeetingForm, PlanForm

BASE = "/teams/<int:team_id>/accounts/<int:account_id>/relationship"


def _owned(model, item_id: int, account):
    item = db.session.get(model, item_id)
    if item is None or item.account_id != account.id:
        abort(404)
    return item


def _plan_form(account, meetings, *, blank: bool = False) -> PlanForm:
    """The plan form with the team's members and the account's meetings to choose from;
    `blank` for the page, else filled from the post."""
    form = PlanForm(formdata=None) if blank else PlanForm()
    form.owner.choices = [(0, "Choose…")] + [
        (m.id, m.name) for m in reference.members(account.team)
    ]
    form.meeting.choices = [(0, "Not at a meeting")] + [
        (m.id, f"{m.held_on:%-d %b %Y}: {m.title}"[:120]) for m in meetings
    ]
    return form


def _page(account, status: int = 200, **forms):
    shown = services.relationship_of(account)
    return render_page(
        "relationships/page.html",
        status=status,
        account=account,
        team=account.team,
        person_form=forms.get("person_form") or KeyPersonForm(formdata=None),
        meeting_form=forms.get("meeting_form") or MeetingForm(formdata=None),
        plan_form=forms.get("plan_form") or _plan_form(account, shown["meetings"], blank=True),
        close_forms=forms.get("close_forms") or {},
        close_form=ClosePlanForm(formdata=None),
        **shown,
    )


def _saved(account, anchor: str, message: str):
    db.session.commit()
    flash(message, "success")
    return after_write(
        url_for(
            "relationships.page", team_id=account.team_id, account_id=account.id, _anchor=anchor
        ),
        lambda: _page(account),
    )


@bp.route(BASE)
@policy(TEAM_MEMBER)
def page(team_id: int, account_id: int):
    return _page(access.get_account(account_id, team_id=team_id, manage=True))


@bp.route(BASE + "/people", methods=["POST"])
@policy(TEAM_MEMBER)
def add_person(team_id: int, account_id: int):
    account = access.get_account(account_id, team_id=team_id, manage=True)
    form = KeyPersonForm()
    if form.validate_on_submit():
        services.add_person(
            current_user,
            account,
            name=form.name.data,
            role=form.role.data,
            email=form.email.data or "",
            phone=form.phone.data or "",
            note=form.note.data or "",
        )
        return _saved(account, "people", f"{form.name.data} added to the key people.")
    return _page(account, status=422, person_form=form)


@bp.route(BASE + "/people/<int:person_id>/remove", methods=["POST"])
@policy(TEAM_MEMBER)
def remove_person(team_id: int, account_id: int, person_id: int):
    account = access.get_account(account_id, team_id=team_id, manage=True)
    person = _owned(KeyPerson, person_id, account)
    name = person.name
    services.remove_person(current_user, person)
    return _saved(account, "people", f"{name} removed from the key people.")


@bp.route(BASE + "/meetings", methods=["POST"])
@policy(TEAM_MEMBER)
def record_meeting(team_id: int, account_id: int):
    account = access.get_account(account_id, team_id=team_id, manage=True)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            services.record_meeting(
                current_user,
                account,
                held_on=form.held_on.data,
                title=form.title.data,
                attendees=form.attendees.data or "",
                notes=form.notes.data or "",
            )
        except services.RelationshipError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            return _saved(account, "meetings", "Meeting recorded.")
    return _page(account, status=422, meeting_form=form)


@bp.route(BASE + "/plans", methods=["POST"])
@policy(TEAM_MEMBER)
def agree_plan(team_id: int, account_id: int):
    account = access.get_account(account_id, team_id=team_id, manage=True)
    form = _plan_form(account, services.meetings_of(account))
    if form.validate_on_submit():
        meeting = None
        if form.meeting.data:
            meeting = _owned(AccountMeeting, form.meeting.data, account)
        try:
            services.agree_plan(
                current_user,
                account,
                what=form.what.data,
                owner=db.session.get(User, form.owner.data),
                due_on=form.due_on.data,
                meeting=meeting,
            )
        except services.RelationshipError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            return _saved(account, "plans", "Plan recorded: it stays open until it is closed.")
    return _page(account, status=422, plan_form=form)


@bp.route(BASE + "/plans/<int:plan_id>/close", methods=["POST"])
@policy(TEAM_MEMBER)
def close_plan(team_id: int, account_id: int, plan_id: int):
    account = access.get_account(account_id, team_id=team_id, manage=True)
    plan = _owned(AgreedPlan, plan_id, account)
    form = ClosePlanForm()
    if plan.status != PLAN_OPEN or form.validate_on_submit():
        try:
            services.close_plan(
                current_user, plan, status=form.status.data, outcome=form.outcome.data or ""
            )
        except services.PlanClosed as error:
            db.session.rollback()
            flash(str(error), "error")
            return _page(account, status=409)
        except services.RelationshipError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            return _saved(account, "plans", "Plan closed.")
    return _page(account, status=422, close_forms={plan.id: form})
