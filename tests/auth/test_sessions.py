"""Sessions can be revoked, expire when idle or old, and travel in a locked-down cookie."""

from __future__ import annotations

import time

import pytest
from flask import url_for

from portal.auth import services
from portal.extensions import db
from portal.models import User
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
