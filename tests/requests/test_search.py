"""Full-text search: words anywhere in a request or its timeline, by prefix, always inside
what the reader may see, and no query text can break it."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from portal import access
from portal.extensions import db
from portal.models import Entry, Request
from portal.requests.search import MAX_TERMS, search_condition, terms
from tests import factories
from tests.inbox.test_views import inbox, listed

HOSTILE = [
    '"',
    "*",
    "a:* & !b",
    "NEAR(pallet invoice)",
    "pallet OR",
    "(",
    "subject:pallet",
    "' OR 1=1 --",
    "{{7*7}}",
    "‮evil",
    "x" * 190,
    "%_\\",
    "R-²",
    "²³",
]


def test_terms_are_words_without_query_syntax():
    assert terms('Invoice "PALLETS"* & (late):') == ["Invoice", "PALLETS", "late"]
    assert terms("don't_stop-now") == ["don", "t", "stop", "now"]
    assert terms("Café  café") == ["Café"]  # duplicates by case dropped
    assert terms("Hauptstraße") == ["Hauptstraße"]  # never folded to "strasse"
    assert terms("%%% *** ") == []
    assert len(terms(" ".join(f"w{i}" for i in range(20)))) == MAX_TERMS


def _found(user, q, *, entries=True):
    query = access.requests_visible_to(user).where(search_condition(q, entries=entries))
    return set(db.session.scalars(query.with_only_columns(Request.id)))


@pytest.fixture
def corpus(world):
    invoice = factories.make_request(
        world.account_a,
        world.contact_a,
        subject="Invoice for the pallets",
        description="The March invoice counts 40 pallets; we took 30.",
    )
    forklift = factories.make_request(
        world.account_a, world.contact_a, subject="Broken forklift", description="Please help."
    )
    db.session.flush()
    db.session.add(
        Entry(
            request_id=forklift.id,
            author_id=world.member_x.id,
            kind="note",
            public=False,
            body="Hydraulic leak; the technician visits Thursday.",
        )
    )
    elsewhere = factories.make_request(
        world.account_b, world.contact_b, subject="Invoice for Team Y", description="Pallets too."
    )
    db.session.commit()
    return invoice, forklift, elsewhere


def test_words_match_by_prefix_in_any_order_across_subject_description_and_entries(world, corpus):
    invoice, forklift, _ = corpus
    member = world.member_x
    assert _found(member, "invo") == {invoice.id}
    assert _found(member, "PALLETS march") == {invoice.id}
    assert _found(member, "march forklift") == set()  # every word, in one document
    assert _found(member, "hydraul thursday") == {forklift.id}
    assert _found(member, forklift.reference) == {forklift.id}
    assert _found(member, "nothing-like-this") == set()


def test_search_never_reaches_past_what_the_reader_may_see(world, corpus):
    invoice, _, elsewhere = corpus
    assert _found(world.member_x, "invoice") == {invoice.id}
    assert _found(world.member_y, "invoice") == {elsewhere.id}
    assert _found(world.admin, "invoice") == {invoice.id, elsewhere.id}
    # A contact's search covers what they wrote, never the team's internal notes.
    assert _found(world.contact_a, "hydraulic", entries=False) == set()
    assert _found(world.contact_a, "pallets", entries=False) == {invoice.id}


def test_the_index_follows_edits_moves_and_deletions(world, corpus):
    invoice, forklift, _ = corpus
    invoice.subject = "Credit note wanted"
    invoice.description = "Please send one."
    note = db.session.scalar(select(Entry).where(Entry.request_id == forklift.id))
    note.request_id = invoice.id  # as a merge moves entries to the survivor
    db.session.commit()
    assert _found(world.member_x, "pallets") == set()
    assert _found(world.member_x, "credit note") == {invoice.id}
    assert _found(world.member_x, "hydraulic") == {invoice.id}
    db.session.delete(note)
    db.session.commit()
    assert _found(world.member_x, "hydraulic") == set()


@pytest.mark.parametrize("q", HOSTILE)
def test_no_query_text_breaks_the_inbox_or_the_customers_list(client, world, login_as, corpus, q):
    invoice, _, _ = corpus
    login_as(world.member_x)
    response = inbox(client, world, q=q)
    assert response.status_code == 200
    assert listed(response, invoice) == []
    login_as(world.contact_a)
    assert client.get(url_for("customer.home", show="all", q=q)).status_code == 200


def test_the_inbox_search_box_finds_a_word_from_a_note(client, world, login_as, corpus):
    _, forklift, _ = corpus
    login_as(world.member_x)
    assert listed(inbox(client, world, q="leak"), *corpus) == [forklift.reference]


def test_an_overlong_query_is_refused_clearly(client, world, login_as):
    login_as(world.member_x)
    response = inbox(client, world, q="x" * 5000)
    assert response.status_code == 400
    login_as(world.contact_a)
    assert client.get(url_for("customer.home", q="x" * 5000)).status_code == 400


def test_both_databases_find_the_same_words_in_addresses_file_names_and_accents(world):
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        subject="Lieferung Hauptstraße",
        description="See https://acme.com/invoices/44 and report.pdf, or billing@acme.com. Café.",
    )
    db.session.commit()
    member = world.member_x
    for q in ("Hauptstraße", "HAUPT", "haupt", "invoices", "pdf", "billing", "acme", "café"):
        assert _found(member, q) == {item.id}, q
    # Accents count on both databases alike: "cafe" is another word.
    assert _found(member, "cafe") == set()
