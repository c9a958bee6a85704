"""The stylesheet and scripts, gzipped for browsers that accept it.

gunicorn serves bytes as they are, and a first inbox load was 51 KB of htmx and 30 KB of
CSS before any HTML. These files hold no secrets and never change between deploys, so
each is compressed once per process (and again if the file changes) and sent with
`Content-Encoding: gzip`. Pages are not compressed: they carry the CSRF token beside text
a visitor can choose (a search term), which is what BREACH needs; a proxy that knows the
trade-off can compress them.
"""

from __future__ import annotations

import gzip
import os
import threading

from flask import Flask, Response, request
from werkzeug.security import safe_join

COMPRESSIBLE = (".css", ".js", ".svg")
_lock = threading.Lock()
_compressed: dict[str, tuple[float, bytes]] = {}  # path -> (mtime, gzipped bytes)


def _gzipped(path: str) -> bytes:
    mtime = os.stat(path).st_mtime
    with _lock:
        kept = _compressed.get(path)
    if kept and kept[0] == mtime:
        return kept[1]
    with open(path, "rb") as handle:
        body = gzip.compress(handle.read(), 9, mtime=0)
    with _lock:
        _compressed[path] = (mtime, body)
    return body


def install(app: Flask) -> None:
    plain = app.view_functions["static"]

    def static(filename: str):
        # 404s, the conditional GET and cache headers as Flask does.
        response = plain(filename=filename)
        response.vary.add("Accept-Encoding")
        accepts = request.accept_encodings["gzip"] > 0
        if response.status_code != 200 or not accepts or not filename.endswith(COMPRESSIBLE):
            return response
        path = safe_join(app.static_folder, filename)
        response.close()
        etag, _ = response.get_etag()
        body = _gzipped(path)
        compressed = Response(body, status=200, headers=response.headers)
        compressed.content_length = len(body)
        compressed.headers["Content-Encoding"] = "gzip"
        compressed.set_etag(f"{etag}-gzip")  # one tag per encoding, as caches expect
        return compressed.make_conditional(request)

    app.view_functions["static"] = static
