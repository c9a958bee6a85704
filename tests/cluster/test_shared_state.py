"""What the servers share through Redis (sign-in limits), and Redis going away and back.

The cluster runs on a redis-server of the tests' own (appendonly, fsync always), so this test
may kill and restart it. While Redis is away, each process counts the same limits in its own
memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED): the app keeps serving and sign-in stays
limited, per process. Back, the counts Redis kept apply again on every server.
"""

from __future__ import annotations

import time
import uuid

import pytest
from flask import url_for

from portal.extensions import db
from tests import factories

from .conftest import browser_at
from .web import Browser

pytestmark = pytest.mark.cluster

PER_ACCOUNT = 10  # auth.login: "10 per 15 minutes" refused sign-ins per email


def attempt(browser: Browser, email: str, password: str) -> int:
    form = browser.form(url_for("auth.login"), url_for("auth.login"))
    return browser.submit(form.set("email", email).set("password", password)).status


def answers(cluster, server: str, email: str, password: str, times: int) -> list[int]:
    """Sign-in attempts on `server`, each from a browser of its own."""
    return [attempt(Browser(cluster.servers[server].url), email, password) for _ in range(times)]


def test_sign_in_limits_are_shared_and_survive_a_redis_restart(cluster, redis_server):
    tag = uuid.uuid4().hex[:8]
    locked = factories.make_user(email=f"locked-{tag}@limits.example")
    other = factories.make_user(email=f"other-{tag}@limits.example")
    member = factories.make_user()
    db.session.commit()
    password = factories.PASSWORD

    # Refused attempts through A and through B count against one limit, kept in Redis.
    half = PER_ACCOUNT // 2
    assert answers(cluster, "a", locked.email, "wrong password!", half) == [422] * half
    assert answers(cluster, "b", locked.email, "wrong password!", half) == [422] * half
    assert answers(cluster, "a", locked.email, password, 2) == [429, 429]
    assert answers(cluster, "b", locked.email, password, 2) == [429, 429]
    redis = redis_server.client()
    kept = sorted(k for k in redis.keys("*") if locked.email.encode() in k)
    assert kept, "the limit is not in Redis"

    signed_in = Browser(cluster.url).sign_in(member.email)
    home = url_for("main.home")
    redis_server.kill()  # kill -9
    try:
        # Without Redis the app keeps serving: pages, health, sign-in itself.
        for server in ("a", "b"):
            at = browser_at(cluster, server, signed_in)
            assert at.get(home).status in (302, 303)
            assert at.get(url_for("auth.profile")).status == 200
            assert Browser(cluster.servers[server].url).get(url_for("main.health")).status == 200
        assert answers(cluster, "a", member.email, password, 1) == [303]
        # ... and refused sign-ins are still limited, by each process on its own: with two
        # workers per server, an account is locked after at most 2 x 10 refusals on a server.
        refused = answers(cluster, "a", other.email, "wrong password!", 2 * PER_ACCOUNT + 2)
        assert set(refused) == {422, 429}, refused
        assert refused.count(422) <= 2 * PER_ACCOUNT, refused
        assert cluster.states() == {name: "UP" for name in cluster.servers}
    finally:
        redis_server.start()

    # Nothing Redis had is lost, and every server goes back to it by itself (Flask-Limiter
    # re-checks the store with growing pauses): the account locked before is locked again.
    assert sorted(k for k in redis.keys("*") if locked.email.encode() in k) == kept
    deadline = time.monotonic() + 60
    streak = {"a": 0, "b": 0}
    while min(streak.values()) < 4:
        assert time.monotonic() < deadline, f"servers did not go back to Redis: {streak}"
        for server in streak:
            status = answers(cluster, server, locked.email, password, 1)[0]
            streak[server] = streak[server] + 1 if status == 429 else 0
        time.sleep(0.5)
