"""Small pieces every admin view uses."""

from __future__ import annotations

from flask import flash

from ..extensions import db
from ..htmx import after_write


def saved(message: str, url: str, render_fragment):
    """The one commit of a successful write, its message, then the fragment or a 303."""
    db.session.commit()
    flash(message, "success")
    return after_write(url, render_fragment)
