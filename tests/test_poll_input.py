"""Every poll answers junk in its query with a 400 or an ordinary answer, never a 500.

A poll's ETag may echo a query value (the inbox's `?seen=`); a quote, a control character
or anything else no ETag may carry used to reach the header and fail there (a 500)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import url_for

from portal.extensions import db
from tests import factories

HX = {"HX-Request": "true"}

JUNK = [
    '"',
    '"abc',
    'a"b',
    'W/"1"',
    "\\",
    " ",
    "a b",
    "\x00",
    "\n",
    "\r\nX-Injected: 1",
    "\x7f",
    "é",
    "\u2028",
    "9" * 400,
    "-1",
    "*",
    ",",
    "<script>",
]


def _polls(world):
    """(who, url, the query names it reads or passes on) for every poll."""
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    team = world.team_x.id
    return [
        ("member_x", url_for("inbox.updates", team_id=team), ["seen", "after", "view", "q"]),
        (
            "member_x",
            url_for("inbox.who_else", team_id=team, request_id=item.id),
            ["version", "seen"],
        ),
        ("contact_a", url_for("customer.list_updates"), ["show", "q", "after", "seen"]),
        ("contact_a", url_for("customer.request_updates", request_id=item.id), ["seen"]),
    ]


def _query(name: str, value: str) -> str:
    return f"{name}={quote(value.encode(), safe='')}"


@pytest.mark.parametrize("revalidating", [False, True], ids=["first", "revalidating"])
def test_junk_in_any_poll_query_is_never_a_500(app, client, world, login_as, revalidating):
    headers = {**HX, "If-None-Match": '"x"'} if revalidating else HX
    answers = {}
    for who, url, names in _polls(world):
        login_as(getattr(world, who))
        for name in names:
            for value in JUNK:
                response = client.get(f"{url}?{_query(name, value)}", headers=headers)
                answers[(url, name, value)] = response.status_code
                for header, text in response.headers.items():
                    assert "\n" not in text and "\r" not in text, header
    wrong = {key: status for key, status in answers.items() if status not in (200, 304, 400)}
    assert wrong == {}


@pytest.mark.parametrize("seen", ['"', '"abc', 'a"b', "\x00", "\u2028", "é"])
def test_a_quote_or_junk_in_the_inbox_poll_s_seen_is_a_400(client, world, login_as, seen):
    login_as(world.member_x)
    url = url_for("inbox.updates", team_id=world.team_x.id)
    response = client.get(f"{url}?{_query('seen', seen)}", headers=HX)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"  # shown as an error, not swapped in


def test_the_inbox_poll_still_answers_its_own_urls(client, world, login_as):
    login_as(world.member_x)
    url = url_for("inbox.updates", team_id=world.team_x.id, seen=world.team_x.activity)
    first = client.get(url, headers=HX)
    assert first.status_code == 200
    again = client.get(url, headers={**HX, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
