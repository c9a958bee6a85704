"""The team's side of procedures: drafts, versions, review rounds, decisions and the
reference group. The library is library_views.py, on the same blueprint."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import access
from ..access import TEAM_COACH, TEAM_MEMBER, policy
from ..domain import review
from ..domain.review import ReviewError
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import is_partial, redirect_after_post, render_page
from ..models import Function, Procedure, ReviewRound, Stance, Team, User, utcnow
from . import authoring, bp, decisions, group_membership, review_rounds, shared_library, stances
from .forms import (
    AnswerForm,
    CloseRoundForm,
    DecisionForm,
    InviteForm,
    OpenRoundForm,
    ProcedureForm,
)

PREFIX = "/teams/<int:team_id>/procedures"


def function_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(
        select(Function).where(Function.active.is_(True)).order_by(Function.name)
    )
    return [(f.id, f.name) for f in rows]


def _procedure(team_id: int, procedure_id: int) -> Procedure:
    """One of the team's procedures (404 otherwise), its due rounds closed."""
    access.get_team(team_id)
    procedure = db.session.scalar(
        select(Procedure)
        .where(Procedure.id == procedure_id, Procedure.team_id == team_id)
        .options(
            selectinload(Procedure.versions),
            joinedload(Procedure.team),
            joinedload(Procedure.function),
            joinedload(Procedure.adopted_from).joinedload(Procedure.team),
        )
    )
    if procedure is None:
        abort(404)
    if review_rounds.settle(procedure):
        db.session.commit()  # a round that reached its deadline stays closed, page or not
    return procedure


def _round(procedure: Procedure, round_id: int) -> ReviewRound:
    round_ = db.session.get(ReviewRound, round_id)
    if round_ is None or round_.procedure_id != procedure.id:
        abort(404)
    return round_


def _is_coach(team_id: int) -> bool:
    return access.is_coach_of(current_user, team_id)


# --- the team's procedures ---------------------------------------------------------------------


@bp.route(PREFIX)
@policy(TEAM_MEMBER)
def index(team_id: int):
    team = access.get_team(team_id)
    return render_page(
        "procedures/index.html",
        team=team,
        procedures=authoring.team_procedures(team),
        is_coach=_is_coach(team_id),
    )


def _procedure_form(formdata=None, **data) -> ProcedureForm:
    form = ProcedureForm(formdata=formdata, **data)
    form.function.choices = [(0, "Any function"), *function_choices()]
    return form


def _fields(form: ProcedureForm) -> dict:
    return {key: getattr(form, key).data or "" for key in authoring.FIELDS}


