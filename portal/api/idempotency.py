"""Every API write is committed here, with its audit record (under the token's name) and,
for an Idempotency-Key, its answer: the same key with the same body gets the first answer
again and acts once; the same key with another body is refused (409).

The answer is stored in the transaction that makes the change, so a crash between the two
is impossible: either both are kept or neither. Two posts racing with one key are settled
by the unique (token, key) pair: the loser rolls back and answers with the winner's answer.
Only successful answers are kept; a refused post changed nothing and may be sent again."""

from __future__ import annotations

import functools
import hashlib
from datetime import timedelta

from flask import Response, abort, make_response, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, limits
from ..api_auth import api_person, api_token
from ..extensions import db
from ..models import IdempotentAnswer, utcnow

MAX_KEY = 200
# How long a post can be retried with its key and get its first answer again.
KEPT_FOR = timedelta(days=1)
REPLAYED = "Idempotent-Replayed"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.get_data(cache=True)):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _replay(answer: IdempotentAnswer, fingerprint: str) -> Response:
    if answer.fingerprint != fingerprint:
        abort(409, "This Idempotency-Key was already used for a different request.")
    response = Response(answer.body, status=answer.status, mimetype="application/json")
    if answer.location:
        response.headers["Location"] = answer.location
    response.headers[REPLAYED] = "true"
    return response


def _stored(key: str) -> IdempotentAnswer | None:
    return db.session.scalar(
        select(IdempotentAnswer).where(
            IdempotentAnswer.token_id == api_token().id, IdempotentAnswer.key == key
        )
    )


def _lost_race(key: str | None, fingerprint: str):
    """Two writes to one request at once: the second is refused, as the web refuses a stale
    form, unless it was the same post retried, which gets the first one's answer."""
    db.session.rollback()
    if key and (answer := _stored(key)) is not None:
        return _replay(answer, fingerprint)
    abort(412, "Someone else changed this request at the same moment; nothing was saved.")


def derived_key(key: str | None, fallback: str) -> str:
    """A key for services that keep their own (raising, 64 characters): this token's."""
    if not key:
        return fallback
    return hashlib.sha256(f"{api_token().id}:{key}".encode()).hexdigest()


def idempotent(view):
    """Around an API write, outside its validation and serialisation: commits the change
    with its answer, or replays the answer a key already has."""

    @functools.wraps(view)
    def write(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= MAX_KEY and key.isprintable()):
            abort(400, f"An Idempotency-Key is 1 to {MAX_KEY} printable characters.")
        fingerprint = _fingerprint() if key else ""
        if key and (answer := _stored(key)) is not None:
            return _replay(answer, fingerprint)
        limits.count_contact_write(api_person())
        try:
            response = make_response(view(*args, **kwargs))
        except StaleDataError:  # another write to the same request won the race
            return _lost_race(key, fingerprint)
        if 200 <= response.status_code < 300:
            # Every change through the API is in the audit log under the token's name.
            audit.record(
                api_person(),
                "api.write",
                api_token(),
                token=api_token().name,
                call=f"{request.method} {request.path}",
                status=response.status_code,
            )
        if key and 200 <= response.status_code < 300:
            db.session.add(
                IdempotentAnswer(
                    token_id=api_token().id,
                    key=key,
                    fingerprint=fingerprint,
                    status=response.status_code,
                    body=response.get_data(as_text=True),
                    location=response.headers.get("Location"),
                )
            )
        try:
            db.session.commit()
        except StaleDataError:
            return _lost_race(key, fingerprint)
        except IntegrityError:
            db.session.rollback()
            answer = _stored(key) if key else None
            if answer is None:
                raise
            return _replay(answer, fingerprint)
        return response

    return write


def forget_old_answers() -> int:
    """Drop answers whose retries are long past (by `tick`): a key used again after that
    acts afresh."""
    old = delete(IdempotentAnswer).where(IdempotentAnswer.created_at < utcnow() - KEPT_FOR)
    return db.session.execute(old).rowcount
