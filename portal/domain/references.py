"""Request references: what customers and staff call a request (`R-1042`), and back.

Pure, so that every channel reads and writes them the same way: the web's search and merge
form, and mail's `[R-1042]` subject tag (portal/mail_in/tokens.py). The reference is the
database id plus an offset, so a young deployment's first request is not "R-1".
"""

from __future__ import annotations

REFERENCE_OFFSET = 1000


def reference_for(request_id: int) -> str:
    return f"R-{request_id + REFERENCE_OFFSET}"


def id_from_reference(reference: str) -> int | None:
    """'R-1042' (or '1042', any case) -> 42; None when it is not a reference."""
    text = reference.strip().upper().removeprefix("R-").removeprefix("R")
    if not text.isdecimal() or not text.isascii() or len(text) > 12:
        return None
    request_id = int(text) - REFERENCE_OFFSET
    return request_id if request_id > 0 else None