@bp.route(PREFIX + "/new", methods=["GET", "POST"])
@policy(TEAM_MEMBER)
def new(team_id: int):
    team = access.get_team(team_id)
    form = _procedure_form(request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        procedure = authoring.create_procedure(
            current_user, team, form.function.data or None, **_fields(form)
        )
        db.session.commit()
        flash("Draft saved. Open a review round when it is ready.", "success")
        return redirect_after_post(
            url_for("procedures.show", team_id=team.id, procedure_id=procedure.id)
        )
    status = 422 if request.method == "POST" else 200
    return render_page("procedures/edit.html", status=status, team=team, form=form, procedure=None)


@bp.route(PREFIX + "/<int:procedure_id>/edit", methods=["GET", "POST"])
@policy(TEAM_MEMBER)
def edit(team_id: int, procedure_id: int):
    procedure = _procedure(team_id, procedure_id)
    latest = authoring.latest_version(procedure)
    if request.method == "POST":
        form = _procedure_form(request.form)
    else:
        form = _procedure_form(function=procedure.function_id or 0, obj=latest)
    if form.validate_on_submit():
        try:
            version = authoring.edit_procedure(
                current_user, procedure, form.function.data or None, **_fields(form)
            )
        except ReviewError as error:
            form.title.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Saved as version {version.number}.", "success")
            return redirect_after_post(
                url_for("procedures.show", team_id=team_id, procedure_id=procedure.id)
            )
    status = 422 if request.method == "POST" else 200
    return render_page(
        "procedures/edit.html",
        status=status,
        team=procedure.team,
        form=form,
        procedure=procedure,
        frozen=authoring.is_frozen(latest),
    )


def _open_round_form(team: Team, formdata=None) -> OpenRoundForm:
    """A week from now at 17:00 in the team's time, unless the coach chooses otherwise."""
    local_now = utcnow().astimezone(ZoneInfo(team.timezone))
    default = (local_now + timedelta(days=7)).replace(hour=17, minute=0, second=0, microsecond=0)
    return OpenRoundForm(formdata=formdata, closes_at=default.replace(tzinfo=None))


def _show(procedure: Procedure, round_form=None, status=200):
    rounds = review_rounds.rounds_of(procedure)
    current = rounds[0] if rounds and rounds[0].status in ("open", "closed") else None
    result = stances.result_of(current) if current else None
    return render_page(
        "procedures/show.html",
        status=status,
        team=procedure.team,
        procedure=procedure,
        latest=authoring.latest_version(procedure),
        rounds=rounds,
        current=current,
        result=result,
        lineage=shared_library.lineage(procedure),
        round_form=round_form or _open_round_form(procedure.team),
        group_size=result.members
        if result
        else len(group_membership.group_members(procedure.team)),
        is_coach=_is_coach(procedure.team_id),
        action_form=EmptyForm(),
    )


@bp.route(PREFIX + "/<int:procedure_id>")
@policy(TEAM_MEMBER)
def show(team_id: int, procedure_id: int):
    return _show(_procedure(team_id, procedure_id))


@bp.route(PREFIX + "/<int:procedure_id>/compare")
@policy(TEAM_MEMBER)
def compare(team_id: int, procedure_id: int):
    procedure = _procedure(team_id, procedure_id)
    versions = {v.number: v for v in procedure.versions}
    latest = procedure.versions[-1].number
    try:
        a = int(request.args.get("a", max(latest - 1, 1)))
        b = int(request.args.get("b", latest))
    except ValueError:
        abort(400)
    if a not in versions or b not in versions:
        abort(404)
    return render_page(
        "procedures/compare.html",
        team=procedure.team,
        procedure=procedure,
        old=versions[a],
        new=versions[b],
        changes=authoring.changes_between(versions[a], versions[b]),
    )


@bp.route(PREFIX + "/<int:procedure_id>/rounds", methods=["POST"])
@policy(TEAM_COACH)
def open_round(team_id: int, procedure_id: int):
    procedure = _procedure(team_id, procedure_id)
    form = _open_round_form(procedure.team, request.form)
    if form.validate_on_submit():
        local = form.closes_at.data.replace(tzinfo=ZoneInfo(procedure.team.timezone))
        try:
            review_rounds.open_round(
                current_user,
                procedure,
                local.astimezone(UTC),
                quorum_min=form.quorum_min.data or 0,
                quorum_each_tier=form.quorum_each_tier.data,
            )
        except ReviewError as error:
            form.closes_at.errors.append(str(error))
        else:
            db.session.commit()
            flash("The round is open: the reference group has been told.", "success")
            return redirect_after_post(
                url_for("procedures.show", team_id=team_id, procedure_id=procedure.id)
            )
    return _show(procedure, round_form=form, status=422)


@bp.route(PREFIX + "/<int:procedure_id>/withdraw", methods=["POST"])
@policy(TEAM_COACH)
def withdraw(team_id: int, procedure_id: int):
    procedure = _procedure(team_id, procedure_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        authoring.withdraw(current_user, procedure)
    except ReviewError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Withdrawn: it is no longer in the library or shown to customers.", "success")
    return redirect_after_post(
        url_for("procedures.show", team_id=team_id, procedure_id=procedure_id)
    )


def _round_page(procedure, round_, decision_form=None, status=200):
    result = stances.result_of(round_)
    # Deciding to adopt links each comment to the change that answers it.
    latest = authoring.latest_version(procedure)
    changes = authoring.changes_between(round_.version, latest) if round_.status == "closed" else []
    return render_page(
        "procedures/round.html",
        "procedures/_tally.html",  # the live tally's poll
        status=status,
        team=procedure.team,
        procedure=procedure,
        round=round_,
        result=result,
        changes=changes,
        answer_form=AnswerForm(formdata=None),
        decision_form=decision_form or DecisionForm(formdata=None),
        is_coach=_is_coach(procedure.team_id),
        action_form=EmptyForm(),
    )


@bp.route(PREFIX + "/<int:procedure_id>/rounds/<int:round_id>")
@policy(TEAM_MEMBER)
def round(team_id: int, procedure_id: int, round_id: int):
    procedure = _procedure(team_id, procedure_id)
    return _round_page(procedure, _round(procedure, round_id))


@bp.route(PREFIX + "/<int:procedure_id>/rounds/<int:round_id>/close")
@policy(TEAM_COACH)
def confirm_close_round(team_id: int, procedure_id: int, round_id: int):
    """The first step of closing a round early: what closing now means, and the button."""
    procedure = _procedure(team_id, procedure_id)
    round_ = _round(procedure, round_id)
    location = url_for(
        "procedures.round", team_id=team_id, procedure_id=procedure_id, round_id=round_id
    )
    if round_.status != "open":
        flash("This round is already closed.", "info")
        return redirect_after_post(location)
    return render_page(
        "procedures/close_round.html",
        team=procedure.team,
        procedure=procedure,
        round=round_,
        result=stances.result_of(round_),
        early=review.early_by(round_.closes_at, utcnow()),
        form=CloseRoundForm(formdata=None),
    )


@bp.route(PREFIX + "/<int:procedure_id>/rounds/<int:round_id>/close", methods=["POST"])
@policy(TEAM_COACH)
def close_round(team_id: int, procedure_id: int, round_id: int):
    procedure = _procedure(team_id, procedure_id)
    round_ = _round(procedure, round_id)
    location = url_for(
        "procedures.round", team_id=team_id, procedure_id=procedure_id, round_id=round_id
    )
    form = CloseRoundForm()
    if not form.validate_on_submit():
        abort(400)
    if form.confirm.data != "yes":
        # Not confirmed: nothing closes; the confirmation page says what closing means.
        return redirect_after_post(
            url_for(
                "procedures.confirm_close_round",
                team_id=team_id,
                procedure_id=procedure_id,
                round_id=round_id,
            )
        )
    try:
        review_rounds.close_round(current_user, round_, early=True)
    except ReviewError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("The round is closed. The group can now see every stance.", "success")
    return redirect_after_post(location)


@bp.route(
    PREFIX + "/<int:procedure_id>/rounds/<int:round_id>/stances/<int:stance_id>/answer",
    methods=["POST"],
)
@policy(TEAM_MEMBER)
def answer(team_id: int, procedure_id: int, round_id: int, stance_id: int):
    procedure = _procedure(team_id, procedure_id)
    round_ = _round(procedure, round_id)
    stance = db.session.scalar(
        select(Stance)
        .where(Stance.id == stance_id, Stance.round_id == round_.id)
        .options(joinedload(Stance.user), joinedload(Stance.tier), joinedload(Stance.answer))
    )
    if stance is None:
        abort(404)
    form = AnswerForm()
    saved = False
    if form.validate_on_submit():
        try:
            stances.answer(current_user, stance, form.body.data)
        except ReviewError as error:
            form.body.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Answer to {stance.user.name} saved; the group will read it.", "success")
            saved = True
    location = url_for(
        "procedures.round", team_id=team_id, procedure_id=procedure_id, round_id=round_id
    )
    if saved and not is_partial():
        return redirect_after_post(location + f"#stance-{stance.id}")
    if not is_partial():  # a plain post that failed: the whole page, with the reason
        flash(" ".join(form.body.errors) or "The answer was not saved.", "error")
        return _round_page(procedure, round_, status=422)
    return render_page(
        "procedures/_comment.html",
        status=200 if saved else 422,
        stance=stance,
        round=round_,
        procedure=procedure,
        team=procedure.team,
        answer_form=AnswerForm(formdata=None) if saved else form,
        answering=stance.id,
    )


@bp.route(PREFIX + "/<int:procedure_id>/rounds/<int:round_id>/decision", methods=["POST"])
@policy(TEAM_COACH)
def decide(team_id: int, procedure_id: int, round_id: int):
    procedure = _procedure(team_id, procedure_id)
    round_ = _round(procedure, round_id)
    form = DecisionForm()
    if form.validate_on_submit():
        links = {}
        for key, value in request.form.items():
            if key.startswith("link-") and key[5:].isdigit() and value.isdigit():
                links[int(key[5:])] = int(value) or None
        try:
            decisions.decide(current_user, round_, form.decision.data, form.statement.data, links)
        except ReviewError as error:
            form.decision.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                {
                    "adopted": "Adopted. The group has been told what changed and why.",
                    "revised": "Recorded: edit the new version, then open the next round.",
                    "withdrawn": "Withdrawn. The group has been told why.",
                }[form.decision.data],
                "success",
            )
            return redirect_after_post(
                url_for("procedures.show", team_id=team_id, procedure_id=procedure_id)
            )
    return _round_page(procedure, round_, decision_form=form, status=422)


# --- the reference group, as the team sees it ----------------------------------------------------


def _group_page(team: Team, form=None, status=200):
    if form is None:
        form = InviteForm(formdata=None)
    form.contact.choices = [
        (user.id, f"{user.name} ({account.name}, {account.tier.name})")
        for user, account in group_membership.invitable_contacts(team)
    ]
    return render_page(
        "procedures/group.html",
        status=status,
        team=team,
        members=group_membership.group_members(team),
        history=group_membership.group_history(team),
        form=form,
        is_coach=_is_coach(team.id),
    )


@bp.route("/teams/<int:team_id>/reference-group")
@policy(TEAM_MEMBER)
def group(team_id: int):
    return _group_page(access.get_team(team_id))


@bp.route("/teams/<int:team_id>/reference-group/invitations", methods=["POST"])
@policy(TEAM_COACH)
def invite(team_id: int):
    team = access.get_team(team_id)
    form = InviteForm()
    form.contact.choices = [(u.id, u.name) for u, _ in group_membership.invitable_contacts(team)]
    if form.validate_on_submit():
        contact = db.session.get(User, form.contact.data)
        try:
            group_membership.invite(current_user, team, contact)
        except ReviewError as error:
            form.contact.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{contact.name} is invited; they join from the link in the mail.", "success")
            return redirect_after_post(url_for("procedures.group", team_id=team_id))
    return _group_page(team, form, status=422)
