"""The shared inbox: the fair queue's views, filters and search, its poll, and changes to
many requests at once."""

from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from .. import access, caching, reference
from ..access import TEAM_MEMBER, policy
from ..extensions import db
from ..forms import prefix_ids, query_args, shortcuts_on
from ..htmx import conditional_poll, is_partial, redirect_after_post, render_page
from ..models import (
    Account,
    utcnow,
)
from ..reader_zone import reader_zone_name
from ..requests import services as requests
from . import bp, queries, saved_views, services
from .forms import (
    BulkForm,
    InboxFilterForm,
    SaveViewForm,
)


def _filter_form(members, args) -> InboxFilterForm:
    form = InboxFilterForm(args)
    form.function.choices = [("", "Any function")] + [(f.id, f.name) for f in reference.functions()]
    form.tier.choices = [("", "Any tier")] + [(t.id, t.name) for t in reference.tiers()]
    form.assignee.choices = [("", "Anyone")] + [(m.id, m.name) for m in members]
    return form


def _inbox_filters(members, args):
    form = _filter_form(members, args)
    # With nothing asked for (the default view) there is nothing to check: every filter is
    # optional, and its data was set when the form was built, not by validate().
    if args and not form.validate():
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
        after=args.get("after"),
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
    count: int  # rows on this page
    found: int | None  # requests a search or filter finds (up to COUNT_CAP + 1), else None


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


def narrowing(filters: queries.InboxFilter) -> bool:
    """Whether a search or filter narrows the view (the view's own count no longer says how
    many there are)."""
    return any(name != "view" for name in filter_args(filters))


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
        previews=queries.latest_messages([item.id for item in rows]),
        clocks=queries.clocks_for(rows, team, now),
        views=queries.VIEWS,
        next_url=next_url,
        now=now,
    )
    found = None
    if narrowing(filters) and not filters.after:
        found = queries.count_matching(current_user, team, filters, now)
    # Our own template's output: everything in it was autoescaped when it was rendered.
    return Listing(Markup(html), len(rows), found)  # noqa: S704


@bp.route("/inbox")
@policy(TEAM_MEMBER)
def index(team_id: int):
    return _inbox_page(access.get_team(team_id), request.args)


