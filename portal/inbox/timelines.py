"""The timeline's markup, remembered per process by everything it is drawn from.

Drawing a request's 30 entries was a third of the request page's template time, and
every member opening the request drew the same markup: the staff timeline shows every
entry, internal notes included, the same for every reader. The key is not a version
number that each write would have to remember to move (an entry written around the ORM,
a renamed author, a merge's moved entries would not): it is the loaded rows themselves,
every value the block prints (each entry with its author's name and kind, the request's
description, requester and time, the attachments), so a changed row is a different key
and the markup can never be stale. What it saves is the drawing, not the reading.

The customer's request page draws its public timeline the same way, keyed by its reader
too (it says "You"): a contact coming back to a request, or its live part re-fetched after
a change elsewhere on it, does not draw the same entries again.

A small LRU in each process, as portal/inbox/cache.py: nothing shared, nothing to
invalidate; tests clear it between tests (ids repeat).
"""

from __future__ import annotations

from flask import request
from markupsafe import Markup

from ..store import Store

SIZE = 128  # ~30 KB each (markup and key): a few MB for the requests being worked on

_store = Store(SIZE)


def key(item, entries, attachments, *more) -> tuple:
    """Everything the timeline block of templates/inbox/_detail.html reads; `more` is what
    else another page's block prints (see `public_key`)."""
    return (
        request.script_root,  # the attachment links' prefix
        item.created_at,
        item.description,
        item.requester.name,
        # Entry data as its JSON text, keys in their order (the reclassified event prints
        # its items in order).
        tuple(entries),
        tuple(
            (a.id, a.entry_id, a.filename, a.size, a.public)
            for files in attachments.values()
            for a in files
        ),
        *more,
    )


def public_key(item, entries, attachments, people: dict, viewer_id: int) -> tuple:
    """The customer's block (templates/customer/_live.html): public entries only, and
    worded for its reader ("You"), so kept per reader; `people` are the named assignees."""
    names = tuple(sorted((person_id, person.name) for person_id, person in people.items()))
    return key(item, entries, attachments, "public", viewer_id, item.requester_id, names)


def drawn(key: tuple, caller) -> Markup:
    """`{% call timeline_drawn(key) %}...{% endcall %}`: the block's markup, drawn only
    when these rows were not drawn before."""
    # The template's own autoescaped output.
    return _store.remembered(key, lambda: Markup(caller()))  # noqa: S704


clear = _store.clear
