from typing import NamedTuple

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from .. import access, caching, reference
from ..access import TEAM_MEMBER, policy
from ..extensions import db
from ..forms import EmptyForm, query_args, shortcuts_on
from ..htmx import after_write, conditional_poll, is_partial, redirect_after_post, render_page
from ..models import (
    Account,
    CannedReply,
    Function,
    Request,
    User,
    id_from_reference,
    utcnow,
)
from ..requests import errors, files, handoffs, merging, timeline
from ..requests import services as requests
from ..web import MAX_ID
from . import bp, canned, presence, queries, services, timelines
from .forms import (
    AssignForm,
    BulkForm,
    CannedReplyForm,
    ClassifyForm,
    HandoffDoneForm,
    HandoffForm,
    InboxFilterForm,
    MergeForm,
    NoteForm,
    ReplyForm,
    StatusForm,
)


def _members(team) -> list[reference.StaffRef]:
    return [p for p in reference.staff(team) if p.member]


def _functions():
    return reference.functions()


def _filter_form(members) -> InboxFilterForm:
    form = InboxFilterForm(request.args)
    form.function.choices = [("", "Any function")] + [(f.id, f.name) for f in _functions()]
    form.tier.choices = [("", "Any tier")] + [(t.id, t.name) for t in reference.tiers()]
    form.assignee.choices = [("", "Anyone")] + [(m.id, m.name) for m in members]
    return form


def _inbox_filters(members):
    form = _filter_form(members)
    # With nothing asked for (the default view) there is nothing to check: every filter is
    # optional, and its data was set when the form was built, not by validate().
    if request.args and not form.validate():
        abort(400)
    filters = queries.InboxFilter(
        view=form.view.data or "open",
        function_id=form.function.data,
        tier_id=form.tier.data,
        urgency=form.urgency.data or None,
        assignee_id=form.assignee.data,
        account_id=form.account.data,
        account_name=form.account_name.data or "",
        status=form.status.data or None,
        q=form.q.data or "",
        after=request.args.get("after"),
    )
    return form, filters


def _narrowed_to(team, account_id: int | None) -> str | None:
    """The name of the one account a link narrowed the inbox to (400 if it is not one of
    the team's accounts this person may see, as a bad filter value always was)."""
    if not account_id:
        return None
    name = db.session.scalar(
        access.accounts_visible_to(current_user)
        .with_only_columns(Account.name)
        .where(Account.team_id == team.id, Account.id == account_id)
    )
    if name is None:
        abort(400)
    return name


class Listing(NamedTuple):
    """A page of the inbox, rendered: what the cache keeps."""

    html: Markup  # the table and its pager
    count: int


def filter_args(filters: queries.InboxFilter) -> dict:
    """The query values of a view, from the validated filter form's values only: what the
    cached rows' links carry (never the raw query string, whose extra values would reach
    every teammate served the same rows)."""
    values = {
        "view": filters.view if filters.view != "open" else None,
        "function": filters.function_id,
        "tier": filters.tier_id,
        "urgency": filters.urgency,
        "assignee": filters.assignee_id,
        "account": filters.account_id,
        "account_name": filters.account_name,
        "status": filters.status,
        "q": filters.q,
    }
    return {name: value for name, value in values.items() if value}


def _listing(team, filters, now) -> Listing:
    rows, next_cursor = queries.inbox_page(current_user, team, filters, now)
    next_url = next_cursor and url_for(
        "inbox.index", team_id=team.id, **filter_args(filters), after=next_cursor
    )
    html = render_template(
        "inbox/_rows.html",
        team=team,
        filters=filters,
        rows=rows,
        clocks=queries.clocks_for(rows, team, now),
        views=queries.VIEWS,
        next_url=next_url,
    )
    # Our own template's output: everything in it was autoescaped when it was rendered.
    return Listing(Markup(html), len(rows))  # noqa: S704


