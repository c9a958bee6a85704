"""The app's Flask class: Flask, with the relative URLs it builds remembered per process.

A request page builds about 27 URLs and the inbox about 25, each ~6 us through Werkzeug's
rule builder, and most are the same from one request to the next (the same request's
actions, the navigation, the static files). A relative URL is a pure function of the
endpoint, its arguments (with their types: 1 and True are equal keys but different URLs),
the blueprint a "." endpoint is relative to, and the script root, so it is remembered by
exactly those; anything else (an anchor, a method, a scheme, an external URL, outside a
request, an unhashable argument) is built by Flask as before.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request

from .inbox.cache import Store

REMEMBERED = 4096  # distinct URLs a worker keeps (~100 bytes each with their key)


class Portal(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = Store(REMEMBERED)

    def url_for(
        self, endpoint, *, _anchor=None, _method=None, _scheme=None, _external=None, **values
    ):
        key = None
        if (
            _anchor is None
            and _method is None
            and _scheme is None
            and not _external
            and has_request_context()
            and not self.url_default_functions  # they could add arguments from state
        ):
            key = (
                endpoint,
                request.blueprint if endpoint[:1] == "." else None,
                request.root_path,
                *((name, type(value), value) for name, value in values.items()),
            )
            try:
                hash(key)
            except TypeError:  # a list or dict argument: build it each time
                key = None
        if key is None:
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        return self._urls.remembered(key, lambda: super(Portal, self).url_for(endpoint, **values))

    def clear_remembered_urls(self) -> None:
        """For tests that change the URL map or the script root under a running app."""
        self._urls.clear()
