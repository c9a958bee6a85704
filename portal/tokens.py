"""Random single-use tokens: the link carries the token, the database keeps only its hash."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
