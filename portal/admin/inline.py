"""Inline-edited tables: a list page with an add form, where each row turns into a form.

Functions and tiers are the same small CRUD over different columns, so one `InlineTable`
describes each and registers its five routes:

    GET  /<plural>                 <plural>        the list page (section fragment for htmx)
    POST /<plural>                 add_<name>      create; the section again (303 without htmx)
    GET  /<plural>/<id>            <name>          the display row (Cancel); the list page in full
    GET  /<plural>/<id>/edit       edit_<name>     the edit row; an edit page without JavaScript
    POST /<plural>/<id>/edit       update_<name>   save; the display row (303), or 422 with errors

Markup lives once, in `templates/_macros/inline.html` and the `admin/_inline_*` fragments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, flash, url_for
from flask_login import current_user

from ..access import ADMIN, policy
from ..extensions import db
from ..htmx import after_write, is_partial, render_page
from . import services
from .common import saved


@dataclass(frozen=True)
class Column:
    field: str  # the model attribute and the form field of the same name
    label: str
    kind: str = "text"  # text | flag | number


@dataclass(frozen=True)
class InlineTable:
    name: str  # singular, as in endpoints and element ids: "function"
    plural: str  # "functions"
    label: str  # "Function"
    title: str  # "Functions"
    intro: str
    model: type
    form_class: type
    columns: tuple[Column, ...]
    items: Callable[[], list]
    # (actor, **fields) -> the new row; None: the generic `services.create`.
    create: Callable | None = None

    # --- URLs the templates use ------------------------------------------------------------
    def url(self, action: str = "list", item=None) -> str:
        endpoint = {
            "list": self.plural,
            "add": f"add_{self.name}",
            "row": self.name,
            "edit": f"edit_{self.name}",
            "update": f"update_{self.name}",
        }[action]
        values = {} if item is None else {"item_id": item.id}
        return url_for(f"admin.{endpoint}", **values)

    def row_id(self, item) -> str:
        return f"{self.name}-{item.id}"

    # --- rendering -------------------------------------------------------------------------
    def _list(self, form=None, status: int = 200):
        return render_page(
            "admin/inline_list.html",
            "admin/_inline_table.html",
            status=status,
            table=self,
            items=self.items(),
            form=form or self.form_class(formdata=None),
        )

    def _row(self, item):
        return render_page("admin/_inline_row.html", table=self, item=item)

    def _edit(self, item, form, status: int = 200):
        return render_page(
            "admin/inline_edit.html",
            "admin/_inline_edit_row.html",
            status=status,
            table=self,
            item=item,
            form=form,
        )

    def _data(self, form) -> dict:
        return {column.field: form[column.field].data for column in self.columns}

    # --- views -----------------------------------------------------------------------------
    def list_view(self):
        return self._list()

    def add_view(self):
        form = self.form_class()
        if form.validate_on_submit():
            try:
                data = self._data(form)
                if self.create is not None:
                    item = self.create(current_user, **data)
                else:
                    item = services.create(current_user, self.model, **data)
            except services.AdminError as error:
                form[error.field or "name"].errors.append(str(error))
            else:
                return saved(f"{self.label} “{item.name}” added.", self.url(), self._list)
        return self._list(form, status=422)

    def row_view(self, item_id: int):
        item = db.get_or_404(self.model, item_id)
        # The row alone is a fragment; without htmx the address shows the whole list.
        return self._row(item) if is_partial() else self._list()

    def edit_view(self, item_id: int):
        item = db.get_or_404(self.model, item_id)
        return self._edit(item, self.form_class(obj=item, formdata=None))

    def update_view(self, item_id: int):
        item = db.get_or_404(self.model, item_id)
        form = self.form_class()
        if form.validate_on_submit():
            try:
                services.update(current_user, item, **self._data(form))
            except services.AdminError as error:
                db.session.rollback()
                item = db.get_or_404(self.model, item_id)
                form[error.field or "name"].errors.append(str(error))
            else:
                db.session.commit()
                if not is_partial():  # htmx shows the saved row itself
                    flash(f"“{item.name}” saved.", "success")
                return after_write(self.url(), lambda: self._row(item))
        return self._edit(item, form, status=422)

    def register(self, bp: Blueprint) -> None:
        base = f"/{self.plural}"
        rules = [
            (base, self.plural, self.list_view, "GET"),
            (base, f"add_{self.name}", self.add_view, "POST"),
            (f"{base}/<int:item_id>", self.name, self.row_view, "GET"),
            (f"{base}/<int:item_id>/edit", f"edit_{self.name}", self.edit_view, "GET"),
            (f"{base}/<int:item_id>/edit", f"update_{self.name}", self.update_view, "POST"),
        ]
        for rule, endpoint, method_view, method in rules:
            bp.add_url_rule(rule, endpoint, _admin_view(method_view), methods=[method])


def _admin_view(method_view):
    """A plain function (a bound method cannot carry the policy) declared admin-only."""

    def view(**kwargs):
        return method_view(**kwargs)

    view.__name__ = method_view.__name__
    return policy(ADMIN)(view)
