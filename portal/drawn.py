"""Small pieces of markup drawn in Python for the `_macros/ui.html` macros of the same
name: called dozens of times a page (a time per timeline entry), a Jinja macro's call and
its two formatted values cost several microseconds each."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape


def time_tag(moment: datetime) -> Markup:
    """The `when` macro: a moment as people read it, with its machine-readable form."""
    return Markup(  # noqa: S704 - both values escaped
        f'<time datetime="{escape(moment.isoformat())}">'
        f"{escape(moment.strftime('%d %b %Y, %H:%M'))} UTC</time>"
    )
