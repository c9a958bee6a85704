"""The hostile-input corpus: what customers and staff paste, by accident or not.

Each string is something that has broken a help desk somewhere: markup and script, htmx
attributes, template syntax, header injection by every line separator Python's email
package knows, quotes that end a header or an ETag, NUL (which PostgreSQL refuses in text),
lone surrogates, right-to-left overrides, formula prefixes for spreadsheets, path tricks for
file names, and text far longer than any field.
"""

from __future__ import annotations

CORPUS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '<a href="javascript:alert(3)">click</a>',
    '<div hx-get="/admin" hx-trigger="load">x</div>',
    "{{7*7}} {% raw %}${7*7}",
    "Invoice\r\nBcc: victim@example.com",
    "Line one\nLine two",
    "vertical\x0btab and form\x0cfeed",
    "unicode\u2028line\u2029paragraph\x85next",
    "quote\" and 'apostrophe' and \\backslash",
    'W/"etag", "another"',
    "nul\x00byte",
    "\u202eevil.exe\u202d.pdf",
    '=HYPERLINK("http://x.example","y")',
    "+SUM(1,2)",
    "-2+3",
    "@cmd",
    "../../etc/passwd",
    "%0d%0aSet-Cookie: x=1",
    "R-1; DROP TABLE request; --",
    "x" * 5000,
    "Ünïcödé 团队 🚚",
]


def printable(text: str) -> str:
    """What a form keeps of `text`: NUL is dropped (PostgreSQL refuses it in text)."""
    return text.replace("\x00", "")
