"""Signing a delivery the Standard Webhooks way (standardwebhooks.com), so receivers can use
its libraries: HMAC-SHA256 over "<id>.<timestamp>.<body>" with the endpoint's secret, sent as
`webhook-signature: v1,<base64>` beside `webhook-id` and `webhook-timestamp`. The timestamp
lets a receiver refuse replays; the id lets it drop a delivery it already has."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, event_id, timestamp, body),
    }
