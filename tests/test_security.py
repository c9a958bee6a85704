"""Security headers on every kind of response: page, fragment, error, static file."""

from __future__ import annotations

import pytest
from flask import url_for

from tests.auth.helpers import csrf_token

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def csp_directives(value: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip() for part in value.split(";") if part.strip()
    }


def assert_security_headers(response):
    headers = response.headers
    assert csp_directives(headers["Content-Security-Policy"]) == csp_directives(CSP)
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    }
    assert headers["X-Frame-Options"] == "DENY"


def _page(client, world, login_as):
    return client.get(url_for("auth.login"))


def _signed_in_page(client, world, login_as):
    login_as(world.member_x)
    return client.get(url_for("auth.profile"))


def _fragment(client, world, login_as):
    login_as(world.member_x)
    response = client.get(url_for("auth.profile"), headers={"HX-Request": "true"})
    assert "<html" not in response.get_data(as_text=True)
    return response


def _not_found(client, world, login_as):
    return client.get("/no/such/page")


def _not_found_fragment(client, world, login_as):
    return client.get("/no/such/page", headers={"HX-Request": "true"})


def _csrf_error(client, world, login_as):
    login_as(world.member_x)
    return client.post(url_for("auth.logout"))


def _static(client, world, login_as):
    return client.get(url_for("static", filename="onestop.css"))


def _redirect(client, world, login_as):
    return client.get(url_for("auth.profile"))


def _method_not_allowed(client, world, login_as):
    return client.get(url_for("auth.logout"))


RESPONSES = {
    "page": (_page, 200),
    "signed-in page": (_signed_in_page, 200),
    "fragment": (_fragment, 200),
    "404 page": (_not_found, 404),
    "404 fragment": (_not_found_fragment, 404),
    "400 CSRF page": (_csrf_error, 400),
    "static file": (_static, 200),
    "redirect": (_redirect, 302),
    "405 page": (_method_not_allowed, 405),
}


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_response_type_carries_the_security_headers(client, world, login_as, kind):
    make, status = RESPONSES[kind]
    response = make(client, world, login_as)
    assert response.status_code == status
    assert_security_headers(response)


def test_signed_in_pages_are_not_stored(client, world, login_as):
    login_as(world.member_x)
    for response in (
        client.get(url_for("auth.profile")),
        client.get(url_for("auth.profile"), headers={"HX-Request": "true"}),
        client.get(url_for("customer.home")),  # a 403 page for a member, still private
        client.get("/no/such/page"),
    ):
        assert "no-store" in response.headers["Cache-Control"], response.status


def test_signed_out_pages_and_static_files_may_be_cached(client, world, login_as):
    assert "no-store" not in client.get(url_for("auth.login")).headers.get("Cache-Control", "")
    login_as(world.member_x)
    static = client.get(url_for("static", filename="onestop.css"))
    assert "no-store" not in static.headers.get("Cache-Control", "")


@pytest.mark.parametrize("htmx", [False, True])
def test_page_and_fragment_routes_vary_on_hx_request(client, world, login_as, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    assert "HX-Request" in client.get(url_for("auth.login"), headers=headers).headers["Vary"]
    login_as(world.member_x)
    response = client.get(url_for("auth.profile"), headers=headers)
    assert "HX-Request" in response.headers["Vary"]
    assert "HX-Request" in client.get("/nope", headers=headers).headers["Vary"]


def test_hsts_only_over_https(client):
    plain = client.get(url_for("auth.login"))
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get(url_for("auth.login"), base_url="https://localhost")
    assert secure.status_code == 200
    hsts = secure.headers["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 15_552_000  # at least 180 days
    assert_security_headers(secure)


def test_a_state_change_without_csrf_is_refused_for_htmx_too(client, world, login_as):
    login_as(world.member_x)
    response = client.post(url_for("auth.sign_out_everywhere"), headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"
    assert client.get(url_for("auth.profile")).status_code == 200


def test_a_csrf_token_from_another_session_is_refused(app, client, world, login_as):
    stranger = app.test_client()
    stolen = csrf_token(stranger, url_for("auth.login"))
    login_as(world.member_x)
    response = client.post(url_for("auth.sign_out_everywhere"), data={"csrf_token": stolen})
    assert response.status_code == 400
    assert client.get(url_for("auth.profile")).status_code == 200


@pytest.fixture
def proxied_app(app):
    """A throwaway app configured as deployed behind one reverse proxy."""
    from flask import request

    from portal import create_app
    from portal.access import PUBLIC, policy
    from tests.conftest import TEST_CONFIG

    throwaway = create_app(
        {
            **TEST_CONFIG,
            "TRUSTED_PROXIES": 1,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )

    @policy(PUBLIC)
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    throwaway.add_url_rule("/whoami", "whoami", whoami)
    return throwaway


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_behind_a_trusted_proxy_the_client_address_and_tls_are_believed(proxied_app):
    client = proxied_app.test_client()
    assert client.get("/whoami", headers=FORWARDED).get_data(as_text=True) == "203.0.113.9 https"
    response = client.get("/sign-in", headers=FORWARDED)
    assert "Strict-Transport-Security" in response.headers


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(client):
    response = client.get(url_for("auth.login"), headers=FORWARDED)
    assert "Strict-Transport-Security" not in response.headers
