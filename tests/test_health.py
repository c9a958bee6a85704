"""The load balancer's health check: cheap, public, and honest about the database."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.exc import OperationalError

from portal.extensions import db


def test_health_answers_ok_while_the_database_answers(client):
    response = client.get(url_for("main.health"))
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # no session is started for the proxy
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_health_answers_503_when_the_database_does_not(client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get(url_for("main.health"))
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database unreachable\n"
