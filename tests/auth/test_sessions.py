"""Sessions can be revoked, expire when idle or old, and travel in a locked-down cookie."""

from __future__ import annotations

import time

import pytest
from flask import url_for

from portal.auth import services
from portal.extensions import db
from portal.models import User
from portal.sessions import idle_clock_step
from tests import factories
from tests.auth.helpers import (
    COOKIE,
    csrf_token,
    link_path,
    replay,
    session_cookie,
    signs_in_page,
)


def fresh(user: User) -> User:
    return db.session.get(User, user.id)


def test_a_real_sign_in_sets_a_locked_down_cookie_carrying_the_session_version(app, client, world):
    token = csrf_token(client, url_for("auth.login"))
    response = client.post(
        url_for("auth.login"),
        data={"csrf_token": token, "email": world.member_x.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 303
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "=")]
    assert len(cookies) == 1
    attributes = {part.strip().split("=")[0].lower(): part for part in cookies[0].split(";")}
    assert {"secure", "httponly", "path"} <= attributes.keys()
    assert attributes["path"].strip() == "Path=/"
    assert attributes["samesite"].strip() == "SameSite=Lax"
    assert "domain" not in attributes  # a __Host- cookie is host-only
    with client.session_transaction() as session:
        assert session["_user_id"] == f"{world.member_x.id}:{world.member_x.session_version}"
        assert session["auth_at"] <= time.time()
        assert session["seen_at"] <= time.time()
    # The cookie dies with the idle lifetime, not years later.
    assert "max-age" not in attributes or int(attributes["max-age"].split("=")[1]) <= (
        app.config["SESSION_IDLE_MINUTES"] * 60
    )


def test_sign_out_everywhere_refuses_an_old_cookie(app, client, world, login_as):
    login_as(world.member_x)
    old_browser = replay(app, session_cookie(client))
    assert old_browser.get(url_for("auth.profile")).status_code == 200

    token = csrf_token(client, url_for("auth.profile"))
    response = client.post(url_for("auth.sign_out_everywhere"), data={"csrf_token": token})
    assert response.status_code == 303
    assert fresh(world.member_x).session_version == 2

    assert signs_in_page(old_browser.get(url_for("auth.profile")))
    assert signs_in_page(client.get(url_for("auth.profile")))


def test_password_change_refuses_other_sessions_and_keeps_this_one(app, client, world, login_as):
    login_as(world.member_x)
    old_browser = replay(app, session_cookie(client))
    token = csrf_token(client, url_for("auth.profile"))
    response = client.post(
        url_for("auth.profile"),
        data={
            "csrf_token": token,
            "current_password": factories.PASSWORD,
            "password": "a brand new long passphrase",
            "confirm": "a brand new long passphrase",
        },
    )
    assert response.status_code == 303
    assert signs_in_page(old_browser.get(url_for("auth.profile")))
    assert client.get(url_for("auth.profile")).status_code == 200


def test_a_password_reset_refuses_an_old_cookie(app, client, world, login_as):
    login_as(world.contact_a)
    old_browser = replay(app, session_cookie(client))
    services.request_reset(world.contact_a.email)
    db.session.commit()
    from tests.conftest import outbox

    link = link_path(app, outbox(app)[-1].body, "/reset/")
    visitor = app.test_client()
    token = csrf_token(visitor, link)
    response = visitor.post(
        link,
        data={
            "csrf_token": token,
            "password": "reset to something new",
            "confirm": "reset to something new",
        },
    )
    assert response.status_code == 303
    assert signs_in_page(old_browser.get(url_for("customer.home")))
    assert visitor.get(url_for("customer.home")).status_code == 200


def test_deactivation_refuses_an_existing_session(client, world, login_as):
    login_as(world.member_x)
    assert client.get(url_for("auth.profile")).status_code == 200
    world.member_x.active = False
    db.session.commit()
    assert signs_in_page(client.get(url_for("auth.profile")))


def test_a_cookie_without_the_version_is_refused(client, world):
    with client.session_transaction() as session:
        now = time.time()
        session.update({"_user_id": str(world.member_x.id), "auth_at": now, "seen_at": now})
    assert signs_in_page(client.get(url_for("auth.profile")))


def _set_clock(client, **ages_in_seconds):
    with client.session_transaction() as session:
        for key, age in ages_in_seconds.items():
            session[key] = time.time() - age


def test_an_idle_session_expires(app, client, world, login_as):
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    login_as(world.member_x)
    _set_clock(client, seen_at=idle + 5)
    assert signs_in_page(client.get(url_for("auth.profile")))
    with client.session_transaction() as session:
        assert "_user_id" not in session  # the stale session was thrown away


def test_a_session_in_use_stays_and_its_idle_clock_restarts(app, client, world, login_as):
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    login_as(world.member_x)
    _set_clock(client, seen_at=idle - 60)
    assert client.get(url_for("auth.profile")).status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 5


def test_a_session_expires_after_its_absolute_lifetime_even_when_busy(app, client, world, login_as):
    absolute = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    login_as(world.member_x)
    _set_clock(client, auth_at=absolute + 5, seen_at=1)
    assert signs_in_page(client.get(url_for("auth.profile")))


def test_a_session_just_inside_its_absolute_lifetime_works(app, client, world, login_as):
    absolute = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    login_as(world.member_x)
    _set_clock(client, auth_at=absolute - 60, seen_at=1)
    assert client.get(url_for("auth.profile")).status_code == 200


@pytest.mark.parametrize("missing", ["auth_at", "seen_at"])
def test_a_session_without_its_clocks_is_refused(client, world, login_as, missing):
    login_as(world.member_x)
    with client.session_transaction() as session:
        del session[missing]
    assert signs_in_page(client.get(url_for("auth.profile")))


