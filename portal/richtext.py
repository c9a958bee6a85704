"""What people write, rendered safely: markdown to HTML, then sanitised.

markdown-it-py renders with raw HTML switched off; nh3 then keeps only an allow-list of tags
and attributes, so no script, event handler, `hx-*` attribute or `javascript:` link survives
whatever a customer pastes. Only http, https and mailto links are kept.
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


def plain_excerpt(source: str | None, length: int = 160) -> str:
    """A one-line text preview (for lists and mail), never HTML."""
    text = " ".join((source or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