@bp.route("/inbox")
@policy(TEAM_MEMBER)
def index(team_id: int):
    team = access.get_team(team_id)
    members = _members(team)
    form, filters = _inbox_filters(members)
    now = utcnow()
    # What every cached piece of a team's inbox is drawn from besides its own inputs.
    stamps = {
        "team": (team.id, team.created_at),
        "activity": team.activity,
        "settings": team.settings_version,
        "site": caching.site(),
        "minute": int(now.timestamp() // 60),
    }
    quiet = listing = None
    if filters.view == "quiet":
        quiet = queries.quiet_accounts(current_user, team, current_app.config["QUIET_DAYS"], now)
    else:
        listing = caching.INBOX_ROWS.get(
            lambda: _listing(team, filters, now),
            **stamps,
            reader=current_user.id if filters.view in queries.PERSONAL_VIEWS else None,
            filters=filters,
            script_root=request.script_root,
        )
    counts = caching.INBOX_COUNTS.get(
        lambda: queries.view_counts(current_user, team, now), **stamps, reader=current_user.id
    )
    bulk = BulkForm(formdata=None)
    bulk.assignee.choices = [("", "Keep owner")] + [(m.id, m.name) for m in members]
    args = query_args("after", "seen")
    narrowed_to = _narrowed_to(team, filters.account_id)
    # The menus list the team's members (settings) and the functions and tiers (site).
    menus = (stamps["team"], stamps["settings"], stamps["site"])
    return render_page(
        "inbox/index.html",
        "inbox/_list.html",
        team=team,
        form=form,
        filters=filters,
        narrowed_to=narrowed_to,
        drawn_filters=(
            *menus,
            tuple(filter_args(filters).items()),
            narrowed_to,
            shortcuts_on(),
        ),
        drawn_bulk=menus,
        listing=listing,
        updates_url=url_for("inbox.updates", team_id=team_id, seen=team.activity, **args),
        counts=counts,
        quiet=quiet,
        quiet_days=current_app.config["QUIET_DAYS"],
        views=queries.VIEWS,
        bulk=bulk,
    )


@bp.route("/inbox/updates")
@policy(TEAM_MEMBER)
def updates(team_id: int):
    """The inbox's poll. It never replaces the list under someone's selection; it says
    there is news in the team's requests and offers a refresh, and answers 304 while
    nothing changes: the team's activity number (loaded with the team by the policy
    check) is all it compares."""
    team = access.get_team(team_id)
    if not is_partial():
        return redirect(url_for("inbox.index", team_id=team_id, **query_args()))
    now_print = str(team.activity)
    seen = request.args.get("seen", "")
    args = query_args("after", "seen")
    return conditional_poll(
        f"inbox-{now_print}-{seen}",
        lambda: render_page(
            "inbox/index.html",
            "inbox/_news.html",
            changed=now_print != seen,
            refresh_url=url_for("inbox.index", team_id=team_id, **args),
        ),
    )


# What the detail shows, loaded with the request in one query.
DETAIL_OPTIONS = (
    joinedload(Request.account).joinedload(Account.tier),
    joinedload(Request.requester),
    joinedload(Request.assignee),
    joinedload(Request.function),
)


def _team_request(team_id: int, request_id: int):
    item = access.get_request(request_id, *DETAIL_OPTIONS)
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


def _forms(team, item, prefill, **bound) -> _Forms:
    version = item.version

    def assign():
        form = AssignForm(formdata=None, version=version, assignee=item.assignee_id)
        form.assignee.choices = [("", "Nobody (unassigned)")] + [
            (m.id, m.name) for m in _members(team)
        ]
        return form

    def classify():
        form = ClassifyForm(
            formdata=None, version=version, function=item.function_id, urgency=item.urgency
        )
        form.function.choices = [("", "No function")] + [(f.id, f.name) for f in _functions()]
        return form

    def status():
        # A new request is shown as open: saving the status form opens it.
        shown = "open" if item.status == "new" else item.status
        return StatusForm(formdata=None, version=version, status=shown)

    make = {
        "reply": lambda: ReplyForm(formdata=None, version=version, body=prefill),
        "merge": lambda: MergeForm(formdata=None, version=version),
        "note": lambda: NoteForm(formdata=None, version=version),
        "status": status,
        "assign": assign,
        "classify": classify,
    }
    posted = bound.get("status")
    if posted is not None and posted.status.data == "new":
        posted.status.data = "open"
    return _Forms(make, bound)


def _drawn_fields(team, item, prefill, bound) -> dict:
    """What each of the request page's form field groups prints besides constant markup,
    as its key in caching.FRAGMENTS; None for a posted form, drawn with its errors."""
    menus = (caching.team_stamp(team), caching.site())  # members; functions
    shortcuts = shortcuts_on()
    keys = {
        "assign": (*menus, item.assignee_id),
        "status": ("open" if item.status == "new" else item.status,),
        "classify": (*menus, item.function_id, item.urgency),
        "reply": (item.id, prefill, shortcuts),  # its typing URL names the request
        "note": (shortcuts,),
    }
    return {name: None if name in bound else key for name, key in keys.items()}


def _handoff_form(team, formdata=None) -> HandoffForm:
    form = HandoffForm(formdata=formdata)
    form.function.choices = [(f.id, f.name) for f in _functions() if f.active]
    everyone = reference.staff(team)  # a handoff may go to anyone
    form.owner.choices = [("", "Route by skill and load")] + [(p.id, p.name) for p in everyone]
    return form


def _detail(team, item, http_status=200, held=None, fragment="inbox/_detail.html", **bound):
    """The request page. `bound`: forms posted and refused (shown with their errors and
    what was typed), or asked for, by name; `held`, a reply or note held back by newer
    activity; `fragment`, what an htmx request gets of it."""
    people = reference.staff(team)
    members = [p for p in people if p.member]
    entries = timeline.every_entry(item)
    attachments = files.for_request(item, public_only=False)
    canned_replies = reference.canned_replies(team)
    prefill = _canned_prefill(item, bound)
    handoff_rows = handoffs.for_request(item)
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
        other_open=services.other_open_requests(current_user, item),
        forms=_forms(team, item, prefill, **bound),
        drawn_fields=_drawn_fields(team, item, prefill, bound),
        handoffs=handoff_rows,
        canned_replies=canned_replies,
        held=held,
        # "Assign to me" only for someone the owner picker offers (an admin outside the
        # team would be refused).
        can_take=any(m.id == current_user.id for m in members),
        done_form=HandoffDoneForm(formdata=None) if handoff_rows else None,
    )


