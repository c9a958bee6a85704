import uuid

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import access, acting, reference
from ..access import CONTACT, PUBLIC, policy
from ..extensions import db, limiter
from ..forms import query_args
from ..htmx import after_write, conditional_poll, is_partial, redirect_after_post, render_page
from ..inbox import timelines
from ..limits import LINK_POSTS, contact_write
from ..models import utcnow
from ..reader_zone import reader_zone_name
from ..requests import clock, files, handoffs, raising, ratings, rows, timeline
from ..requests import services as requests
from ..requests.errors import RequestError
from ..revalidation import revalidates
from ..workspace.services import team_people
from . import bp, services
from .forms import OTHER, FeedbackForm, RaiseRequestForm, RatingForm, ReplyForm, RequestFilterForm


def _list_filters() -> RequestFilterForm:
    filters = RequestFilterForm(request.args)
    if not filters.validate():
        abort(400)
    return filters


def _list_page(filters: RequestFilterForm):
    rows, next_cursor = services.list_requests(
        current_user,
        show=filters.show.data or "open",
        q=filters.q.data or "",
        after=request.args.get("after"),
    )
    return render_page(
        "customer/requests.html",
        "customer/_request_list.html",
        filters=filters,
        rows=rows,
        next_cursor=next_cursor,
        # The rows themselves (every value they print), who reads them ("raised by" is
        # only for a colleague's) on which clock, the filter and the paging it links with.
        list_key=(
            tuple(rows),
            current_user.id,
            reader_zone_name(),
            filters.show.data,
            filters.q.data,
            next_cursor,
            bool(request.args.get("after")),
        ),
    )


@bp.route("/")
@policy(CONTACT)
def home():
    """My requests: the contact's front page."""
    return _list_page(_list_filters())


@bp.route("/updates")
@policy(CONTACT)
def list_updates():
    """The list's poll: 304 until one of the listed requests changes."""
    filters = _list_filters()
    if not is_partial():
        return redirect(url_for("customer.home", **query_args()))
    fingerprint = services.list_fingerprint(
        current_user, show=filters.show.data or "open", q=filters.q.data or ""
    )
    return conditional_poll(fingerprint, lambda: _list_page(filters))


def _team_data():
    accounts = access.contact_accounts(current_user)
    teams = {account.team_id: account.team for account in accounts}
    people = {team_id: team_people(team) for team_id, team in teams.items()}
    return accounts, people, teams


@bp.route("/team")
@policy(CONTACT)
def team():
    return _team_page(*_team_data())


@bp.route("/feedback", methods=["POST"])
@policy(CONTACT)
@contact_write
def feedback():
    accounts, people, teams = _team_data()
    form = _feedback_form(accounts, request.form)
    if form.validate_on_submit():
        account = next(a for a in accounts if a.id == form.account.data)
        services.give_feedback(current_user, account, form.kind.data, form.body.data)
        db.session.commit()
        flash(f"Thank you: {account.team.name} will read it.", "success")
        return redirect_after_post(url_for("customer.team"))
    return _team_page(accounts, people, teams, feedback_form=form, status=422)


def _feedback_form(accounts, formdata=None) -> FeedbackForm:
    form = FeedbackForm(formdata=formdata)
    form.account.choices = [(a.id, a.name) for a in accounts]
    return form


def _named_first(people, named_id):
    """The account's named member first (the one the customer knows by name), then the
    rest as the team lists them."""
    return sorted(people, key=lambda row: row[0].user_id != named_id) if named_id else people


def _team_page(accounts, people, teams, feedback_form=None, status=200):
    return render_page(
        "customer/team.html",
        status=status,
        feedback_form=feedback_form or _feedback_form(accounts),
        accounts=accounts,
        people={a.id: _named_first(people[a.team_id], a.named_member_id) for a in accounts},
        promises={a.id: services.service_promises(a) for a in accounts},
        weeks={team_id: clock.describe_week(reference.calendar(t)) for team_id, t in teams.items()},
    )


def _raise_form(formdata=None) -> RaiseRequestForm:
    form = RaiseRequestForm(formdata=formdata)
    accounts = access.contact_accounts(current_user)
    if not accounts:
        abort(403)
    form.account.choices = [(a.id, a.name) for a in accounts]
    if form.account.data is None:
        form.account.data = accounts[0].id
    functions = sorted((f for f in reference.functions() if f.active), key=lambda f: f.id)
    form.about.choices = [(str(f.id), (f.customer_label or f.name).capitalize()) for f in functions]
    form.about.choices.append((OTHER, "Something else"))
    if not form.idempotency_key.data:
        form.idempotency_key.data = uuid.uuid4().hex
    form.accounts_by_id = {a.id: a for a in accounts}
    form.functions_by_id = {str(f.id): f for f in functions}
    return form


