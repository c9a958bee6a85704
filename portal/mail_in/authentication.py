"""Whether a message's From can be believed: what the receiving mail server found when it
checked the sender's domain (DMARC, RFC 7489), as it wrote it in Authentication-Results
(RFC 8601). Only the header our own server wrote counts (named by its authserv-id, which it
strips from incoming mail): any other could have been written by the sender."""

from __future__ import annotations

from email.message import Message

from .text import one_line


def dmarc_passed(mime: Message, authserv_id: str) -> bool:
    """True when our server's Authentication-Results says dmarc=pass; False when it says
    anything else, or our server wrote none."""
    wanted = authserv_id.strip().lower()
    try:
        values = [str(value) for value in mime.get_all("authentication-results", [])]
    except Exception:  # a header nobody can parse verifies nothing
        values = [str(v) for k, v in mime.raw_items() if k.lower() == "authentication-results"]
    for value in values:
        server, _, results = one_line(value).partition(";")
        if not server.split() or server.split()[0].lower() != wanted:
            continue
        for result in results.split(";"):
            method, _, outcome = result.strip().partition("=")
            if method.strip().lower() == "dmarc":
                return outcome.strip().split(" ")[0].lower() == "pass"
        return False  # our server's verdict, without a DMARC result
    return False