@bp.route("/requests/<int:request_id>")
@policy(TEAM_MEMBER)
def detail(team_id: int, request_id: int):
    team = access.get_team(team_id)
    return _detail(team, _team_request(team_id, request_id))


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
        return _detail(team, item, http_status=409, held=key, **{key: form})
    flash(
        "Someone else changed this request while you were looking at it. Its latest state is "
        "shown; nothing you sent was saved.",
        "error",
    )
    return _detail(team, item, http_status=409)


def _write(team_id: int, request_id: int, form_class, key: str, field: str, apply, done: str):
    """One shape for every change: validate, check the version, apply, commit once."""
    team = access.get_team(team_id)
    item = _team_request(team_id, request_id)
    form = form_class()
    if key == "assign":
        form.assignee.choices = [("", "Nobody")] + [(m.id, m.name) for m in _members(team)]
    if key == "classify":
        form.function.choices = [("", "No function")] + [(f.id, f.name) for f in _functions()]
    if not form.validate_on_submit():
        return _detail(team, item, http_status=422, **{key: form})
    try:
        checked = files.check(form.attachments.data or []) if hasattr(form, "attachments") else []
    except files.FileRejected as error:
        form.attachments.errors.append(str(error))
        return _detail(team, item, http_status=422, **{key: form})
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
        return _detail(team, item, http_status=422, **{key: form})
    flash(done, "success")
    location = url_for("inbox.detail", team_id=team_id, request_id=request_id)
    return after_write(location, lambda: _detail(team, item))


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


@bp.route("/canned")
@policy(TEAM_MEMBER)
def canned_replies(team_id: int):
    team = access.get_team(team_id)
    return _canned_page(team, CannedReplyForm(formdata=None))


def _canned_page(team, form, status=200):
    return render_page(
        "inbox/canned.html",
        "inbox/_canned.html",
        status=status,
        team=team,
        form=form,
        replies=canned.for_team(team),
        placeholders=canned.PLACEHOLDERS,
        delete_form=EmptyForm(),
    )


