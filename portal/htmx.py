"""Everything that reads or writes htmx headers lives here.

One route answers both a full page and its fragment: `render_page` picks the fragment only for
a real partial request, and always says so in `Vary` so caches keep the two apart.
"""

from __future__ import annotations

import json
import re

from flask import abort, g, make_response, redirect, render_template, request
from werkzeug.urls import iri_to_uri


def is_partial() -> bool:
    """A request htmx will swap into part of the page (not a boosted navigation or history
    restore, which need the whole page)."""
    return partial_by(request.headers.get)


def partial_by(header) -> bool:
    """`is_partial` for any source of headers: `header(name)` gives a header's value."""
    return (
        header("HX-Request") == "true"
        and header("HX-Boosted") != "true"
        and header("HX-History-Restore-Request") != "true"
    )


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_page(page: str, fragment: str | None = None, *, status: int = 200, **context):
    template = fragment if fragment and is_partial() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def trigger(response, event: str, detail: object | None = None):
    """Tell other regions of the page that something changed (HX-Trigger)."""
    existing = response.headers.get("HX-Trigger")
    events = json.loads(existing) if existing else {}
    events[event] = detail if detail is not None else True
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def redirect_after_post(location: str):
    """303 for a plain form; for htmx, a client-side redirect so the URL bar is right too."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = iri_to_uri(location)  # headers are Latin-1 only
        return response
    return redirect(location, code=303)


def retarget_to_messages(response):
    """Error pages answering htmx show in the page's message region, not in the target."""
    response.headers["HX-Retarget"] = "#messages"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


def after_write(location: str, render_fragment):
    """A successful write: the updated fragment for htmx, a 303 to the page otherwise."""
    if is_partial():
        return render_fragment()
    return redirect(location, code=303)


# A poll's answer is the browser's to keep and re-check, for this person only. The one
# signed-in answer not marked "no-store" (web._security_headers): a browser only sends
# If-None-Match for what it kept, and the 304s are what make a page left open cheap. It is
# a fragment of the page the person has open, kept in their own browser's cache.
POLL_CACHE_CONTROL = "private, no-cache"
POLL_VARY = ("HX-Request", "Cookie")


# What an ETag may hold (RFC 9110 etagc, without obs-text): visible ASCII but the quote.
ETAG_CHARACTERS = re.compile(r"[\x21\x23-\x7e]+")


def conditional_poll(etag: str, render):
    """A poll answer: 304 when the client's ETag still matches (nothing rendered), else the
    fragment, marked private and revalidate-always so the browser keeps and re-checks it.
    A poll is the page's timer, not the person: it does not restart the session's idle clock.

    An ETag that echoes the query (the inbox's `?seen=`) carries whatever was sent: a quote,
    a space, a control or non-ASCII character cannot go in the header, so that request was
    malformed (400), never a failure here (500)."""
    if not ETAG_CHARACTERS.fullmatch(etag):
        abort(400)
    g.background_request = True
    response = make_response("", 304) if etag in request.if_none_match else render()
    response.set_etag(etag)
    response.headers["Cache-Control"] = POLL_CACHE_CONTROL
    for name in POLL_VARY:
        response.vary.add(name)
    return response
