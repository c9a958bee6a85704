"""A member's own inbox views: the filters they search by often, saved under a name and
listed in the inbox's rail. Only their own: a teammate never sees or changes them."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from ..extensions import db
from ..models import SavedView, Team, User
from ..requests.errors import RequestError

# A rail longer than this stops being a list anyone scans.
MAX_VIEWS = 20
# The stored query string (saved_view.query); search words in other scripts take up to
# nine characters each once encoded.
MAX_QUERY = 600


# Read on every inbox page: built once, run as Core rows (id, name, query), so a person
# with no views costs the page one indexed lookup and nothing else.
_VIEWS_OF = (
    select(SavedView.id, SavedView.name, SavedView.query)
    .where(SavedView.user_id == bindparam("user_id"), SavedView.team_id == bindparam("team_id"))
    .order_by(func.lower(SavedView.name))
)


def views_of(user: User, team: Team) -> list:
    """The person's views of the team, by name: rows of (id, name, query)."""
    params = {"user_id": user.id, "team_id": team.id}
    return db.session.connection().execute(_VIEWS_OF, params).all()


def own_view(user: User, team: Team, view_id: int) -> SavedView | None:
    """The person's view, or None for anyone else's (answered as not found)."""
    view = db.session.get(SavedView, view_id)
    if view is None or view.user_id != user.id or view.team_id != team.id:
        return None
    return view


def save(user: User, team: Team, name: str, query: str) -> SavedView:
    """Save `query` (the validated filters) as `name`; a name already theirs is updated,
    so saving again under one name refines that view."""
    if not query:
        raise RequestError("Search or filter first: the inbox's views are there already.")
    if len(query) > MAX_QUERY:
        raise RequestError("These filters are too long to keep: use fewer search words.")
    view = db.session.scalar(
        select(SavedView).where(
            SavedView.user_id == user.id,
            SavedView.team_id == team.id,
            func.lower(SavedView.name) == name.lower(),
        )
    )
    if view is None:
        mine = db.session.scalar(
            select(func.count())
            .select_from(SavedView)
            .where(SavedView.user_id == user.id, SavedView.team_id == team.id)
        )
        if mine >= MAX_VIEWS:
            raise RequestError(f"You have {MAX_VIEWS} views: delete one you no longer use first.")
        view = SavedView(user_id=user.id, team_id=team.id, name=name)
        db.session.add(view)
    view.query = query
    db.session.flush()
    return view


def delete(view: SavedView) -> None:
    db.session.delete(view)
    db.session.flush()
