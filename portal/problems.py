"""RFC 9457 problem details: how the JSON API says what went wrong, for its own errors and
for the app's (a URL under the API that matches no route answers in JSON, not HTML)."""

from __future__ import annotations

import json

from flask import Response
from werkzeug.exceptions import HTTPException

PROBLEM = "application/problem+json"

# Headers an error carries that a client acts on.
_KEPT = ("WWW-Authenticate", "Allow", "Retry-After")


def problem(
    status: int, title: str, detail: str | None = None, *, invalid=None, headers=None
) -> Response:
    body: dict = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if invalid:
        body["invalid-params"] = invalid
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_exception(error: HTTPException) -> Response:
    """Werkzeug's error as a problem, with the headers a client needs to act on it."""
    code = error.code or 500
    # Our own abort(..., "detail") texts are for the client; Werkzeug's stock ones too.
    detail = error.description if isinstance(error.description, str) else None
    kept = {k: v for k, v in error.get_headers() if k in _KEPT}
    if code == 405 and getattr(error, "valid_methods", None):
        kept["Allow"] = ", ".join(error.valid_methods)
    return problem(code, error.name, detail, headers=kept)
