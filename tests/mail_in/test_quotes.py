"""Cutting quoted history and signatures: the corpus in replies/ (what a person would keep
of each client's reply) and the promises that matter beyond it."""

from __future__ import annotations

import time

import pytest

from portal.mail_in.quotes import new_text
from tests.mail_in.corpus import is_right, normalised, reply_cases

CASES = reply_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_corpus_is_cut_where_a_person_would_cut(case):
    assert is_right(new_text(case.body), case), new_text(case.body)


def test_the_corpus_covers_the_common_clients():
    names = {case.name for case in CASES}
    clients = {
        "gmail_en", "outlook_from_sent", "outlook_original_message", "apple_mail_desktop",
        "thunderbird_en", "thunderbird_de", "gmail_fr", "gmail_nl", "outlook_de",
        "dash_dash_signature", "sent_from_iphone_only", "no_quote", "quoted_block_only",
    }  # fmt: skip
    assert clients <= names


def test_text_without_quotes_is_returned_whole():
    text = "Line one\n\n  indented code\n- a list item\n--flag\nBest,\nMaria"
    assert new_text(text) == text


def test_a_message_that_is_only_a_quote_keeps_the_text_under_its_header():
    body = "-----Original Message-----\nFrom: a@b.example\nSent: Monday\n\nForwarded content"
    assert new_text(body) == "Forwarded content"


def test_carriage_returns_are_handled():
    body = "Fixed, thanks.\r\n\r\nOn Tue, Mar 3, 2026 at 10:14 AM Anna wrote:\r\n> old\r\n"
    assert new_text(body) == "Fixed, thanks."


def test_an_empty_body_stays_empty():
    assert new_text("") == ""
    assert new_text("> only a quote") == ""


def test_a_header_deep_in_a_long_message_is_not_looked_for():
    """Reading is bounded: a header beyond the probed lines leaves the text whole."""
    body = "line\n" * 1000 + "From: Anna <a@b.example>\nSent: Tuesday\nTo: Maria\n\nold text"
    assert normalised(new_text(body)) == normalised(body)


def test_hostile_long_lines_are_read_quickly():
    # The library's pattern is quadratic on long "On On On…" lines; the probe bounds it.
    body = ("On " * 20_000 + "\n") * 5
    started = time.perf_counter()
    new_text(body)
    assert time.perf_counter() - started < 2
