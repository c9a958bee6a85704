"""Sign-in and reset floods get 429, per IP and per account.

They use `limited_app` (tests/conftest.py): the suite's own app runs without limits.
"""

from __future__ import annotations

import pytest
from flask import url_for

from portal.extensions import db
from tests import factories
from tests.conftest import outbox


@pytest.fixture
def quick_check(monkeypatch):
    """Hashing is not what these tests are about: check passwords without scrypt."""
    monkeypatch.setattr(
        "portal.auth.services.verify_password", lambda stored, given: given == factories.PASSWORD
    )


def from_ip(app, ip):
    db.session.commit()  # the throwaway app's requests see the test's rows
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def sign_in(client, email, password, **kwargs):
    return client.post(url_for("auth.login"), data={"email": email, "password": password}, **kwargs)


def assert_too_many(response):
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "wait" in page
    assert "<html" in page
    assert int(response.headers["Retry-After"]) > 0


def test_the_suites_app_has_no_limits(app, no_csrf):
    client = app.test_client()
    codes = {sign_in(client, f"p{n}@example.com", "").status_code for n in range(25)}
    assert codes == {422}


def test_failed_sign_ins_from_one_ip_get_429(limited_app, quick_check):
    client = from_ip(limited_app, "10.0.0.1")
    for n in range(20):
        # Different accounts each time, so only the per-IP limit can trip.
        assert sign_in(client, f"p{n}@example.com", "wrong").status_code == 422
    assert_too_many(sign_in(client, "p99@example.com", "whatever it is"))
    # Another address is not held up.
    assert sign_in(from_ip(limited_app, "10.0.0.2"), "p1@example.com", "x").status_code == 422


def test_failed_sign_ins_for_one_account_from_many_ips_get_429(limited_app, world, quick_check):
    email = world.member_x.email
    for n in range(10):
        response = sign_in(from_ip(limited_app, f"10.0.1.{n}"), email.upper(), "wrong password")
        assert response.status_code == 422
    # Now even the right password waits: guessing cannot go on around the limit.
    assert_too_many(sign_in(from_ip(limited_app, "10.0.1.200"), email, factories.PASSWORD))
    # Another account from a fresh address still signs in.
    other = from_ip(limited_app, "10.0.1.201")
    assert sign_in(other, world.contact_a.email, factories.PASSWORD).status_code == 303


def test_successful_sign_ins_from_one_office_do_not_count(limited_app, world, quick_check):
    office = "10.0.6.1"
    people = [factories.make_contact(world.account_a) for _ in range(25)]
    for person in people:
        response = sign_in(from_ip(limited_app, office), person.email, factories.PASSWORD)
        assert response.status_code == 303


def test_the_429_answer_to_htmx_is_a_message_fragment(limited_app, quick_check):
    client = from_ip(limited_app, "10.0.2.1")
    for n in range(20):
        sign_in(client, f"q{n}@example.com", "wrong")
    response = sign_in(client, "q@example.com", "wrong", headers={"HX-Request": "true"})
    assert response.status_code == 429
    assert response.headers["HX-Retarget"] == "#messages"
    body = response.get_data(as_text=True)
    assert "Too many attempts" in body and "<html" not in body


def test_reset_requests_for_one_account_get_429(limited_app, world):
    email = world.contact_a.email
    for n in range(5):
        client = from_ip(limited_app, f"10.0.3.{n}")
        assert client.post(url_for("auth.request_reset"), data={"email": email}).status_code == 303
    client = from_ip(limited_app, "10.0.3.99")
    assert_too_many(client.post(url_for("auth.request_reset"), data={"email": email.upper()}))
    assert len(outbox(limited_app)) == 5  # the refused request sent nothing


def test_a_reset_flood_from_one_ip_gets_429(limited_app):
    client = from_ip(limited_app, "10.0.4.1")
    for n in range(10):
        response = client.post(url_for("auth.request_reset"), data={"email": f"r{n}@example.com"})
        assert response.status_code == 303
    assert_too_many(client.post(url_for("auth.request_reset"), data={"email": "r@example.com"}))


def test_reading_the_forms_is_not_limited(limited_app):
    client = from_ip(limited_app, "10.0.5.1")
    for _ in range(30):
        assert client.get(url_for("auth.login")).status_code == 200
