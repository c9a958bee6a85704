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

Kept in the TIMELINE region of portal/caching.py.
"""

from __future__ import annotations

from flask import request
from markupsafe import Markup

from ..caching import TIMELINE
from ..reader_zone import reader_zone_name


def key(item, entries, attachments, reader=None) -> dict:
    """Everything the timeline block of templates/inbox/_detail.html reads; `reader` is what
    else another page's block prints (see `public_key`)."""
    return {
        "script_root": request.script_root,  # the attachment links' prefix
        "request": (item.created_at, item.description, item.requester.name, item.channel),
        # Entry data as its JSON text, keys in their order (the reclassified event prints
        # its items in order).
        "entries": tuple(entries),
        "attachments": tuple(
            (a.id, a.entry_id, a.filename, a.size, a.public, a.content_type)
            for files in attachments.values()
            for a in files
        ),
        "reader": reader,
        "zone": reader_zone_name(),
    }


def public_key(item, entries, attachments, people: dict, viewer_id: int) -> dict:
    """The customer's block (templates/customer/_live.html): public entries only, and
    worded for its reader ("You"), so kept per reader; `people` are the named assignees."""
    names = tuple(sorted((person_id, person.name) for person_id, person in people.items()))
    return key(item, entries, attachments, ("public", viewer_id, item.requester_id, names))


def drawn(key: dict, caller) -> Markup:
    """`{% call timeline_drawn(key) %}...{% endcall %}`: the block's markup, drawn only
    when these rows were not drawn before."""
    # The template's own autoescaped output.
    return TIMELINE.get(lambda: Markup(caller()), **key)  # noqa: S704
