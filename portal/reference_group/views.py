"""The reference group from the customer's side.

A contact joins or leaves their team's group, takes a stance on each open round (others'
stances stay hidden until the round closes, so nobody follows the crowd), reads the team's
answers and its "you said, we did", and sees the team's adopted procedures.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import access
from ..access import CONTACT, PUBLIC, policy
from ..domain.review import ReviewError
from ..extensions import db, limiter
from ..htmx import is_partial, redirect_after_post, render_page
from ..limits import LINK_POSTS, contact_write
from ..models import Procedure, ReviewRound, utcnow
from ..procedures import decisions, group_membership, review_rounds, shared_library, stances
from . import bp
from .forms import JoinForm, LeaveForm, StanceForm


def _round(round_id: int) -> ReviewRound:
    """A round of a group the contact is in (or took a stance in); 404 for anyone else."""
    round_ = db.session.scalar(
        select(ReviewRound)
        .where(ReviewRound.id == round_id)
        .options(
            joinedload(ReviewRound.version),
            joinedload(ReviewRound.procedure).joinedload(Procedure.team),
        )
    )
    if round_ is None or not stances.may_see_round(current_user, round_):
        abort(404)
    if review_rounds.settle(round_.procedure):
        db.session.commit()
    return round_


@bp.route("/reference-group")
@policy(CONTACT)
def index():
    memberships = group_membership.memberships_of(current_user)
    joined = {m.team_id for m in memberships}
    joinable = access.contact_accounts(current_user)
    joinable = [a for a in joinable if a.team_id not in joined]
    return render_page(
        "reference/index.html",
        memberships=memberships,
        joinable={a.team_id: a for a in joinable}.values(),
        rounds=review_rounds.open_rounds_for(current_user),
        join_form=JoinForm(formdata=None),
        leave_form=LeaveForm(formdata=None),
        now=utcnow(),
    )


def _back() -> str:
    return url_for("reference.index")


@bp.route("/reference-group/join", methods=["POST"])
@policy(CONTACT)
@contact_write
def join():
    form = JoinForm()
    if not form.validate_on_submit():
        flash("Choose the account you speak for.", "error")
        return redirect_after_post(_back())
    account = next(
        (a for a in access.contact_accounts(current_user) if a.id == form.account.data),
        None,
    )
    if account is None:
        abort(404)
    group_membership.join(current_user, account)
    db.session.commit()
    flash(
        f"Welcome to {account.team.name}'s reference group: we will ask your view on "
        "procedures before we adopt them.",
        "success",
    )
    return redirect_after_post(_back())


@bp.route("/reference-group/leave", methods=["POST"])
@policy(CONTACT)
@contact_write
def leave():
    form = LeaveForm()
    if not form.validate_on_submit():
        abort(400)
    group_membership.leave(current_user, form.team.data)
    db.session.commit()
    flash("You have left the reference group. You can join again at any time.", "success")
    return redirect_after_post(_back())


def _stance_context(round_, user, form=None) -> dict:
    stance = stances.stance_of(user, round_)
    closed = round_.status != "open"
    context = {
        "round": round_,
        "procedure": round_.procedure,
        "version": round_.version,
        "stance": stance,
        "history": stances.stance_history(stance),
        "form": form
        or StanceForm(
            formdata=None,
            kind=stance.kind if stance else None,
            reason=stance.reason if stance else "",
        ),
        "closed": closed,
        "is_member": group_membership.current_membership(user, round_.procedure.team_id)
        is not None,
    }
    # Nobody sees anyone else's stance while the round is open.
    if closed:
        context["result"] = stances.result_of(round_)
    return context


@bp.route("/reference-group/rounds/<int:round_id>")
@policy(CONTACT)
def round(round_id: int):
    return render_page("reference/round.html", **_stance_context(_round(round_id), current_user))


@bp.route("/reference-group/rounds/<int:round_id>/stance", methods=["POST"])
@policy(CONTACT)
@contact_write
def stance(round_id: int):
    round_ = _round(round_id)
    form = StanceForm()
    status = 422
    if form.validate_on_submit():
        try:
            stances.take_stance(current_user, round_, form.kind.data, form.reason.data)
        except ReviewError as error:
            form.reason.errors.append(str(error))
            status = 409 if round_.status != "open" else 422
        else:
            db.session.commit()
            flash("Your stance is saved. You can change it until the round closes.", "success")
            if not is_partial():
                return redirect_after_post(url_for("reference.round", round_id=round_.id))
            return render_page(
                "reference/round.html",
                "reference/_my_stance.html",
                **_stance_context(round_, current_user),
            )
    db.session.rollback()
    return render_page(
        "reference/round.html",
        "reference/_my_stance.html",
        status=status,
        **_stance_context(round_, current_user, form=form),
    )


@bp.route("/reference-group/rounds/<int:round_id>/decision")
@policy(CONTACT)
def decision(round_id: int):
    round_ = _round(round_id)
    if round_.decided_at is None:
        abort(404)
    changes, comments = decisions.you_said_we_did(round_)
    return render_page(
        "reference/decision.html",
        round=round_,
        procedure=round_.procedure,
        changes=changes,
        comments=comments,
        linked={
            c.number: [s for s in comments if s.answer and s.answer.change_number == c.number]
            for c in changes
        },
        result=stances.result_of(round_),
    )


@bp.route("/reference-group/vote/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
@limiter.limit(LINK_POSTS, methods=["POST"])
def vote_by_link(token: str):
    """From the round's mail: opens the stance page; only the confirming post records it.
    The link acts for its person only while they may take a stance themselves."""
    link = stances.stance_link(token)
    if link is None:
        return render_page("reference/link_invalid.html", status=404, reason="unknown")
    round_ = link.round
    if group_membership.stance_membership(link.user, round_.procedure.team_id) is None:
        return render_page("reference/link_invalid.html", status=410, reason="refused")
    if review_rounds.settle(round_.procedure):
        db.session.commit()
    if link.used_at is not None:
        return render_page("reference/link_invalid.html", status=410, reason="used", round=round_)
    if round_.status != "open":
        return render_page("reference/link_invalid.html", status=410, reason="closed", round=round_)
    form = StanceForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        try:
            stances.take_stance(link.user, round_, form.kind.data, form.reason.data)
        except ReviewError as error:
            form.reason.errors.append(str(error))
        else:
            link.used_at = utcnow()
            db.session.commit()
            return render_page(
                "reference/vote_by_link.html",
                done=True,
                token=token,
                **_stance_context(round_, link.user),
            )
    status = 422 if form.errors else 200
    if form.errors:
        db.session.rollback()
    return render_page(
        "reference/vote_by_link.html",
        status=status,
        done=False,
        token=token,
        **_stance_context(round_, link.user, form=form),
    )


@bp.route("/how-we-work")
@policy(CONTACT)
def how_we_work():
    return render_page("reference/how_we_work.html", rows=shared_library.how_we_work(current_user))


@bp.route("/how-we-work/<int:procedure_id>")
@policy(CONTACT)
def how_we_work_item(procedure_id: int):
    rows = {p.id: (p, v) for p, v in shared_library.how_we_work(current_user)}
    if procedure_id not in rows:
        abort(404)
    procedure, version = rows[procedure_id]
    return render_page(
        "reference/how_we_work_item.html",
        procedure=procedure,
        version=version,
        decided=decisions.last_decided_round(procedure),
    )


@bp.app_template_global()
def reference_group_state(account) -> dict:
    """For the team page: is the contact in the group of `account`'s team, and how many of
    its open rounds still wait for their stance."""
    member = group_membership.current_membership(current_user, account.team_id) is not None
    waiting = review_rounds.rounds_waiting_for(current_user, account.team_id) if member else 0
    return {"member": member, "open_rounds": waiting}
