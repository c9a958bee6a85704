"""ETags for the API: a request's is its version, which every change moves. A GET with the
current one as If-None-Match gets 304; a write with a stale one as If-Match gets 412, as the
web refuses a stale reply."""

from __future__ import annotations

from flask import abort, make_response, request
from werkzeug.http import quote_etag

from ..models import Request
from ..requests.services import StaleRequest, check_version


def request_etag(item: Request) -> str:
    return f"request-{item.id}-v{item.version}"


def unchanged(etag: str):
    """A 304 when the client already holds this version (None: answer in full, with
    `etag_header(etag)`)."""
    if etag not in request.if_none_match:
        return None
    response = make_response("", 304)
    response.set_etag(etag)
    return response


def etag_header(etag: str) -> dict:
    return {"ETag": quote_etag(etag)}


def check_if_match(item: Request) -> None:
    """Refuse the write if the client says which version it saw and that is not the current
    one (`check_version`, the web's rule). Without If-Match the write goes ahead, as a form
    without a version does."""
    if not request.if_match or request.if_match.star_tag:
        return
    prefix = f"request-{item.id}-v"
    seen = [t[len(prefix) :] for t in request.if_match.as_set() if t.startswith(prefix)]
    try:
        check_version(item, int(seen[0]) if seen and seen[0].isdigit() else -1)
    except StaleRequest as error:
        abort(412, str(error))
