"""Full-text search over requests and their timeline entries, on either database.

SQLite answers from FTS5 tables that triggers keep in step with `request` and `entry`;
PostgreSQL answers from GIN indexes on `to_tsvector` expressions. Both tables and indexes are
created by migration 0014 and are invisible to the models (see `is_search_object`), so the
ORM never writes to them. A query is split into words and every word must start a word of
one document (the request's subject and description, or one entry): "invo pall" finds
"Invoice for the pallets". Search is always a condition added to an access-scoped query.
"""

from __future__ import annotations

import re

from sqlalchemy import Integer, column, false, literal, select, table, text, union_all
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from ..extensions import db
from ..models import Entry, Request, id_from_reference

# Letters and digits only: nothing in a term can be read as query syntax on either side.
_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 8
MAX_TERM_LENGTH = 40

# Everything migration 0014 creates, so Alembic's comparison leaves it alone.
SQLITE_TABLES = ("request_fts", "entry_fts")
POSTGRESQL_INDEXES = ("ix_request_search", "ix_entry_search")
_FTS5_SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")
# PostgreSQL's parser would keep "billing@acme.com" or "report.pdf" as one word, where
# SQLite's tokenizer splits them: replacing every run of non-alphanumerics by a space first
# makes both see the same words. These must match migration 0014's index expressions
# character for character, or the planner cannot use the indexes.
REQUEST_VECTOR = (
    "to_tsvector('simple', regexp_replace(coalesce(request.subject, '') || ' ' || "
    "coalesce(request.description, ''), '[^[\\:alnum\\:]]+', ' ', 'g'))"
)
ENTRY_VECTOR = (
    "to_tsvector('simple', regexp_replace(coalesce(entry.body, ''), '[^[\\:alnum\\:]]+', ' ', 'g'))"
)
_REQUEST_FTS = table("request_fts", column("rowid"))
_ENTRY_FTS = table("entry_fts", column("rowid"))


def is_search_object(name: str | None, type_: str) -> bool:
    if not name:
        return False
    if type_ == "table":
        return any(name == t or name in {t + s for s in _FTS5_SHADOWS} for t in SQLITE_TABLES)
    return type_ == "index" and name in POSTGRESQL_INDEXES


def terms(q: str) -> list[str]:
    """The words of a query, at most MAX_TERMS of them, duplicates dropped.

    Case is left to the databases, which fold it the same way they folded the indexed
    text: Python's casefold() would turn "Straße" into "strasse", which neither stores."""
    found: list[str] = []
    seen: set[str] = set()
    for word in _WORD.findall(q):
        word = word[:MAX_TERM_LENGTH]
        if word.lower() not in seen:
            seen.add(word.lower())
            found.append(word)
        if len(found) == MAX_TERMS:
            break
    return found


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _sqlite_match(words: list[str]) -> str:
    return " AND ".join(f'"{word}"*' for word in words)


def _postgresql_query(words: list[str]) -> str:
    return " & ".join(f"{word}:*" for word in words)


def _requests_matching(words: list[str], within):
    """Ids of requests whose subject and description hold every word."""
    if _dialect() == "postgresql":
        # The expression is the index's own, written out, so the planner uses the index.
        return (
            select(Request.id)
            .where(
                *within,
                text(f"{REQUEST_VECTOR} @@ to_tsquery('simple', :search_request_terms)").bindparams(
                    search_request_terms=_postgresql_query(words)
                ),
            )
            .correlate(None)
        )
    return select(_REQUEST_FTS.c.rowid).where(
        text("request_fts MATCH :search_request_terms").bindparams(
            search_request_terms=_sqlite_match(words)
        )
    )


def _requests_with_entry_matching(words: list[str]):
    """Ids of requests with one entry that holds every word."""
    if _dialect() == "postgresql":
        return select(Entry.request_id).where(
            text(f"{ENTRY_VECTOR} @@ to_tsquery('simple', :search_entry_terms)").bindparams(
                search_entry_terms=_postgresql_query(words)
            )
        )
    return select(Entry.request_id).where(
        Entry.id.in_(
            select(_ENTRY_FTS.c.rowid).where(
                text("entry_fts MATCH :search_entry_terms").bindparams(
                    search_entry_terms=_sqlite_match(words)
                )
            )
        )
    )


def search_condition(q: str, *, entries: bool, within=()):
    """A WHERE condition on `Request`: the query's words in its text (and, for staff, in one
    of its entries), or its reference ("R-1042"). Matches nothing when the query has no words.

    `within` are conditions on `Request` the caller's query applies anyway (the team and the
    view of an inbox). On PostgreSQL the request branch applies them too, so the planner ANDs
    the text index's bitmap with the team's index before it reads a row: a common word costs
    one team's matches, not every team's. The entry branch stays unbounded: joined to the
    team's requests, the planner walked every one of them and tested each entry's text (1.3 s
    for a team's whole history), where the text index alone reads only the word's entries.
    A contact's search passes nothing (My requests, a contact's API token): the planner
    already starts from their few requests, and bounding the text index by their accounts
    made it slower.

    One `id IN (… UNION ALL …)` rather than an OR of conditions: each branch then uses its
    own index, where an OR would make PostgreSQL scan every request. IN needs no duplicates
    removed, so the branches are not merged into a sorted set first.

    On SQLite the id is written `+request.id`, which keeps SQLite from driving the query
    from the matches: a common word matches tens of thousands of requests, and looking each
    one up by id to test its team and status took 36 ms, where walking the view's few
    hundred rows by their index and testing each against the matches takes 9."""
    branches = []
    words = terms(q)
    if words:
        branches.append(_requests_matching(words, within))
        if entries:
            branches.append(_requests_with_entry_matching(words))
    request_id = id_from_reference(q)
    if request_id is not None:
        branches.append(select(literal(request_id).label("id")))
    if not branches:
        return false()
    request = Request.id
    if _dialect() == "sqlite":
        request = UnaryExpression(Request.id, operator=operators.custom_op("+"), type_=Integer())
    return request.in_(union_all(*branches) if len(branches) > 1 else branches[0])


def include_object(_object, name, type_, _reflected, _compare_to) -> bool:
    """Alembic's filter: compare everything but the search tables and indexes."""
    return not is_search_object(name, type_)
