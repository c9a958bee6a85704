"""Where a webhook may go (portal/webhooks/targets.py) and how it is signed, checked
directly: no network but the resolver's answer for localhost."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from portal.webhooks import signing, targets


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("169.254.169.254", "metadata"),
        ("::ffff:169.254.169.254", "metadata"),  # the same, written as IPv6
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "not an address"),  # noqa: S104  an address to refuse, not to bind
        ("224.0.0.1", "not an address"),
        ("240.0.0.1", "not an address"),
    ],
)
def test_refused_addresses(address, why):
    assert why in targets.refusal(ipaddress.ip_address(address), allow_loopback=False)


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.10", "172.16.5.4", "93.184.215.14"])
def test_private_and_public_addresses_are_allowed(address):
    """A team's CRM is often on a private network (see the module's note)."""
    assert targets.refusal(ipaddress.ip_address(address), allow_loopback=False) is None


def test_loopback_only_where_allowed_and_plain_http_only_to_it():
    assert targets.refusal(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    targets.check_url("http://127.0.0.1:8000/x", allow_loopback=True)
    with pytest.raises(targets.TargetError, match="https only"):
        targets.check_url("http://crm.example.com/x", allow_loopback=True)
    with pytest.raises(targets.TargetError, match="loopback"):
        targets.check_url("https://LOCALHOST./x", allow_loopback=False)


def test_a_name_is_checked_by_every_address_it_resolves_to():
    parts = targets.check_url("https://localhost.example.com/x", allow_loopback=False)
    with pytest.raises(targets.TargetError, match=r"localhost resolves to .*loopback"):
        targets.addresses(parts._replace(netloc="localhost"), allow_loopback=False)
    assert targets.addresses(parts._replace(netloc="localhost"), allow_loopback=True)


def test_our_signature_is_the_standard_one():
    secret = signing.new_secret()
    body = b'{"type":"request.created","data":{}}'
    ours = signing.signature(secret, "msg_1", 1_700_000_000, body)
    theirs = Webhook(secret).sign(
        "msg_1", datetime.fromtimestamp(1_700_000_000, UTC), body.decode()
    )
    assert ours == theirs
    assert signing.signature(signing.new_secret(), "msg_1", 1_700_000_000, body) != ours