def _inbox_page(team, args, save_form: SaveViewForm | None = None):
    """The inbox for filter values `args`: the query string, or the filters a view was
    being saved with (shown again with the save form's errors, 422)."""
    members = services.team_members(team)
    form, filters = _inbox_filters(members, args)
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
            zone=reader_zone_name(),
            reader=current_user.id if filters.view in queries.PERSONAL_VIEWS else None,
            filters=filters,
            script_root=request.script_root,
        )
    counts = caching.INBOX_COUNTS.get(
        lambda: queries.view_counts(current_user, team, now), **stamps, reader=current_user.id
    )
    kept_args = query_args("after", "seen", args=args)
    narrowed_to = _narrowed_to(team, filters.account_id)
    # The menus list the team's members (settings) and the functions and tiers (site).
    menus = (stamps["team"], stamps["settings"], stamps["site"])
    query = urlencode(filter_args(filters))
    return render_page(
        "inbox/index.html",
        "inbox/_list.html",
        status=422 if save_form is not None else 200,
        team=team,
        form=form,
        filters=filters,
        query=query,
        own_views=saved_views.views_of(current_user, team),
        save_form=save_form,  # posted and refused; else one is offered once filters are set
        new_save_form=lambda: SaveViewForm(formdata=None, query=query),
        narrowed_to=narrowed_to,
        drawn_filters=(
            *menus,
            tuple(filter_args(filters).items()),
            narrowed_to,
            shortcuts_on(),
        ),
        drawn_bulk=menus,
        listing=listing,
        narrowed=narrowing(filters),
        updates_url=url_for("inbox.updates", team_id=team.id, seen=team.activity, **kept_args),
        # Where a bulk change returns: this view, also when drawn for a refused save.
        back_url=url_for("inbox.index", team_id=team.id, **query_args("seen", args=args)),
        counts=counts,
        quiet=quiet,
        quiet_days=current_app.config["QUIET_DAYS"],
        views=queries.VIEWS,
        # Built only when the bulk bar is drawn, not found in the cache. The page's ids are
        # the rows' own hidden field, so the form's fields are never drawn hidden here.
        bulk_form=lambda: _bulk_form(members, formdata=None),
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


@bp.route("/inbox/views", methods=["POST"])
@policy(TEAM_MEMBER)
def save_view(team_id: int):
    """Save the inbox's current filters as a view of the person's own."""
    team = access.get_team(team_id)
    form = SaveViewForm()
    # The filters are checked as the inbox checks them (400 for values no menu offers), and
    # stored as the inbox would write them, never as posted.
    members = services.team_members(team)
    args = MultiDict(parse_qsl(form.query.data or "", keep_blank_values=False))
    _, filters = _inbox_filters(members, args)
    query = urlencode(filter_args(filters))
    if form.validate_on_submit():
        try:
            saved_views.save(current_user, team, form.name.data, query)
        except requests.RequestError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Saved “{form.name.data}” among your views.", "success")
            return redirect_after_post(url_for("inbox.index", team_id=team_id) + "?" + query)
    return _inbox_page(team, args, save_form=form)


@bp.route("/inbox/views/<int:view_id>")
@policy(TEAM_MEMBER)
def open_view(team_id: int, view_id: int):
    """A saved view, opened from the rail. Filters that no longer apply (an owner who left
    the team, a function switched off) are dropped with a word, not refused with a 400."""
    team = access.get_team(team_id)
    view = saved_views.own_view(current_user, team, view_id)
    if view is None:
        abort(404)
    args = MultiDict(parse_qsl(view.query))
    form = _filter_form(services.team_members(team), args)
    if not form.validate():
        labels = [getattr(form, name).label.text.lower() for name in form.errors]
        for name in form.errors:
            args.poplist(name)
        flash(
            f"The {', '.join(labels)} of “{view.name}” no longer applies: showing the rest.",
            "error",
        )
    query = urlencode(list(args.items(multi=True)))
    return redirect(url_for("inbox.index", team_id=team_id) + (f"?{query}" if query else ""))


@bp.route("/inbox/views/<int:view_id>/delete", methods=["POST"])
@policy(TEAM_MEMBER)
def delete_view(team_id: int, view_id: int):
    team = access.get_team(team_id)
    view = saved_views.own_view(current_user, team, view_id)
    if view is None:
        abort(404)
    name = view.name
    saved_views.delete(view)
    db.session.commit()
    flash(f"Deleted your view “{name}”.", "success")
    return redirect_after_post(url_for("inbox.index", team_id=team_id))


def _bulk_form(members, **kwargs) -> BulkForm:
    """The bulk bar's form, with the same owner menu drawn and posted; its ids are its own,
    since the filters above have an owner and a status menu too."""
    form = prefix_ids(BulkForm(**kwargs), "bulk")
    form.assignee.choices = [("", "Keep owner")] + [(m.id, m.name) for m in members]
    return form


@bp.route("/inbox/bulk", methods=["POST"])
@policy(TEAM_MEMBER)
def bulk(team_id: int):
    team = access.get_team(team_id)
    form = _bulk_form(services.team_members(team))
    back = request.form.get("back") or url_for("inbox.index", team_id=team_id)
    if not back.startswith(url_for("inbox.index", team_id=team_id)):
        back = url_for("inbox.index", team_id=team_id)
    chosen = form.page_ids.data if form.every.data else form.ids.data
    if not form.validate_on_submit() or not chosen:
        flash("Select at least one request and a change to make.", "error")
        return redirect_after_post(back)
    try:
        changed = services.bulk_change(
            current_user,
            team,
            chosen,
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
