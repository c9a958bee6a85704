"""The staff request page's forms, drawn once per state of the request and its pickers.

Building the page's eight display forms and drawing their fields was a third of the page
(about 1 ms): the owner, status, function, merge and handoff forms in the side panel, the
canned-reply picker, the reply and the note. Every member opening the request draws the
same markup, and so does one member opening it again. The key holds everything those
blocks print (see `key`): the request's version and the fields the forms show, the team's
members, every active staff member and function offered, the team's canned replies, and
whether the reader turned keyboard shortcuts on. The version moves with every change to
the request, and the pickers are the same tuples the page would otherwise read, so a
changed input is a different key and the markup can never be stale.

Only the CSRF token differs between readers: the markup is drawn with a placeholder that
cannot occur in it (random per process), and each reader's own token replaces it when it
is served. Forms bound to a post (errors, a held reply) and a canned reply filled in are
drawn afresh every time, uncached.

A small LRU in each process, as portal/inbox/timelines.py; tests clear it.
"""

from __future__ import annotations

from flask import g, request
from markupsafe import Markup, escape

from .. import reference
from ..forms import CSRF_PLACEHOLDER, csrf_token, shortcuts_on
from ..store import Store

SIZE = 128  # ~15 KB each (the handoff owner menu lists every active staff member)

_store = Store(SIZE)


def key(team, item, people: tuple, canned: tuple) -> tuple:
    """Everything the form blocks of templates/inbox/_detail.html print, for display forms
    (nothing posted, nothing held, no canned reply filled in)."""
    return (
        request.script_root,  # the actions' prefix
        team.id,
        item.id,
        item.version,
        item.status,
        item.assignee_id,
        item.function_id,
        item.urgency,
        item.merged_into_id,
        people,  # members (assign) are those marked in it; all of them (handoff owner)
        reference.functions(),
        canned,
        shortcuts_on(),
    )


def drawn(key: tuple | None, part: str, caller) -> Markup:
    """`{% call forms_drawn(key, part) %}...{% endcall %}`: the block's markup with this
    reader's CSRF token; drawn only when this state was not drawn before (always, with the
    real token, when `key` is None)."""
    if key is None:
        return Markup(caller())  # noqa: S704 - the template's own autoescaped output
    html = _store.remembered((*key, part), lambda: _draw_shared(caller))
    return Markup(html.replace(CSRF_PLACEHOLDER, str(escape(csrf_token()))))  # noqa: S704


def _draw_shared(caller) -> str:
    g.csrf_placeholder = True
    try:
        return str(caller())
    finally:
        g.csrf_placeholder = False


clear = _store.clear
