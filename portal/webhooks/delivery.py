"""Sending queued webhook deliveries: by `tick` on every server, and as the response that
queued one closes (to endpoints that are not failing, so a slow receiver holds no worker).

A delivery is claimed before it is sent, as mail is (portal/mail.py): an UPDATE that only
takes rows nobody holds, so two ticks at once never send one delivery twice. Each outcome is
committed on its own right after its attempt; after a 2xx the row is marked delivered and
never sent again. A failure is retried with back-off; after the last attempt it is marked
failed and stays in the endpoint's log, where a coach can send it again. An endpoint that
keeps failing for WEBHOOK_DISABLE_AFTER_HOURS is switched off and its team's coaches told.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import bindparam, delete, func, or_, select, update

from .. import audit, caching, notify
from ..extensions import db
from ..models import WebhookDelivery, WebhookEndpoint, utcnow
from . import signing, targets

# Waits after the 1st, 2nd, … failed attempt; one more failure after the last is final.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(BACKOFF) + 1  # about 28 hours from the first to the last
# Switched off only after this many failures in a row as well as the time, so one late
# retry of an old event does not switch off an endpoint that failed once, a day ago.
DISABLE_MIN_FAILURES = 5
# A claim older than this is taken for a worker that stopped. Each delivery is claimed just
# before it is sent, and one send is bounded by WEBHOOK_TIMEOUT per step (connect, send,
# answer) on at most MAX_ADDRESSES addresses, far within it.
CLAIM_TIMEOUT = timedelta(minutes=15)
MAX_ADDRESSES = 3
AFTER_RESPONSE = 10  # deliveries sent as a response closes, at most
KEPT_FOR = timedelta(days=30)  # delivered and failed rows, for the log
EXCERPT = 200  # characters of a refusing receiver's answer kept in the log
ERROR_LENGTH = 300  # the column's
USER_AGENT = "Onestop-Webhooks/1"

D, E = WebhookDelivery, WebhookEndpoint
_UNCLAIMED = or_(D.claimed_at.is_(None), D.claimed_at < bindparam("stale_before"))


def _claim_one(*, healthy_only: bool):
    """Claim the oldest due delivery of an active endpoint, in one short transaction; its
    row with the claim's time (the token of this worker's claim), or None."""
    endpoints = select(E.id).where(E.active)
    if healthy_only:
        endpoints = endpoints.where(E.failures == 0)
    due = (
        select(D.id)
        .where(
            D.delivered_at.is_(None),
            D.failed_at.is_(None),
            D.next_attempt_at <= bindparam("now"),
            _UNCLAIMED,
            D.endpoint_id.in_(endpoints),
        )
        .order_by(D.id)
        .limit(1)
    )
    claim = (
        update(D)
        .where(
            D.id.in_(due.scalar_subquery()),
            D.delivered_at.is_(None),
            D.failed_at.is_(None),
            _UNCLAIMED,
        )
        .values(claimed_at=bindparam("now"), attempts=D.attempts + 1)
        .returning(D.id, D.endpoint_id, D.event_id, D.payload, D.attempts, D.claimed_at)
        .execution_options(synchronize_session=False)
    )
    now = utcnow()
    claimed = db.session.execute(claim, {"now": now, "stale_before": now - CLAIM_TIMEOUT}).first()
    db.session.commit()
    return claimed


def deliver_due(limit: int = 100, *, healthy_only: bool = False) -> int:
    """Send what is due, one delivery at a time; returns how many were delivered."""
    delivered = 0
    for _ in range(limit):
        delivery = _claim_one(healthy_only=healthy_only)
        if delivery is None:
            break
        endpoint = db.session.execute(
            select(E.id, E.team_id, E.url, E.secret).where(E.id == delivery.endpoint_id)
        ).first()
        if endpoint is not None:  # else removed meanwhile, and its deliveries with it
            try:
                delivered += _attempt(delivery, endpoint)
            except Exception as error:  # never lets one delivery stop tick
                db.session.rollback()
                _record(delivery, endpoint, None, f"{type(error).__name__}: {error}", 0)
        db.session.commit()
    return delivered


_tls: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    global _tls
    if _tls is None:
        _tls = ssl.create_default_context()
    return _tls


def _post(url: str, body: bytes, headers: dict, config) -> tuple[int, bytes, bool]:
    """POST to the URL at an address checked just now (see targets.py), never following a
    redirect. Returns the status, the start of the answer, and whether the address was a
    private one."""
    allow_loopback = config["WEBHOOK_ALLOW_LOOPBACK"]
    timeout = config["WEBHOOK_TIMEOUT"]
    parts = targets.check_url(url, allow_loopback)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    sock, private = None, False
    for family, kind, proto, _, address in targets.addresses(parts, allow_loopback)[:MAX_ADDRESSES]:
        try:
            sock = socket.socket(family, kind, proto)
            sock.settimeout(timeout)
            sock.connect(address)
            private = targets.is_private(address[0])
            break
        except OSError:
            if sock is not None:
                sock.close()
            sock = None
    if sock is None:
        raise ConnectionError(f"could not connect to {parts.hostname}")
    # The host and port as given, for the Host header and the certificate's name; the
    # connection is the socket to the checked address, so request() does not reconnect.
    if parts.scheme == "https":
        sock = _tls_context().wrap_socket(sock, server_hostname=parts.hostname)
        connection = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    connection.sock = sock
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(EXCERPT), private
    finally:
        connection.close()


def _attempt(delivery, endpoint) -> bool:
    """Send one claimed delivery and record the outcome; True when the receiver took it."""
    if delivery.attempts > MAX_ATTEMPTS:
        # Claimed for its last attempt by a worker that stopped: it may have arrived.
        _record(delivery, endpoint, None, "Interrupted during its last attempt.", 0, final=True)
        return False
    config = current_app.config
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signing.headers(endpoint.secret, delivery.event_id, int(time.time()), body),
    }
    started = time.monotonic()
    status, error = None, None
    try:
        status, answer, private = _post(endpoint.url, body, headers, config)
        if not 200 <= status < 300:
            # What a service on a private network answers stays there: the log is read on
            # the web, and a webhook must not be a way to read an internal service.
            said = "" if private else answer.decode("utf-8", "replace").strip()
            error = f"HTTP {status}" + (f": {said}" if said else "")
    except targets.TargetError as refused:
        error = str(refused)
    except (OSError, http.client.HTTPException, ValueError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    duration = int((time.monotonic() - started) * 1000)
    _record(delivery, endpoint, status, error, duration)
    return error is None


def _record(delivery, endpoint, status, error, duration, *, final=False) -> None:
    """The attempt's outcome, if this worker still holds its claim (one taken for abandoned
    by another worker is that worker's to record)."""
    now = utcnow()
    values = {
        "claimed_at": None,
        "last_attempt_at": now,
        "last_status": status,
        "last_error": error[:ERROR_LENGTH] if error else None,
        "duration_ms": duration,
    }
    if error is None:
        values["delivered_at"] = now
    elif final or delivery.attempts >= MAX_ATTEMPTS:
        values["failed_at"] = now
        values["attempts"] = min(delivery.attempts, MAX_ATTEMPTS)
    else:
        values["next_attempt_at"] = now + BACKOFF[delivery.attempts - 1]
    mine = D.id == delivery.id, D.claimed_at == delivery.claimed_at
    if not db.session.execute(update(D).where(*mine).values(**values)).rowcount:
        return
    if error is None:
        db.session.execute(
            update(E)
            .where(E.id == endpoint.id)
            .values(failures=0, failing_since=None, last_success_at=now)
        )
        return
    current_app.logger.warning("webhook %s to endpoint %s: %s", delivery.id, endpoint.id, error)
    db.session.execute(
        update(E)
        .where(E.id == endpoint.id)
        .values(failures=E.failures + 1, failing_since=func.coalesce(E.failing_since, now))
    )
    _switch_off_if_failing(endpoint, now)


