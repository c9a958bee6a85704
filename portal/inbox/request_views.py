"""A request in the team workspace: its page (beside the list with htmx), every change to
it, who else is on it, and its handoffs."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from .. import access, caching, reference
from ..access import TEAM_MEMBER, policy
from ..extensions import db
from ..forms import shortcuts_on
from ..htmx import after_write, conditional_poll, is_partial, render_page
from ..models import (
    Account,
    CannedReply,
    Function,
    Handoff,
    Request,
    User,
    id_from_reference,
)
from ..requests import errors, files, handoffs, merging, rows, timeline
from ..requests import services as requests
from ..web import MAX_ID
from . import bp, canned, presence, queries, services, timelines
from .forms import (
    AssignForm,
    HandoffDoneForm,
    HandoffForm,
    MergeForm,
    NoteForm,
    PropertiesForm,
    ReplyForm,
    StatusForm,
)

# What the detail shows, loaded with the request in one query.
DETAIL_OPTIONS = (
    joinedload(Request.account).joinedload(Account.tier),
    joinedload(Request.requester),
    joinedload(Request.assignee),
    joinedload(Request.function),
)


def _team_request(team_id: int, request_id: int):
    """The request, to change it (the ORM object carries the version check)."""
    item = access.get_request(request_id, *DETAIL_OPTIONS)
    if item.team_id != team_id:
        abort(404)
    return item


def _shown(team_id: int, request_id: int) -> rows.RequestRow:
    """The request, to show it: one plain row, by the same rule as `_team_request`."""
    item = rows.get_row(current_user, request_id)
    if item.team_id != team_id:
        abort(404)
    return item


class _Forms(dict):
    """The page's forms, each built when the template first reads it: a closed or merged
    request shows neither the merge nor the handoff form, and builds neither."""

    def __init__(self, make, bound):
        super().__init__(bound)
        self._make = make

    def __missing__(self, key):
        form = self[key] = self._make[key]()
        return form


def _canned_prefill(item, bound) -> str | None:
    canned_id = request.args.get("canned", type=int)
    if canned_id and 0 < canned_id <= MAX_ID and "reply" not in bound:
        reply = db.session.get(CannedReply, canned_id)
        if reply is not None and reply.team_id == item.team_id:
            return canned.fill(reply.body, item, current_user)
    return None


# The owner and function menus: one list for the form drawn and the form posted.
def _owner_choices(team) -> list:
    return [("", "Nobody (unassigned)")] + [(m.id, m.name) for m in services.team_members(team)]


def _function_choices() -> list:
    return [("", "No function")] + [(f.id, f.name) for f in reference.functions()]


def _forms(team, item, prefill, **bound) -> _Forms:
    version = item.version

    def properties():
        form = PropertiesForm(
            formdata=None,
            version=version,
            assignee=item.assignee_id,
            # A new request is shown as open (update_properties leaves it new).
            status="open" if item.status == "new" else item.status,
            function=item.function_id,
            urgency=item.urgency,
        )
        _property_choices(form, team, item)
        return form

    make = {
        "reply": lambda: ReplyForm(formdata=None, version=version, body=prefill),
        "merge": lambda: MergeForm(formdata=None, version=version),
        "note": lambda: NoteForm(formdata=None, version=version),
        "properties": properties,
    }
    return _Forms(make, bound)


def _property_choices(form, team, item) -> None:
    """The menus of the properties form: one list for the form drawn and the form posted.
    An owner who has since left the team (or been deactivated) stays on offer, so saving
    the other properties never unassigns them."""
    owners = _owner_choices(team)
    owner = item.assignee
    if owner is not None and all(value != owner.id for value, _ in owners):
        owners.append((owner.id, f"{owner.name} (no longer in the team)"))
    form.assignee.choices = owners
    form.function.choices = _function_choices()


def _drawn_fields(team, item, prefill, bound) -> dict:
    """What each of the request page's form field groups prints besides constant markup,
    as its key in caching.FRAGMENTS; None for a posted form, drawn with its errors."""
    menus = (caching.team_stamp(team), caching.site())  # members; functions
    shortcuts = shortcuts_on()
    shown_status = "open" if item.status == "new" else item.status
    keys = {
        "properties": (*menus, item.assignee_id, shown_status, item.function_id, item.urgency),
        "merge": (),
        "reply": (item.id, prefill, shortcuts),  # its typing URL names the request
        "note": (shortcuts,),
    }
    return {name: None if name in bound else key for name, key in keys.items()}


def _handoff_form(item, formdata=None, function_id=None) -> HandoffForm:
    """The handoff form, its owner menu grouped by team with each person's level in the
    function chosen (posted, asked for by `function_id`, or the first). With htmx, choosing
    another function redraws only the owner menu, so nothing typed is lost."""
    form = HandoffForm(formdata=formdata)
    functions = {f.id: f for f in reference.functions() if f.active}
    form.function.choices = list((f.id, f.name) for f in functions.values())
    if formdata is None and function_id in functions:
        form.function.data = function_id
    function = functions.get(form.function.data) or next(iter(functions.values()), None)
    form.owner.choices = {"Automatic": [("", "Route by skill and load")]}
    if function is not None:
        form.owner.choices.update(services.handoff_owner_groups(function))
    form.waits_for.choices = [("", "Now")] + [
        (h.id, f"After {h.function.name} ({h.owner.name if h.owner else 'unowned'})")
        for h in handoffs.for_request(item)
        if h.is_open
    ]
    form.function.render_kw = {
        "hx-get": url_for("inbox.handoff_form", team_id=item.team_id, request_id=item.id),
        "hx-target": "#handoff-owner",
        "hx-select": "#handoff-owner",
        "hx-swap": "outerHTML",
    }
    return form


def _detail(
    team, request_id: int, http_status=200, held=None, fragment="inbox/_detail.html", **bound
):
    """The request page, read as plain rows (the view's ORM request, if any, is for
    changing it). `bound`: forms posted and refused (shown with their errors and what was
    typed), or asked for, by name; `held`, a reply or note held back by newer activity;
    `fragment`, what an htmx request gets of it."""
    item = _shown(team.id, request_id)
    people = reference.staff(team)
    members = [p for p in people if p.member]
    entries = timeline.every_entry(item)
    attachments = files.for_request(item, public_only=False) if item.has_files else {}
    canned_replies = reference.canned_replies(team)
    prefill = _canned_prefill(item, bound)
    handoff_rows = handoffs.for_request(item) if item.has_handoffs else []
    return render_page(
        "inbox/request.html",
        fragment,
        status=http_status,
        team=team,
        item=item,
        timeline=entries,
        attachments=attachments,
        timeline_key=timelines.key(item, entries, attachments),
        clock=queries.clocks_for([item], team)[item.id],
        other_open=lambda: services.other_open_requests(current_user, item),
        # The list is the team's own requests (caching.FRAGMENTS): any change to one moves
        # the team's activity, and the account's name its settings stamp.
        other_open_key=(caching.team_stamp(team), team.activity, item.account_id, item.id),
        forms=_forms(team, item, prefill, **bound),
        drawn_fields=_drawn_fields(team, item, prefill, bound),
        handoffs=handoff_rows,
        canned_replies=canned_replies,
        held=held,
        # "Assign to me" only for someone the owner picker offers (an admin outside the
        # team would be refused).
        can_take=any(m.id == current_user.id for m in members),
        # A refused quick action (Assign to me, Resolve) says why above the properties.
        quick_errors=[
            error
            for key in ("assign", "status")
            if key in bound
            for errors in bound[key].errors.values()
            for error in errors
        ],
        done_form=HandoffDoneForm(formdata=None) if handoff_rows else None,
    )


@bp.route("/requests/<int:request_id>")
@policy(TEAM_MEMBER)
def detail(team_id: int, request_id: int):
    return _detail(access.get_team(team_id), request_id)


HELD = ("reply", "note")


def _stale(team, item, key: str, form):
    """Someone changed the request since this person loaded it. A reply or note is held,
    words intact, until they have seen the new activity and send it again; any other change
    is refused with the latest state shown. Nothing is silently overwritten."""
    item = db.session.get(type(item), item.id)
    if key in HELD:
        # Sending again now confirms it. (A bound field renders what was posted, so the
        # raw value is replaced too.)
        form.version.data = item.version
        form.version.raw_data = [str(item.version)]
        flash(
            "New activity since you started: read the newest entries, then press send again "
            "to confirm (attach any files again). Nothing was sent yet.",
            "error",
        )
        return _detail(team, item.id, http_status=409, held=key, **{key: form})
    flash(
        "Someone else changed this request while you were looking at it. Its latest state is "
        "shown; nothing you sent was saved.",
        "error",
    )
    return _detail(team, item.id, http_status=409)


def _write(team_id: int, request_id: int, form_class, key: str, field: str, apply, done: str):
    """One shape for every change: validate, check the version, apply, commit once."""
    team = access.get_team(team_id)
    item = _team_request(team_id, request_id)
    form = form_class()
    if key == "assign":
        form.assignee.choices = _owner_choices(team)
    if key == "properties":
        _property_choices(form, team, item)
    if not form.validate_on_submit():
        return _detail(team, request_id, http_status=422, **{key: form})
    try:
        checked = files.check(form.attachments.data or []) if hasattr(form, "attachments") else []
    except files.FileRejected as error:
        form.attachments.errors.append(str(error))
        return _detail(team, request_id, http_status=422, **{key: form})
    try:
        errors.ensure_not_merged(item)
        requests.check_version(item, form.version.data)
        entry = apply(item, form)
        if checked:
            files.store(current_user, item, checked, entry=entry)
        db.session.commit()
    except (requests.StaleRequest, StaleDataError):
        db.session.rollback()
        return _stale(team, item, key, form)
    except requests.RequestError as error:
        db.session.rollback()
        getattr(form, field).errors.append(str(error))
        return _detail(team, request_id, http_status=422, **{key: form})
    flash(done() if callable(done) else done, "success")
    location = url_for("inbox.detail", team_id=team_id, request_id=request_id)
    return after_write(location, lambda: _detail(team, request_id))


@bp.route("/requests/<int:request_id>/merge", methods=["POST"])
@policy(TEAM_MEMBER)
def merge(team_id: int, request_id: int):
    def apply(item, form):
        survivor_id = id_from_reference(form.into.data)
        survivor = survivor_id and db.session.scalar(
            access.requests_visible_to(current_user).where(
                Request.id == survivor_id, Request.team_id == team_id
            )
        )
        if not survivor:
            raise requests.RequestError(f"No request {form.into.data} in this team's inbox.")
        merging.merge(current_user, item, survivor)

    return _write(
        team_id,
        request_id,
        MergeForm,
        "merge",
        "into",
        apply,
        "Merged: the timeline continues in the request you kept.",
    )


@bp.route("/requests/<int:request_id>/replies", methods=["POST"])
@policy(TEAM_MEMBER)
def reply(team_id: int, request_id: int):
    return _write(
        team_id,
        request_id,
        ReplyForm,
        "reply",
        "body",
        lambda item, f: requests.reply_as_staff(
            current_user, item, f.body.data, wait_for_customer=f.wait_for_customer.data
        ),
        "Reply sent to the customer.",
    )


@bp.route("/requests/<int:request_id>/notes", methods=["POST"])
@policy(TEAM_MEMBER)
def note(team_id: int, request_id: int):
    return _write(
        team_id,
        request_id,
        NoteForm,
        "note",
        "body",
        lambda item, f: requests.add_note(current_user, item, f.body.data),
        "Internal note added.",
    )


@bp.route("/requests/<int:request_id>/status", methods=["POST"])
@policy(TEAM_MEMBER)
def status(team_id: int, request_id: int):
    return _write(
        team_id,
        request_id,
        StatusForm,
        "status",
        "status",
        lambda item, f: requests.change_status(current_user, item, f.status.data),
        "Status changed.",
    )


@bp.route("/requests/<int:request_id>/owner", methods=["POST"])
@policy(TEAM_MEMBER)
def assign(team_id: int, request_id: int):
    return _write(
        team_id,
        request_id,
        AssignForm,
        "assign",
        "assignee",
        lambda item, f: requests.assign(
            current_user, item, db.session.get(User, f.assignee.data) if f.assignee.data else None
        ),
        "Owner changed.",
    )


@bp.route("/requests/<int:request_id>/properties", methods=["POST"])
@policy(TEAM_MEMBER)
def properties(team_id: int, request_id: int):
    """The pane's one Save for owner, status, function and urgency."""
    changed: list[str] = []

    def apply(item, form):
        owner, function = form.assignee.data, form.function.data
        changed.extend(
            requests.update_properties(
                current_user,
                item,
                assignee=db.session.get(User, owner) if owner else None,
                status=form.status.data,
                function=db.session.get(Function, function) if function else None,
                urgency=form.urgency.data,
            )
        )

    return _write(
        team_id,
        request_id,
        PropertiesForm,
        "properties",
        "assignee",
        apply,
        lambda: f"Saved: {', '.join(changed)}." if changed else "Nothing changed.",
    )


