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


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("2002:a9fe:a9fe::1", "metadata"),  # 6to4 carrying 169.254.169.254
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64
        ("2001:0:4136:e378:8000:63bf:5601:5601", "metadata"),  # Teredo
        ("::ffff:127.0.0.1", "loopback"),
        ("168.63.129.16", "metadata"),
    ],
)
def test_an_ipv6_address_carrying_a_refused_ipv4_one_is_refused(address, why):
    assert why in targets.refusal(ipaddress.ip_address(address), allow_loopback=False)


def test_what_counts_as_private_for_the_log():
    """A private address's answer is not kept in the delivery log; loopback's is (tests)."""
    assert targets.is_private("10.0.0.7") and targets.is_private("fd12::1")
    assert not targets.is_private("127.0.0.1") and not targets.is_private("93.184.215.14")
