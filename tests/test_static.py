"""Vendored files are what VENDORED.md says, and no page loads anything from another host."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
TEMPLATES = ROOT / "templates"


def _vendored() -> list[tuple[str, str]]:
    """(file, sha256) rows of the table in VENDORED.md."""
    rows = []
    for line in (VENDOR / "VENDORED.md").read_text().splitlines():
        match = re.match(
            r"\|\s*([\w.\-]+\.(?:js|css|svg))\s*\|.*\|\s*([0-9a-f]{64})\s*\|\s*$", line
        )
        if match:
            rows.append((match.group(1), match.group(2)))
    return rows


def test_vendored_md_lists_htmx_2_0():
    names = [name for name, _ in _vendored()]
    assert any(re.fullmatch(r"htmx-2\.0\.\d+\.min\.js", name) for name in names), names


@pytest.mark.parametrize(("name", "sha256"), _vendored())
def test_vendored_file_matches_its_recorded_hash(name, sha256):
    assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha256


def test_every_vendored_file_is_listed():
    listed = {name for name, _ in _vendored()}
    present = {p.name for p in VENDOR.iterdir() if p.name != "VENDORED.md"}
    assert present == listed


def test_base_loads_the_vendored_htmx():
    base = (TEMPLATES / "base.html").read_text()
    (htmx,) = [name for name, _ in _vendored() if name.startswith("htmx-")]
    assert f"filename='vendor/{htmx}'" in base


SPRITE = "lucide-1.62.0.svg"
# Characters once used as icons: fonts without them draw an empty box (issue 16), so icons
# come from the vendored sprite instead.
ICON_GLYPHS = "⚠✓✔✕✖★☆✉✎✚❚◆◇◉◎◔◌◷●○■▲▼↻↳⇢⇠⇄⤷➜☺⌛⎙⏱📎🖼📄"


def sprite_icons() -> set[str]:
    return set(re.findall(r'<symbol id="([\w-]+)"', (VENDOR / SPRITE).read_text()))


def test_the_icon_sprite_is_vendored_with_its_licence():
    assert SPRITE in {name for name, _ in _vendored()}
    text = (VENDOR / SPRITE).read_text()
    assert "ISC License" in text and "Lucide Icons and Contributors" in text
    assert "<script" not in text.lower() and "href" not in text  # drawing only
    assert {"file", "file-image", "file-text", "check", "x", "triangle-alert"} <= sprite_icons()


def test_every_icon_a_template_names_is_in_the_sprite():
    named = set()
    for path in TEMPLATES.rglob("*.html"):
        named |= set(re.findall(r"""\bicon\(\s*['"]([\w-]+)['"]""", path.read_text()))
    assert named and named <= sprite_icons(), named - sprite_icons()


def test_templates_draw_icons_not_font_glyphs():
    """The brand mark in the header is a logo, and the CSAT chart's stars are its labels'
    text; every other icon is an SVG from the sprite."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            line = line.replace('class="brand-mark" aria-hidden="true">◎', "")
            line = line.replace("('★' * score)", "")
            if any(glyph in line for glyph in ICON_GLYPHS):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def _attributes(text: str):
    return re.findall(r"""\b(src|href|action|srcset|data)\s*=\s*["']([^"']*)["']""", text)


def test_templates_load_nothing_from_another_host():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for name, value in _attributes(path.read_text()):
            if re.match(r"\s*(https?:)?//", value, re.I):
                offenders.append(f"{path.relative_to(ROOT)}: {name}={value}")
    assert offenders == []


def test_base_has_no_inline_script_or_style():
    base = (TEMPLATES / "base.html").read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", base) == []
    assert "<style" not in base and " style=" not in base


def test_the_check_would_catch_a_cdn_link():
    assert _attributes('<script src="https://cdn.example/htmx.js"></script>') == [
        ("src", "https://cdn.example/htmx.js")
    ]


def test_our_stylesheet_has_balanced_blocks():
    """A lost closing brace swallows every rule after it (a merge once hid all the
    insights styles inside a phone-only media query)."""
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "static" / "onestop.css").read_text(), flags=re.S)
    depth = 0
    for line_number, line in enumerate(css.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"an extra '}}' on line {line_number}"
    assert depth == 0, "a block is never closed"


def test_page_titles_hold_text_only():
    """A title block holds words; markup pasted into one shows up raw in the browser tab
    (it happened to two insights pages)."""
    bad = []
    for path in TEMPLATES.rglob("*.html"):
        for match in re.finditer(
            r"\{% block title %\}(.*?)\{% endblock %\}", path.read_text(), re.S
        ):
            if "<" in match.group(1) or "\n" in match.group(1):
                bad.append(str(path.relative_to(TEMPLATES)))
    assert bad == []


def test_css_and_scripts_go_gzipped_to_browsers_that_accept_it(client):
    import gzip

    path = "/static/vendor/" + next(n for n, _ in _vendored() if n.startswith("htmx-"))
    original = (VENDOR / path.rsplit("/", 1)[1]).read_bytes()
    plain = client.get(path)
    assert plain.data == original and "Content-Encoding" not in plain.headers
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == original
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(original) / 2
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # each encoding its own tag
    again = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304
    css = client.get("/static/onestop.css", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(css.data) == (ROOT / "static" / "onestop.css").read_bytes()
    assert client.get("/static/nothing.css", headers={"Accept-Encoding": "gzip"}).status_code == 404


def test_pages_are_never_compressed_by_the_app(client):
    """A page holds the CSRF token beside text the visitor chose: compressing both is
    what BREACH exploits."""
    page = client.get("/sign-in?next=/x", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    assert b"csrf_token" in page.data
