"""The budgets for what people write, shared by every blueprint that limits a write.

Flask-Limiter counts each decorated view on its own; these give the views one key and one
budget to count with.
"""

from __future__ import annotations

import time

from flask import current_app
from flask_login import current_user
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from .extensions import limiter

# A mailed link's confirming post, per address: nobody is signed in to count against.
LINK_POSTS = "30 per minute"


def per_person() -> str:
    """A signed-in person's writes are counted by their id: neither another address nor a new
    session (a bumped session version) starts a fresh budget."""
    return f"person:{current_user.id}"


def submissions() -> str:
    """A contact's writes: generous for a person, a wall for a script (SUBMISSION_RATE_LIMIT)."""
    return current_app.config["SUBMISSION_RATE_LIMIT"]


# A contact's write (raise, reply, chase, resolve, reopen, rate, feedback, stance, survey…):
# each decorated view counts the same budget on its own counter.
contact_write = limiter.limit(submissions, key_func=per_person, methods=["POST"])


def count_contact_write(person) -> None:
    """A contact's write through the API counts against the same budget as their writes
    through the web's forms (SUBMISSION_RATE_LIMIT, per person), whatever token it comes
    with: the API's own limit is per token, and a contact may hold several. 429 when spent."""
    if not person.is_contact or not limiter.enabled:
        return
    who = ("api-contact-write", f"person:{person.id}")
    for limit in parse_many(submissions()):
        if not limiter.limiter.hit(limit, *who):
            reset = limiter.limiter.get_window_stats(limit, *who).reset_time
            raise TooManyRequests(
                "You have sent as many requests and replies as you may for now.",
                retry_after=max(1, int(reset - time.time())),
            )
