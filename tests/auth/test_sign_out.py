"""Signing out ends the session on the server: a copy of the cookie taken before the
sign-out is refused after it, by the app and by the poll's gate in front of it, while the
person's other devices stay signed in."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import UserSession
from tests import factories
from tests.auth.helpers import csrf_token, replay, session_cookie, signs_in_page

HX = {"HX-Request": "true"}
NEW_PASSWORD = "a brand new long passphrase"


def _sign_in(client, user):
    """Through the real form, as a browser does."""
    token = csrf_token(client, url_for("auth.login"))
    data = {"csrf_token": token, "email": user.email, "password": factories.PASSWORD}
    assert client.post(url_for("auth.login"), data=data).status_code == 303
    return client


def _sign_out(client):
    token = csrf_token(client, url_for("auth.profile"))
    assert client.post(url_for("auth.logout"), data={"csrf_token": token}).status_code == 303


def _open_sessions(user) -> int:
    return len(
        db.session.scalars(
            select(UserSession).where(
                UserSession.user_id == user.id, UserSession.ended_at.is_(None)
            )
        ).all()
    )


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, world):
    _sign_in(client, world.member_x)
    copy = replay(app, session_cookie(client))
    assert copy.get(url_for("auth.profile")).status_code == 200

    _sign_out(client)
    assert signs_in_page(copy.get(url_for("auth.profile")))
    fragment = copy.get(url_for("auth.profile"), headers=HX)
    assert fragment.status_code == 204 and "/sign-in" in fragment.headers["HX-Redirect"]


def test_a_cookie_copied_before_sign_out_gets_no_304_from_the_gate(app, client, world):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    poll = url_for("customer.request_updates", request_id=item.id)
    _sign_in(client, world.contact_a)
    etag = {"If-None-Match": client.get(poll, headers=HX).headers["ETag"]}
    copy = replay(app, session_cookie(client))
    gate = app.extensions["revalidation"]
    before = gate.statements
    assert copy.get(poll, headers={**HX, **etag}).status_code == 304
    assert gate.statements == before + 1  # answered by the gate, in front of the app

    _sign_out(client)
    refused = copy.get(poll, headers={**HX, **etag})
    assert refused.status_code == 204
    assert refused.headers["HX-Redirect"].startswith(url_for("auth.login"))


def test_signing_out_on_one_device_leaves_the_others_signed_in(app, world):
    laptop = _sign_in(app.test_client(), world.contact_a)
    phone = _sign_in(app.test_client(), world.contact_a)
    _sign_out(laptop)
    assert signs_in_page(laptop.get(url_for("customer.home")))
    assert phone.get(url_for("customer.home")).status_code == 200
    assert _open_sessions(world.contact_a) == 1


def test_sign_out_everywhere_ends_every_session(app, world):
    laptop = _sign_in(app.test_client(), world.member_x)
    phone = _sign_in(app.test_client(), world.member_x)
    assert _open_sessions(world.member_x) == 2
    token = csrf_token(laptop, url_for("auth.profile"))
    laptop.post(url_for("auth.sign_out_everywhere"), data={"csrf_token": token})
    assert _open_sessions(world.member_x) == 0
    assert signs_in_page(phone.get(url_for("auth.profile")))
    assert signs_in_page(laptop.get(url_for("auth.profile")))


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app, world):
    laptop = _sign_in(app.test_client(), world.member_x)
    phone = _sign_in(app.test_client(), world.member_x)
    token = csrf_token(laptop, url_for("auth.profile"))
    response = laptop.post(
        url_for("auth.profile"),
        data={
            "csrf_token": token,
            "current_password": factories.PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    assert signs_in_page(phone.get(url_for("auth.profile")))
    assert laptop.get(url_for("auth.profile")).status_code == 200
    assert _open_sessions(world.member_x) == 1  # the laptop's new one


def test_deactivation_ends_every_session_for_good(app, world):
    """Reactivated later, the person signs in afresh: no old session comes back."""
    from portal.admin import services as admin

    phone = _sign_in(app.test_client(), world.contact_a)
    admin.deactivate_user(world.admin, world.contact_a)
    db.session.commit()
    assert _open_sessions(world.contact_a) == 0
    admin.reactivate_user(world.admin, world.contact_a)
    db.session.commit()
    assert signs_in_page(phone.get(url_for("customer.home")))


def test_a_signed_cookie_without_a_session_token_is_refused(app, client, world, login_as):
    """A cookie signed before sessions had rows (or forged with our key but no row) names
    no session: refused by the app and by the gate."""
    import time

    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    poll = url_for("customer.request_updates", request_id=item.id)
    login_as(world.contact_a)
    etag = {"If-None-Match": client.get(poll, headers=HX).headers["ETag"]}
    with client.session_transaction() as session:
        session.clear()
        now = time.time()
        session.update({"_user_id": world.contact_a.get_id(), "auth_at": now, "seen_at": now})
    assert client.get(poll, headers={**HX, **etag}).status_code == 204
    assert signs_in_page(client.get(url_for("customer.home")))