def _switch_off_if_failing(endpoint, now) -> None:
    hours = current_app.config["WEBHOOK_DISABLE_AFTER_HOURS"]
    switched = db.session.execute(
        update(E)
        .where(
            E.id == endpoint.id,
            E.active,
            E.failures >= DISABLE_MIN_FAILURES,
            E.failing_since <= now - timedelta(hours=hours),
        )
        .values(active=False, disabled_reason=f"Failed for {hours:g} hours without a success.")
        .returning(E.url)
    ).first()
    if switched is None:  # still within its time, or another worker switched it off
        return
    caching.site_changed()  # no more events are queued for it, on every server
    fail_pending(endpoint.id, "Not sent: the endpoint was switched off after failing.")
    audit.record(None, "webhook.disabled", db.session.get(E, endpoint.id), url=switched.url)
    notify.tell_coaches(
        endpoint.team_id,
        "webhook_disabled",
        f"The webhook to {switched.url[:150]} was switched off: it failed for {hours:g} hours. "
        "Nothing is sent to it until it is switched on again.",
    )


def fail_pending(endpoint_id: int, reason: str) -> None:
    """An endpoint switched off sends nothing more: what was waiting is marked failed, and
    stays in its log to be sent again by hand once it is on again."""
    db.session.execute(
        update(D)
        .where(D.endpoint_id == endpoint_id, D.delivered_at.is_(None), D.failed_at.is_(None))
        .values(failed_at=utcnow(), claimed_at=None, last_error=reason)
    )


def forget_old_deliveries() -> int:
    """Drop delivered and failed rows past the log's span (by `tick`)."""
    before = utcnow() - KEPT_FOR
    old = delete(D).where(
        or_(D.delivered_at < before, D.failed_at < before),
    )
    return db.session.execute(old).rowcount


def install(app) -> None:
    """Send what a request queued once its response has gone (WEBHOOKS_AFTER_RESPONSE)."""

    def send_after(response):
        if g.get("webhooks_queued") and app.config["WEBHOOKS_AFTER_RESPONSE"]:

            def run():
                with app.app_context():
                    deliver_due(AFTER_RESPONSE, healthy_only=True)

            response.call_on_close(run)
        return response

    app.after_request(send_after)
