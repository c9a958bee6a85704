"""The app's Flask class: Flask, with the relative URLs it builds remembered per process,
and Jinja templates whose macro imports are cheap.

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
from jinja2 import Template

REMEMBERED = 4096  # distinct URLs a worker keeps (~100 bytes each with their key)


class PortalTemplate(Template):
    """Each `{% from "_macros/..." import ... %}` asks whether the importing template has
    globals the imported one lacks, as a set difference with a ChainMap's key view, which
    Python runs key by key (~15 us an import, six or more a page). The same question asked
    of a plain set is answered in C; when the answer is "none", Jinja's own cached module
    is returned exactly as before, and otherwise Jinja decides as it always did."""

    def _get_default_module(self, ctx=None):
        if ctx is not None and not ctx.globals_keys.difference(set(self.globals)):
            ctx = None
        return super()._get_default_module(ctx)


class Portal(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A plain dict, emptied when full: one lookup a URL, and no lock (a dict's get and
        # set are atomic); the URLs a worker builds are few and the same from page to page.
        self._urls: dict[tuple, str] = {}

    def create_jinja_environment(self):
        environment = super().create_jinja_environment()
        environment.template_class = PortalTemplate
        return environment

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
        url = self._urls.get(key)
        if url is None:
            url = super().url_for(endpoint, **values)
            if len(self._urls) >= REMEMBERED:
                self._urls.clear()
            self._urls[key] = url
        return url

    def clear_remembered_urls(self) -> None:
        """For tests that change the URL map or the script root under a running app."""
        self._urls.clear()