@bp.route("/requests/new", methods=["GET", "POST"])
@policy(CONTACT)
@contact_write
def new_request():
    form = _raise_form(request.form if request.method == "POST" else None)
    if request.method == "POST":
        form.attachments.data = request.files.getlist(form.attachments.name)
    checked = _checked_files(form) if form.validate_on_submit() else None
    if checked is not None:
        try:
            raised, created = _raise(form)
        except RequestError as error:
            # Nothing was written: end the transaction (on SQLite, the write lock the
            # INSERT took) before rendering, so other posts need not wait for the page.
            db.session.rollback()
            flash(str(error), "error")
            return render_page("customer/new_request.html", status=409, form=form)
        if created:
            files.store(current_user, raised, checked)
        # Read before the commit expires it: afterwards each would cost a reload.
        request_id, reference = raised.id, raised.reference
        db.session.commit()
        if created:
            flash(
                f"Thank you. Your request is {reference}; we will keep you posted here.",
                "success",
            )
        return redirect_after_post(url_for("customer.request", request_id=request_id))
    status = 422 if request.method == "POST" else 200
    return render_page("customer/new_request.html", status=status, form=form)


def _raise(form):
    return raising.raise_request(
        current_user,
        raising.NewRequest(
            account=form.accounts_by_id[form.account.data],
            function=form.functions_by_id.get(form.about.data),
            subject=form.subject.data,
            description=form.description.data,
            urgency=form.urgency.data,
            expected_by=form.expected_by.data,
            expected_outcome=form.expected_outcome.data or "",
            idempotency_key=form.idempotency_key.data,
        ),
    )


def _checked_files(form):
    """The form's files, checked; None (with the error on the form) when one is refused."""
    try:
        return files.check(form.attachments.data or [])
    except files.FileRejected as error:
        form.attachments.errors.append(str(error))
        return None


def _live_context(item) -> dict:
    entries = timeline.public_entries(item)
    # Only "assigned" events name someone: no other entry's data is parsed.
    people = services.people_named(
        (e.data.get("assignee_id") for e in entries if e.event == "assigned"), item.assignee
    )
    attachments = files.for_request(item, public_only=True) if item.has_files else {}
    handed = handoffs.for_request(item) if item.has_handoffs else []
    return {
        "timeline": entries,
        "people": people,
        "attachments": attachments,
        "timeline_key": timelines.public_key(item, entries, attachments, people, current_user.id),
        "progress": handoffs.progress_line(handed),
    }


def _request_page(request_id: int, reply_form=None, status=200, rating_form=None):
    """The request page, read as plain rows (the view's ORM request, if any, is for
    changing it)."""
    item = rows.get_row(current_user, request_id, public=True)
    # Resolve, reopen and rate are the requester's: a colleague sees none of them.
    as_requester = acting.can_act_as_requester(current_user, item)
    # Only the requester of a resolved request sees the rating: no query, no form otherwise.
    can_rate = ratings.can_rate(current_user, item)
    rating = ratings.rating_of(item) if can_rate else None
    if can_rate and rating_form is None:
        rating_form = RatingForm(
            formdata=None,
            score=str(rating.score) if rating else None,
            comment=rating.comment if rating else "",
        )
    return render_page(
        "customer/request.html",
        "customer/_conversation.html",
        status=status,
        item=item,
        **_live_context(item),
        # Only an open request takes replies. `reply_form`: posted and refused; an empty one
        # is built only if its fields are drawn (not kept in caching.FRAGMENTS).
        reply_form=reply_form,
        new_reply_form=lambda: ReplyForm(formdata=None),
        as_requester=as_requester,
        can_reopen=as_requester and requests.can_reopen(item),
        reopen_deadline=requests.reopen_deadline(item),
        can_rate=can_rate,
        rating=rating,
        rating_form=rating_form,
        rating_deadline=ratings.change_deadline(rating),
        rating_open=rating is None or utcnow() <= ratings.change_deadline(rating),
    )


@bp.route("/requests/<int:request_id>", endpoint="request")
@policy(CONTACT)
def show_request(request_id: int):
    return _request_page(request_id)


def _done(request_id: int, message: str, category: str = "success"):
    flash(message, category)
    location = url_for("customer.request", request_id=request_id)
    return after_write(location, lambda: _request_page(request_id))


def _poll_etag(request_id: int, version: int) -> str:
    return f"request-{request_id}-v{version}"


@bp.route("/requests/<int:request_id>/updates")
@policy(CONTACT)
def request_updates(request_id: int):
    """The request page's poll: 304 until the request changes (its version moves with every
    change), then the live parts of the page. Forms are not in it, so typing is never lost.
    Most 304s are answered before the app by the revalidator below."""
    version = access.get_request_version(request_id)
    if not is_partial():
        return redirect(url_for("customer.request", request_id=request_id))
    return conditional_poll(_poll_etag(request_id, version), lambda: _live_part(request_id))


