"""README's shell check of a webhook signature, run as written against a real delivery: it
accepts what Onestop sent and refuses a changed body."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from portal.extensions import db
from portal.webhooks import delivery
from tests import factories

README = Path(__file__).resolve().parents[2] / "README.md"


def _block() -> str:
    match = re.search(r"<!-- verify-webhook -->\n```sh\n(.*?)```", README.read_text(), re.S)
    assert match, "README lost its signature check"
    return match.group(1)


def test_the_readme_check_accepts_a_delivery_and_refuses_a_changed_one(
    world, receiver, endpoint_of, tmp_path
):
    _, secret = endpoint_of(receiver.url)
    factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    delivery.deliver_due()
    [got] = receiver.received
    env = {
        **os.environ,
        "SECRET": secret,
        "WEBHOOK_ID": got.headers["webhook-id"],
        "WEBHOOK_TIMESTAMP": got.headers["webhook-timestamp"],
        "WEBHOOK_SIGNATURE": got.headers["webhook-signature"],
    }

    def check(body: bytes):
        (tmp_path / "body.json").write_bytes(body)
        return subprocess.run(  # noqa: S603 (the README's own block)
            ["/bin/bash", "-c", _block()], cwd=tmp_path, env=env, capture_output=True, timeout=10
        )

    accepted = check(got.body)
    assert (accepted.returncode, accepted.stdout.strip()) == (0, b"valid"), accepted.stderr
    refused = check(got.body.replace(b'"request.created"', b'"request.updated"'))
    assert refused.returncode == 1 and b"does not match" in refused.stdout


def test_the_reference_page_s_python_check_works(client):
    """The verify() the API reference page shows, run as shown, on a signed body."""
    import html
    import time

    from portal.webhooks import signing

    page = client.get("/api").text
    code = html.unescape(re.search(r"<code>(import base64.*?)</code>", page, re.S).group(1))
    scope: dict = {}
    exec(compile(code, "reference-page", "exec"), scope)  # noqa: S102  our own page's example
    secret, body = signing.new_secret(), b'{"type":"request.created"}'
    headers = signing.headers(secret, "msg_1", int(time.time()), body)
    scope["verify"](secret, headers, body)
    try:
        scope["verify"](secret, headers, body + b" ")
    except ValueError as refused:
        assert "does not match" in str(refused)
    else:
        raise AssertionError("a changed body was accepted")
