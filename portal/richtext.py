"""What people write, rendered safely: markdown to HTML, then sanitised.

markdown-it-py renders with raw HTML switched off; nh3 then keeps only an allow-list of tags
and attributes, so no script, event handler, `hx-*` attribute or `javascript:` link survives
whatever a customer pastes. Only http, https and mailto links are kept.

Timeline entries keep this rendering in `entry.body_html`, written with the entry (see the
hooks in models/request.py) so a request page prints it instead of rendering every entry
on every view. Whatever changes what `render_html` returns (these rules, the options below,
an upgrade of markdown-it-py or nh3) makes stored HTML stale: run `flask rerender-entries`
after it (tests/requests/test_entry_html.py pins the rules and versions to remind you).
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_html(source: str | None) -> str:
    """The sanitised HTML of some markdown, as text (for storing)."""
    return _render(source or "")


@lru_cache(maxsize=4096)
def _render(source: str) -> str:
    html = _markdown.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
    )


def render_markdown(source: str | None) -> Markup:
    """Safe HTML for a template; the only place user text becomes Markup."""
    return Markup(_render(source or ""))  # noqa: S704 - sanitised by nh3 just above


def stored_html(stored: str | None, source: str | None) -> Markup:
    """An entry's HTML for a template: what `render_html` stored when the entry was written,
    or rendered now for a row that has none (written by a bulk insert, say)."""
    if stored is None:
        return render_markdown(source)
    return Markup(stored)  # noqa: S704 - render_html's output (nh3-cleaned) when written


def fill_entry_html(connection, *, every: bool = False, batch: int = 5000) -> int:
    """Store `render_html(body)` in `entry.body_html` for the rows without it (or for
    every row, after the rules changed), in batches by id so a million entries stay in
    bounded memory; works on SQLite and PostgreSQL. Returns how many rows were written."""
    from sqlalchemy import bindparam, column, select, table, update

    entry = table("entry", column("id"), column("body"), column("body_html"))
    written = 0
    if not every:
        # Most events have no body; one statement covers them.
        written += connection.execute(
            update(entry)
            .where(entry.c.body_html.is_(None), entry.c.body == "")
            .values(body_html=render_html(""))
        ).rowcount
    store = (
        update(entry).where(entry.c.id == bindparam("entry_id")).values(body_html=bindparam("html"))
    )
    last = 0
    while True:
        query = select(entry.c.id, entry.c.body).where(entry.c.id > last)
        if not every:
            query = query.where(entry.c.body_html.is_(None))
        rows = connection.execute(query.order_by(entry.c.id).limit(batch)).all()
        if not rows:
            return written
        connection.execute(
            store, [{"entry_id": id_, "html": render_html(body)} for id_, body in rows]
        )
        written += len(rows)
        last = rows[-1][0]


def plain_excerpt(source: str | None, length: int = 160) -> str:
    """A one-line text preview (for lists and mail), never HTML."""
    text = " ".join((source or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