@bp.route("/requests/<int:request_id>/presence")
@policy(TEAM_MEMBER)
def who_else(team_id: int, request_id: int):
    """The poll: who else is here, and whether the request changed since it was opened.
    Answers 304 when nothing changed, so a page left open costs almost nothing."""
    team = access.get_team(team_id)
    item = _shown(team_id, request_id)
    if not is_partial():
        return redirect(url_for("inbox.detail", team_id=team_id, request_id=request_id))
    seen_version = request.args.get("version", type=int)
    present = presence.others(current_user, item)
    return conditional_poll(
        presence.etag(present, item.version, seen_version),
        lambda: render_page(
            "inbox/request.html",
            "inbox/_presence.html",
            team=team,
            item=item,
            present=present,
            changed=seen_version is not None and seen_version != item.version,
        ),
    )


@bp.route("/requests/<int:request_id>/presence", methods=["POST"])
@policy(TEAM_MEMBER)
def here(team_id: int, request_id: int):
    """The heartbeat: 'I am viewing' every 20 s, 'I am typing' while a reply is written."""
    item = _shown(team_id, request_id)
    presence.heartbeat(current_user, item, request.form.get("state", "viewing"))
    db.session.commit()
    return "", 204


@bp.route("/requests/<int:request_id>/handoffs/new")
@policy(TEAM_MEMBER)
def handoff_form(team_id: int, request_id: int):
    """The handoff form, asked for when its section of the request page opens: the form
    alone for htmx, else the request page with the form open."""
    team = access.get_team(team_id)
    item = _team_request(team_id, request_id)
    if not item.is_open:
        return redirect(url_for("inbox.detail", team_id=team_id, request_id=request_id))
    form = _handoff_form(item, function_id=request.args.get("function", type=int))
    return _detail(team, request_id, fragment="inbox/_handoff_form.html", handoff=form)


@bp.route("/requests/<int:request_id>/handoffs", methods=["POST"])
@policy(TEAM_MEMBER)
def hand_off(team_id: int, request_id: int):
    team = access.get_team(team_id)
    item = _team_request(team_id, request_id)
    form = _handoff_form(item, request.form)
    if form.validate_on_submit():
        try:
            handoff = handoffs.create(
                current_user,
                item,
                function=db.session.get(Function, form.function.data),
                owner=db.session.get(User, form.owner.data) if form.owner.data else None,
                what_is_needed=form.what_is_needed.data,
                due_in_hours=form.due_in_hours.data,
                waits_for=db.session.get(Handoff, form.waits_for.data)
                if form.waits_for.data
                else None,
            )
        except requests.RequestError as error:
            form.owner.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Handed to {handoff.owner.name} ({handoff.function.name}).", "success")
            location = url_for("inbox.detail", team_id=team_id, request_id=request_id)
            return after_write(location, lambda: _detail(team, request_id))
    return _detail(team, request_id, http_status=422, handoff=form)