def test_htmx_request_on_an_expired_session_redirects_the_whole_page(app, client, world, login_as):
    login_as(world.member_x)
    _set_clock(client, seen_at=app.config["SESSION_IDLE_MINUTES"] * 60 + 5)
    response = client.get(url_for("auth.profile"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith(url_for("auth.login"))


def _session_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "=")]


def _seen_age(client) -> float:
    with client.session_transaction() as session:
        return time.time() - session["seen_at"]


def test_a_busy_session_does_not_resend_its_cookie_on_every_response(app, client, world, login_as):
    login_as(world.member_x)
    client.get(url_for("auth.profile"))  # the first page puts a CSRF token in the session
    again = client.get(url_for("auth.profile"))
    assert again.status_code == 200 and _session_cookies(again) == []


def test_an_idle_clock_older_than_its_step_is_restarted_and_the_cookie_resent(
    app, client, world, login_as
):
    step = idle_clock_step(app.config["SESSION_IDLE_MINUTES"] * 60)
    login_as(world.member_x)
    client.get(url_for("auth.profile"))
    _set_clock(client, seen_at=step + 1)
    response = client.get(url_for("auth.profile"))
    assert response.status_code == 200 and len(_session_cookies(response)) == 1
    assert _seen_age(client) < 5


def test_the_idle_clock_step_is_a_small_part_of_the_idle_limit():
    assert idle_clock_step(120 * 60) == 60
    assert idle_clock_step(5 * 60) == 30  # a short limit is never overshot by a whole minute


def test_the_idle_limit_still_signs_out_when_the_cookie_is_not_resent(app, client, world, login_as):
    """Requests inside a step leave the clock alone; the limit counts from the last rewrite."""
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    login_as(world.member_x)
    for _ in range(3):
        assert client.get(url_for("auth.profile")).status_code == 200
    _set_clock(client, seen_at=idle + 1)
    assert signs_in_page(client.get(url_for("auth.profile")))


def _poll(world):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    return url_for("customer.request_updates", request_id=item.id)


HX = {"HX-Request": "true"}


def test_polls_do_not_keep_an_idle_session_alive(app, client, world, login_as):
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    poll = _poll(world)
    login_as(world.contact_a)
    _set_clock(client, seen_at=300)
    first = client.get(poll, headers=HX)
    assert first.status_code == 200
    again = client.get(poll, headers={**HX, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and _session_cookies(again) == []
    assert _seen_age(client) >= 300  # the poll is not the person: the clock did not restart
    # A page the person opens does restart it.
    assert client.get(url_for("customer.home")).status_code == 200
    assert _seen_age(client) < 5
    # Left polling past the idle limit, the page is sent to sign in.
    _set_clock(client, seen_at=idle + 1)
    response = client.get(poll, headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith(url_for("auth.login"))


def test_a_revoked_session_is_refused_on_the_poll_at_once(app, client, world, login_as):
    poll = _poll(world)
    login_as(world.contact_a)
    first = client.get(poll, headers=HX)
    old_browser = replay(app, session_cookie(client))
    etag = {"If-None-Match": first.headers["ETag"]}
    assert old_browser.get(poll, headers={**HX, **etag}).status_code == 304

    token = csrf_token(client, url_for("auth.profile"))
    client.post(url_for("auth.sign_out_everywhere"), data={"csrf_token": token})
    refused = old_browser.get(poll, headers={**HX, **etag})
    assert refused.status_code == 204
    assert refused.headers["HX-Redirect"].startswith(url_for("auth.login"))


def test_a_deactivated_contact_is_refused_on_the_poll_at_once(client, world, login_as):
    poll = _poll(world)
    login_as(world.contact_a)
    first = client.get(poll, headers=HX)
    etag = {"If-None-Match": first.headers["ETag"]}
    assert client.get(poll, headers={**HX, **etag}).status_code == 304
    world.contact_a.active = False
    db.session.commit()
    assert client.get(poll, headers={**HX, **etag}).status_code == 204


def test_static_files_neither_load_the_user_nor_restart_the_clock(app, client, world, login_as):
    from sqlalchemy import event

    login_as(world.member_x)
    _set_clock(client, seen_at=300)
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url_for("static", filename="onestop.css"))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200 and _session_cookies(response) == []
    assert statements == []
    assert _seen_age(client) >= 300


def _statements_for(client, path):
    from sqlalchemy import event

    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return seen


def _real_sign_in(client, user):
    token = csrf_token(client, url_for("auth.login"))
    data = {"csrf_token": token, "email": user.email, "password": factories.PASSWORD}
    assert client.post(url_for("auth.login"), data=data).status_code == 303


def test_a_contacts_session_reads_the_person_without_teams(client, world):
    _real_sign_in(client, world.contact_a)
    with client.session_transaction() as session:
        assert session["staff"] is False
    first = _statements_for(client, url_for("customer.home"))[0]
    assert "FROM user" in first.replace('"', "") and "membership" not in first


def test_a_staff_session_reads_the_teams_with_the_person(client, world):
    _real_sign_in(client, world.member_x)
    first = _statements_for(client, url_for("auth.profile"))[0]
    assert "membership" in first


def test_a_wrong_hint_still_finds_the_teams(client, world, login_as):
    """The hint only chooses what to read first: a staff member whose session says
    otherwise still gets their teams, read when first asked for."""
    login_as(world.member_x)
    with client.session_transaction() as session:
        session["staff"] = False
    response = client.get(url_for("inbox.index", team_id=world.team_x.id))
    assert response.status_code == 200 and world.team_x.name in response.text
