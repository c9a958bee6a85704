"""Small pieces every admin view uses."""

from __future__ import annotations

from flask import flash

from ..extensions import db
from ..htmx import after_write
from .services import AdminError


def form_error(form, error: AdminError, default: str) -> None:
    """Show a refused action next to the field it is about (or `default`)."""
    name = error.field if error.field and error.field in form else default
    form[name].errors.append(str(error))


def prefix_ids(form, prefix: str):
    """Give a form's inputs ids of their own when another form on the page has the same
    field names (ids must be unique; the names posted stay the same)."""
    from wtforms.fields.core import Label

    for f in form:
        f.id = f"{prefix}-{f.name}"
        f.label = Label(f.id, f.label.text)
    return form


def saved(message: str, url: str, render_fragment):
    """The one commit of a successful write, its message, then the fragment or a 303."""
    db.session.commit()
    flash(message, "success")
    return after_write(url, render_fragment)
