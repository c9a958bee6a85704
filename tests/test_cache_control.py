"""What a browser or a cache in between may keep: nothing signed in, files included.

Signed-in answers say `Cache-Control: private, no-store`: no shared cache stores them and
no browser keeps them on disk after the page is gone. The polls are the one exception:
they say `private, no-cache` so the browser keeps their last fragment and asks with its
ETag, getting a 304 while nothing changed (the point of the polls)."""

from __future__ import annotations

import pytest
from flask import url_for

from portal.extensions import db
from portal.requests import files
from tests import factories

HX = {"HX-Request": "true"}
PRIVATE = "private, no-store"


def _attachment(world, *, public=True):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    checked = [files.CheckedFile("invoice.pdf", "application/pdf", b"%PDF-1.4 private")]
    (attachment,) = files.store(world.contact_a, item, checked)
    attachment.public = public
    db.session.commit()
    return url_for("main.attachment", attachment_id=attachment.id)


@pytest.mark.parametrize("viewer", ["contact_a", "member_x"])
def test_an_attachment_is_never_stored(client, world, login_as, viewer):
    url = _attachment(world)
    login_as(getattr(world, viewer))
    response = client.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == PRIVATE


def test_an_internal_attachment_is_never_stored(client, world, login_as):
    url = _attachment(world, public=False)
    login_as(world.member_x)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PRIVATE


@pytest.mark.parametrize(
    ("who", "path", "headers", "status"),
    [
        ("member_x", lambda w: url_for("auth.profile"), {}, 200),
        ("member_x", lambda w: url_for("auth.profile"), HX, 200),
        ("member_x", lambda w: url_for("inbox.index", team_id=w.team_x.id), {}, 200),
        ("contact_a", lambda w: url_for("customer.home"), {}, 200),
        ("contact_a", lambda w: url_for("customer.team"), {}, 200),
        ("member_x", lambda w: url_for("customer.home"), {}, 403),
        ("member_x", lambda w: "/no/such/page", {}, 404),
    ],
)
def test_signed_in_answers_are_private_and_never_stored(
    client, world, login_as, who, path, headers, status
):
    login_as(getattr(world, who))
    response = client.get(path(world), headers=headers)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == PRIVATE


def test_the_polls_stay_revalidatable(client, world, login_as):
    """The exception, kept on purpose: a poll's fragment is the browser's to keep and
    re-check with its ETag, for this person only (never a shared cache)."""
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.contact_a)
    poll = client.get(url_for("customer.request_updates", request_id=item.id), headers=HX)
    assert poll.status_code == 200
    assert poll.headers["Cache-Control"] == "private, no-cache"