@bp.route("/canned", methods=["POST"])
@policy(TEAM_MEMBER)
def add_canned_reply(team_id: int):
    team = access.get_team(team_id)
    form = CannedReplyForm()
    if form.validate_on_submit():
        try:
            canned.create(current_user, team, form.title.data, form.body.data)
        except requests.RequestError as error:
            form.title.errors.append(str(error))
        else:
            db.session.commit()
            flash("Canned reply saved.", "success")
            return after_write(
                url_for("inbox.canned_replies", team_id=team_id),
                lambda: _canned_page(team, CannedReplyForm(formdata=None)),
            )
    return _canned_page(team, form, status=422)


@bp.route("/canned/<int:reply_id>/delete", methods=["POST"])
@policy(TEAM_MEMBER)
def delete_canned_reply(team_id: int, reply_id: int):
    team = access.get_team(team_id)
    reply = db.session.get(CannedReply, reply_id)
    if reply is None or reply.team_id != team_id:
        abort(404)
    canned.delete(current_user, reply)
    db.session.commit()
    flash("Canned reply deleted.", "success")
    return after_write(
        url_for("inbox.canned_replies", team_id=team_id),
        lambda: _canned_page(team, CannedReplyForm(formdata=None)),
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


@bp.route("/requests/<int:request_id>/classification", methods=["POST"])
@policy(TEAM_MEMBER)
def classify(team_id: int, request_id: int):
    return _write(
        team_id,
        request_id,
        ClassifyForm,
        "classify",
        "function",
        lambda item, f: requests.reclassify(
            current_user,
            item,
            function=db.session.get(Function, f.function.data) if f.function.data else None,
            urgency=f.urgency.data,
        ),
        "Function and urgency saved; the service clock follows.",
    )


@bp.route("/requests/<int:request_id>/presence")
@policy(TEAM_MEMBER)
def who_else(team_id: int, request_id: int):
    """The poll: who else is here, and whether the request changed since it was opened.
    Answers 304 when nothing changed, so a page left open costs almost nothing."""
    team = access.get_team(team_id)
    item = _team_request(team_id, request_id)
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
    item = _team_request(team_id, request_id)
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
    form = _handoff_form(team)
    return _detail(team, item, fragment="inbox/_handoff_form.html", handoff=form)


@bp.route("/requests/<int:request_id>/handoffs", methods=["POST"])
@policy(TEAM_MEMBER)
def hand_off(team_id: int, request_id: int):
    team = access.get_team(team_id)
    item = _team_request(team_id, request_id)
    form = _handoff_form(team, request.form)
    if form.validate_on_submit():
        try:
            handoff = handoffs.create(
                current_user,
                item,
                function=db.session.get(Function, form.function.data),
                owner=db.session.get(User, form.owner.data) if form.owner.data else None,
                what_is_needed=form.what_is_needed.data,
                due_in_hours=form.due_in_hours.data,
            )
        except requests.RequestError as error:
            form.owner.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Handed to {handoff.owner.name} ({handoff.function.name}).", "success")
            location = url_for("inbox.detail", team_id=team_id, request_id=request_id)
            return after_write(location, lambda: _detail(team, item))
    return _detail(team, item, http_status=422, handoff=form)


@bp.route("/inbox/bulk", methods=["POST"])
@policy(TEAM_MEMBER)
def bulk(team_id: int):
    team = access.get_team(team_id)
    form = BulkForm()
    form.assignee.choices = [("", "Keep owner")] + [(m.id, m.name) for m in _members(team)]
    back = request.form.get("back") or url_for("inbox.index", team_id=team_id)
    if not back.startswith(url_for("inbox.index", team_id=team_id)):
        back = url_for("inbox.index", team_id=team_id)
    if not form.validate_on_submit() or not form.ids.data:
        flash("Select at least one request and a change to make.", "error")
        return redirect_after_post(back)
    try:
        changed = services.bulk_change(
            current_user,
            team,
            form.ids.data,
            assignee_id=form.assignee.data,
            status=form.status.data or None,
        )
    except requests.RequestError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{changed} request{'s' if changed != 1 else ''} updated.", "success")
    return redirect_after_post(back)
