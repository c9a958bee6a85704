"""The follow-up routes' rows for the role x route matrix in tests/test_access.py: the list
and closing are the team's (any member; contacts 403, another team's member is not told the
team exists); naming an account's member is its team's coach's (and admins'). POST rows send
an empty form without CSRF: closing without an outcome, and naming nobody in particular,
come back with their form errors (422)."""

from __future__ import annotations

from flask import url_for

from tests.api.access_rows import STAFF_OF_X, _coach_of_x, _every


def _team(answer):
    return _every(answer, visitor="login", **STAFF_OF_X)


def _close_url(w):
    from tests.follow_ups.helpers import open_follow_up

    follow_up = open_follow_up(w)
    return url_for("follow_ups.close", team_id=w.team_x.id, follow_up_id=follow_up.id)


def _named_url(w):
    return url_for("follow_ups.named_member", team_id=w.team_x.id, account_id=w.account_a.id)


ROWS = {
    "follow_ups.team_list": (
        "GET",
        lambda w: url_for("follow_ups.team_list", team_id=w.team_x.id),
        _team(200),
    ),
    "follow_ups.close": ("POST", _close_url, _team(422)),
    "follow_ups.named_member": (
        "POST",
        lambda w: url_for(
            "follow_ups.named_member", team_id=w.team_x.id, account_id=w.account_a.id
        ),
        _coach_of_x(422),
    ),
}
