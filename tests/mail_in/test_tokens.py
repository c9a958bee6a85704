"""Threading: the signed reply address, our signed Message-IDs and the subject tag."""

from __future__ import annotations

import re

import pytest

from portal.domain.references import reference_for
from portal.mail_in.tokens import (
    MAX_LOCAL_PART,
    SIGNATURE_CHARS,
    message_id,
    reply_address,
    request_from_address,
    request_from_references,
    request_message_id,
    subject_tag,
    subject_tag_for,
)

SECRET = b"test-secret-key-0123456789abcdef"
OTHER_SECRET = b"another-deployment-secret-key-xx"
NORTH = "north@support.example"


def test_a_reply_address_names_its_request():
    address = reply_address(NORTH, 1042, SECRET)
    assert re.fullmatch(rf"north\+r1042-[a-z2-7]{{{SIGNATURE_CHARS}}}@support\.example", address)
    assert request_from_address(address, NORTH, SECRET) == 1042


def test_the_token_survives_a_server_that_changes_case():
    address = reply_address(NORTH, 7, SECRET)
    assert request_from_address(address.upper(), NORTH, SECRET) == 7
    assert request_from_address(f"  {address} ", "North@Support.Example", SECRET) == 7


def test_the_same_request_always_gets_the_same_address():
    assert reply_address(NORTH, 1042, SECRET) == reply_address(
        "NORTH@support.example", 1042, SECRET
    )


def _tampered(address: str, old: str, new: str) -> str:
    assert old in address
    return address.replace(old, new, 1)


def test_a_tampered_id_or_signature_is_refused():
    address = reply_address(NORTH, 1042, SECRET)
    sig = address.split("-", 1)[1].split("@")[0]
    flipped = "b" if sig[-1] == "a" else "a"
    assert request_from_address(_tampered(address, "r1042", "r1043"), NORTH, SECRET) is None
    assert request_from_address(_tampered(address, sig, sig[:-1] + flipped), NORTH, SECRET) is None
    assert request_from_address(_tampered(address, sig, sig[:-1]), NORTH, SECRET) is None


def test_a_forged_token_made_with_another_key_is_refused():
    forged = reply_address(NORTH, 1042, OTHER_SECRET)
    assert request_from_address(forged, NORTH, SECRET) is None


def test_a_token_for_another_team_is_refused():
    south_token = reply_address("south@support.example", 1042, SECRET)
    assert request_from_address(south_token, "south@support.example", SECRET) == 1042
    assert request_from_address(south_token, NORTH, SECRET) is None
    # Moved onto north's base address, the signature (bound to south) no longer holds.
    moved = south_token.replace("south+", "north+")
    assert request_from_address(moved, NORTH, SECRET) is None
    elsewhere = reply_address(NORTH, 1042, SECRET).replace("support.example", "evil.example")
    assert request_from_address(elsewhere, NORTH, SECRET) is None


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "north@support.example",
        "north+r@support.example",
        "north+r1042@support.example",
        "north+r0-aaaaaaaaaaaa@support.example",
        "north+r01042-aaaaaaaaaaaa@support.example",
        "north+r1042-aaaaaaaaaaaa-x@support.example",
        "north+r1042-aaaaaaaaaaaa",
        "<north+r1042-aaaaaaaaaaaa@support.example>",
        "north+r99999999999999999999999-aaaaaaaaaaaa@support.example",
        "north+r1042-ÄÄÄÄÄÄÄÄÄÄÄÄ@support.example",
    ],
)
def test_junk_addresses_name_no_request(junk):
    assert request_from_address(junk, NORTH, SECRET) is None


def test_the_local_part_stays_within_the_limit():
    longest_team = "a" * (MAX_LOCAL_PART - len("+r") - 18 - 1 - SIGNATURE_CHARS) + "@x.example"
    local = reply_address(longest_team, 10**17, SECRET).split("@")[0]
    assert len(local) == MAX_LOCAL_PART
    with pytest.raises(ValueError):
        reply_address("a" + longest_team, 10**17, SECRET)


@pytest.mark.parametrize("bad", [("north+x@support.example", 1), (NORTH, 0), ("nothing", 1)])
def test_reply_address_refuses_what_it_cannot_sign(bad):
    with pytest.raises(ValueError):
        reply_address(bad[0], bad[1], SECRET)


def test_message_ids_are_unique_and_well_formed():
    ids = {request_message_id("support.example", 1042, 5531, SECRET) for _ in range(50)}
    assert len(ids) == 50
    for value in ids:
        assert re.fullmatch(r"<r1042\.e5531\.[a-z2-7]{16}\.[a-z2-7]{12}@support\.example>", value)
    assert message_id("support.example", "d", "20260303", SECRET).startswith("<d20260303.")


@pytest.mark.parametrize(
    ("domain", "kind", "ident"),
    [
        ("support.example>", "r", "1"),
        ("a b", "r", "1"),
        ("x.example", "R1", "1"),
        ("x.example", "r", "abc"),
        ("x.example", "r", "1@2"),
    ],
)
def test_message_id_refuses_parts_that_would_break_it(domain, kind, ident):
    with pytest.raises(ValueError):
        message_id(domain, kind, ident, SECRET)


def test_our_message_ids_in_references_name_the_request():
    ours = request_message_id("support.example", 1042, 5531, SECRET)
    newer = request_message_id("support.example", 77, 9, SECRET)
    assert request_from_references([ours.strip("<>")], "support.example", SECRET) == 1042
    assert request_from_references(["x@acme.example", newer, ours], "Support.Example", SECRET) == 77


def test_a_forged_message_id_names_no_request():
    ours = request_message_id("support.example", 1042, 5531, SECRET).strip("<>")
    assert (
        request_from_references([ours.replace("r1042", "r1043")], "support.example", SECRET) is None
    )
    forged = request_message_id("support.example", 1042, 1, OTHER_SECRET)
    assert request_from_references([forged], "support.example", SECRET) is None
    plain = "r1042.e5531.aaaaaaaaaaaaaaaa.aaaaaaaaaaaa@support.example"
    assert request_from_references([plain], "support.example", SECRET) is None
    assert request_from_references([ours], "other.example", SECRET) is None
    assert request_from_references([], "support.example", SECRET) is None


def test_a_message_id_of_another_kind_names_no_request():
    digest = message_id("support.example", "d", "20260303", SECRET)
    assert request_from_references([digest], "support.example", SECRET) is None


@pytest.mark.parametrize(
    ("subject", "request_id"),
    [
        ("Re: [R-1042] Printer broken", 42),
        ("AW: [r-1007] Drucker", 7),
        ("[R-1012] and [R-1034]", 12),
        ("[R-7] below the reference offset", None),
        ("[R-1000] the offset itself", None),
        ("R-1042 without brackets", None),
        ("[R-0] zero", None),
        ("[R-abc]", None),
        ("", None),
    ],
)
def test_subject_tag(subject, request_id):
    assert subject_tag(subject) == request_id


def test_subject_tag_round_trip():
    assert subject_tag(f"Re: {subject_tag_for(1042)} Printer") == 1042


def test_the_subject_tag_is_the_reference_people_see():
    """The tag in our subjects must be the one on the request's page: a customer who types
    `[R-1042]` from the page, or replies to our mail, means the same request."""
    assert subject_tag_for(42) == f"[{reference_for(42)}]" == "[R-1042]"
    assert subject_tag("Re: [R-1042] Printer") == 42