@revalidates("customer.request_updates", CONTACT)
def _current_poll_etag(scalar, signed, request_id: int) -> str | None:
    version = access.contact_request_version(
        scalar, signed.user_id, signed.session_version, signed.session_hash, request_id
    )
    return None if version is None else _poll_etag(request_id, version)


def _live_part(request_id: int):
    """The poll's answer when something changed: only then is the request loaded (at a
    version no older than the ETag's, so at worst the next poll renders once more)."""
    item = rows.get_row(current_user, request_id, public=True)
    return render_page(
        "customer/request.html",
        "customer/_live.html",
        item=item,
        live_poll=True,
        **_live_context(item),
    )


@bp.route("/requests/<int:request_id>/replies", methods=["POST"])
@policy(CONTACT)
@contact_write
def reply(request_id: int):
    item = access.get_request(request_id)
    form = ReplyForm()
    checked = _checked_files(form) if form.validate_on_submit() else None
    if checked is not None:
        try:
            entry = requests.reply_as_contact(current_user, item, form.body.data)
        except RequestError as error:
            form.body.errors.append(str(error))
        else:
            files.store(current_user, item, checked, entry=entry)
            db.session.commit()
            return _done(request_id, "Your reply is added.")
    return _request_page(request_id, form, status=422)


def _action(request_id: int, item, action, message: str):
    try:
        action(current_user, item)
    except RequestError as error:
        return _refused(request_id, error)
    db.session.commit()
    return _done(request_id, message)


def _refused(request_id: int, error):
    flash(str(error), "error")
    return after_write(
        url_for("customer.request", request_id=request_id),
        lambda: _request_page(request_id, status=409),
    )


@bp.route("/requests/<int:request_id>/rating", methods=["POST"])
@policy(CONTACT)
@contact_write
def rate(request_id: int):
    item = acting.get_own_request(request_id)
    form = RatingForm()
    if form.validate_on_submit():
        try:
            ratings.rate(current_user, item, int(form.score.data), form.comment.data or "")
        except RequestError as error:
            form.score.errors.append(str(error))
            flash(str(error), "error")  # also shown when the form itself is gone
        else:
            db.session.commit()
            return _done(request_id, "Thank you: your rating is saved.")
    return _request_page(request_id, status=422, rating_form=form)


@bp.route("/rate/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
@limiter.limit(LINK_POSTS, methods=["POST"])
def rate_by_link(token: str):
    """From the resolution mail: opens a page; only the confirming post records. The link
    acts for the requester only while they may still rate the request themselves."""
    item = ratings.request_for_token(token)
    if item is None:
        return render_page("customer/rating_link_invalid.html", status=404)
    if not ratings.link_may_rate(item):
        return render_page("customer/rating_link_invalid.html", status=404, reason="refused")
    form = RatingForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET" and request.args.get("score") in {"1", "2", "3", "4", "5"}:
        form.score.data = request.args["score"]
    done = False
    if request.method == "POST" and form.validate():
        try:
            ratings.rate(item.requester, item, int(form.score.data), form.comment.data or "")
        except RequestError as error:
            form.score.errors.append(str(error))
        else:
            db.session.commit()
            done = True
    status = 422 if form.errors else 200
    return render_page(
        "customer/rate_by_link.html", status=status, item=item, form=form, done=done, token=token
    )


@bp.route("/requests/<int:request_id>/chase", methods=["POST"])
@policy(CONTACT)
@contact_write
def chase(request_id: int):
    """Anyone who sees the request may ask for an update, a colleague too; asking again
    soon is acknowledged and writes nothing."""
    item = access.get_request(request_id)
    try:
        earlier = requests.chase(current_user, item)
    except RequestError as error:
        return _refused(request_id, error)
    if earlier is not None:  # nothing written, nothing to commit
        message = f"You asked for an update {_ago(earlier)}; the team has it."
        return _done(request_id, message, "info")
    db.session.commit()
    return _done(request_id, "We have let your team know you are waiting for an update.")


def _ago(moment) -> str:
    minutes = int((utcnow() - moment).total_seconds() // 60)
    if minutes < 1:
        return "a moment ago"
    return f"{minutes} minute{'s' if minutes != 1 else ''} ago"


@bp.route("/requests/<int:request_id>/resolve", methods=["POST"])
@policy(CONTACT)
@contact_write
def resolve(request_id: int):
    item = acting.get_own_request(request_id)
    return _action(request_id, item, requests.resolve_as_contact, "Marked as resolved. Thank you.")


@bp.route("/requests/<int:request_id>/reopen", methods=["POST"])
@policy(CONTACT)
@contact_write
def reopen(request_id: int):
    item = acting.get_own_request(request_id)
    return _action(request_id, item, requests.reopen, "Reopened: your team will pick it up again.")
