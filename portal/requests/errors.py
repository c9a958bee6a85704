"""What a request service raises when a rule refuses, and the refusal every action on a
request shares: a merged request takes no more (its conversation continues elsewhere)."""

from __future__ import annotations

from ..models import Request, reference_for


class RequestError(ValueError):
    """A rule refused the action; the message is written for the person."""


def ensure_not_merged(request: Request) -> None:
    if request.merged_into_id:
        raise RequestError(
            f"This request was merged into {reference_for(request.merged_into_id)}: continue there."
        )
