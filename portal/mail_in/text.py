"""Text out of whatever a mail client sends: bytes in any declared (or wrongly declared)
charset, header values with hidden line breaks, and HTML that must end up as plain text."""

from __future__ import annotations

import codecs
import html
import re
import unicodedata

import nh3

# Clients label Windows-1252 text as ISO-8859-1 (or ASCII) all the time; browsers read those
# labels as Windows-1252 (WHATWG Encoding), and so do we, so “quotes” and € survive.
_READ_AS_WINDOWS_1252 = {"iso-8859-1", "latin-1", "latin1", "l1", "iso8859-1", "cp819"}
_READ_AS_UTF8_FIRST = {"us-ascii", "ascii", "ansi_x3.4-1968", "unknown-8bit", "x-unknown", ""}

# Tags whose end (or, for br, presence) is a line break when HTML is read as text.
_BLOCK_TAGS = {
    "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "table", "ul", "ol", "hr",
}  # fmt: skip
# Whose content is not text a person wrote.
_DROPPED_WITH_CONTENT = {"script", "style", "head", "title", "template"}
# Tags that end a line, where the others end a paragraph.
_LINE_TAGS = {"div", "li", "tr"}
# Splits nh3's own output only: it writes the kept tags bare (no attribute was allowed) and
# escapes every other `<`, so a tag there is exactly `<name>`, `</name>` or `<name />`.
_NH3_TAG = re.compile(r"<(?P<close>/?)(?P<name>[a-z0-9]+)\s*/?>")
_NH3_SPLIT = re.compile(r"(<[^<>]*>)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Never fails: a known charset is used (bad bytes become U+FFFD); an unknown or missing
    one is tried as UTF-8, then read as Windows-1252, which maps almost every byte."""
    label = (charset or "").strip().strip('"').lower()
    if label in _READ_AS_WINDOWS_1252:
        return data.decode("cp1252", errors="replace")
    if label not in _READ_AS_UTF8_FIRST and _is_text_codec(label):
        return data.decode(label, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _is_text_codec(label: str) -> bool:
    # `base64`, `rot13`, `zlib` are codecs too, but not text encodings: bytes.decode refuses them.
    try:
        return codecs.lookup(label)._is_text_encoding
    except LookupError:
        return False


def one_line(value: str) -> str:
    """A header value fit to show and to reuse in a header we write: no CR/LF (an encoded
    word can hide one), no control characters, no lone surrogates, single spaces."""
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    value = _CONTROL.sub(" ", value.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return " ".join(value.split())


def clean_body_text(text: str) -> str:
    """Unix line ends, no control characters except tab and newline, no trailing spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def unflow(text: str, delsp: bool = False) -> str:
    """Plain text sent `format=flowed` (RFC 3676; Apple Mail and Thunderbird send it) as the
    writer typed it: a line ending in a space goes on in the next line of the same quote
    depth; the space a client put before a line starting with a space or `>` is taken off;
    quoted lines keep one `> ` per level, so quoted history is still recognised as such."""
    paragraphs: list[tuple[int, str]] = []
    joining = False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        depth = len(raw) - len(raw.lstrip(">"))
        line = raw[depth:]
        if line.startswith(" "):
            line = line[1:]
        flowed = line.endswith(" ") and line != "-- "
        if delsp and flowed:
            line = line[:-1]
        if joining and paragraphs and paragraphs[-1][0] == depth:
            paragraphs[-1] = (depth, paragraphs[-1][1] + line)
        else:
            paragraphs.append((depth, line))
        joining = flowed
    return "\n".join((">" * depth + " " if depth else "") + line for depth, line in paragraphs)


def html_to_text(source: str) -> str:
    """Readable plain text of an HTML mail. nh3 (Ammonia) parses the HTML and keeps only
    bare block tags; those become line breaks and the entities are unescaped. The result
    is text, not markup: templates escape it like anything else a customer writes."""
    kept = nh3.clean(
        source,
        tags=_BLOCK_TAGS,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes={},
        strip_comments=True,
    )
    pieces: list[str] = []
    pending = ""  # the strongest break seen since the last text: "", "\n" or "\n\n"
    for token in _NH3_SPLIT.split(kept):
        tag = _NH3_TAG.fullmatch(token)
        if tag is None:
            # HTML whitespace (source line breaks included) is one space; tags break lines.
            words = " ".join(token.split())
            if words:
                pieces.append(pending + words)
                pending = ""
            elif token and pieces and not pending:
                pieces.append(" ")
        elif tag["name"] == "br":
            pieces.append(pending + "\n")
            pending = ""
        else:
            is_paragraph = tag["name"] not in _LINE_TAGS
            pending = "\n\n" if is_paragraph or pending == "\n\n" else "\n"
            if tag["name"] == "li" and not tag["close"]:
                pending += "- "
    text = html.unescape("".join(pieces)).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
