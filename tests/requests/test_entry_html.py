"""Entries keep their rendered, sanitised HTML from when they are written, and the request
pages print it: it must always be what rendering the body now would give, and stay inert."""

import hashlib
import inspect
from html.parser import HTMLParser
from importlib.metadata import version

from flask import url_for
from sqlalchemy import insert, select, update

from portal import richtext
from portal.extensions import db
from portal.models import Entry
from portal.requests import services as requests
from portal.richtext import fill_entry_html, render_html, render_markdown
from tests import factories

BODIES = [
    "Plain words.",
    "The **price list** from [our site](https://example.com/prices) and `code`:\n\n- one\n- two",
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n~~gone~~\n\n> quoted",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)> <b onclick=alert(3)>bold</b>",
    '<a href="#" hx-get="/admin" hx-trigger="load">x</a> <div hx-post="/x">y</div>',
    "[click](javascript:alert(4)) [data](data:text/html,<script>alert(5)</script>)",
    "{{7*7}} {% raw %} ${7*7}",
    "\u202eevil\u202c rtl override",
    "x" * 5000,
    "",
]


def _open_request(world):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    return item


def _stored(entry_id):
    return db.session.execute(select(Entry.body, Entry.body_html).where(Entry.id == entry_id)).one()


def test_every_written_entry_stores_what_rendering_gives(world):
    item = _open_request(world)
    written = []
    for body in BODIES:
        written.append(requests.reply_as_staff(world.member_x, item, body))
        written.append(requests.add_note(world.member_x, item, body))
        written.append(requests.reply_as_contact(world.contact_a, item, body))
    requests.change_status(world.member_x, item, "resolved")
    db.session.commit()
    events = db.session.scalars(select(Entry).where(Entry.kind == "event")).all()
    assert events  # the services' events go through the same hook
    for entry in [*written, *events]:
        body, html = _stored(entry.id)
        assert html == render_html(body) == str(render_markdown(body))
        assert entry.html == render_markdown(body)


class _Markup(HTMLParser):
    """Every element and attribute a browser would build from some HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, list]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def test_hostile_bodies_are_stored_inert(world):
    item = _open_request(world)
    for body in BODIES:
        entry = requests.reply_as_contact(world.contact_a, item, body)
        db.session.flush()
        for tag, attrs in _Markup(_stored(entry.id).body_html).elements:
            assert tag in richtext.ALLOWED_TAGS, (body, tag)
            for name, value in attrs:
                assert name in ("href", "title", "align", "rel"), (body, name)
                if name == "href":
                    assert value.split(":")[0] in ("http", "https", "mailto"), (body, value)
    assert "49" not in "".join(db.session.scalars(select(Entry.body_html)))


def test_an_edited_body_gets_its_html_again_and_other_changes_keep_it(world):
    item = _open_request(world)
    entry = requests.add_note(world.member_x, item, "first *words*")
    db.session.commit()
    assert _stored(entry.id).body_html == "<p>first <em>words</em></p>\n"
    entry.body = "second <script>alert(1)</script> **words**"
    db.session.commit()
    assert _stored(entry.id).body_html == render_html(entry.body)
    assert "<script" not in _stored(entry.id).body_html
    entry.data = {"touched": True}  # a change that is not the body leaves the HTML right
    db.session.commit()
    assert _stored(entry.id).body_html == render_html(entry.body)


def _pages(client, login_as, world, item):
    login_as(world.member_x)
    staff = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id))
    login_as(world.contact_a)
    customer = client.get(url_for("customer.request", request_id=item.id))
    assert staff.status_code == customer.status_code == 200
    return staff.text, customer.text


def test_both_request_pages_print_the_stored_html(client, login_as, world):
    """They print the column, not a fresh rendering: a marker put in it shows on both."""
    item = _open_request(world)
    entry = requests.reply_as_staff(world.member_x, item, "rendered words")
    db.session.commit()
    db.session.execute(
        update(Entry).where(Entry.id == entry.id).values(body_html="<p>stored marker</p>")
    )
    db.session.commit()
    for page in _pages(client, login_as, world, item):
        assert '<div class="prose"><p>stored marker</p></div>' in page
        assert "rendered words</p>" not in page


def test_a_row_without_stored_html_is_rendered_when_shown(client, login_as, world):
    item = _open_request(world)
    hostile = "<script>alert(1)</script> **bulk** [x](javascript:alert(2))"
    db.session.execute(
        insert(Entry),
        [{"request_id": item.id, "kind": "reply", "public": True, "body": hostile}],
    )
    db.session.commit()
    assert _stored(db.session.scalar(select(Entry.id))).body_html is None
    for page in _pages(client, login_as, world, item):
        assert f'<div class="prose">{render_html(hostile)}</div>' in page
        assert "<script>alert(1)" not in page and 'href="javascript:' not in page


def test_fill_entry_html_backfills_missing_rows_and_rerenders_every_row(world):
    item = _open_request(world)
    rows = [{"request_id": item.id, "kind": "reply", "body": b} for b in BODIES]
    rows += [{"request_id": item.id, "kind": "event", "event": "chase", "body": ""}] * 3
    db.session.execute(insert(Entry), rows)
    kept = requests.add_note(world.member_x, item, "kept *as is*")
    db.session.commit()
    missing = db.session.scalar(select(db.func.count()).where(Entry.body_html.is_(None)))
    assert missing == len(rows)

    assert fill_entry_html(db.session.connection(), batch=4) == len(rows)
    db.session.commit()
    for body, html in db.session.execute(select(Entry.body, Entry.body_html)):
        assert html == render_html(body)

    # After a change of rules, every row is rendered again, the ones already filled too.
    db.session.execute(update(Entry).values(body_html="stale"))
    total = db.session.scalar(select(db.func.count(Entry.id)))
    assert fill_entry_html(db.session.connection(), every=True, batch=4) == total
    db.session.commit()
    assert _stored(kept.id).body_html == render_html("kept *as is*")
    expected = {render_html(b) for b in [*BODIES, "kept *as is*"]}
    assert set(db.session.scalars(select(Entry.body_html))) == expected


# What decides the stored HTML. If this changes (a new allowed tag, a markdown option, an
# upgrade of nh3 or markdown-it-py, which may fix a sanitiser bypass), the HTML already
# stored is stale: run `flask rerender-entries` where it is deployed (or add a migration that
# calls fill_entry_html(every=True)), then update the fingerprint here.
RULES_FINGERPRINT = "6a7b3eede8afd1ef"


def _rules() -> str:
    parts = (
        inspect.getsource(richtext._render),
        sorted(richtext.ALLOWED_TAGS),
        sorted((tag, sorted(names)) for tag, names in richtext.ALLOWED_ATTRIBUTES.items()),
        sorted(richtext.URL_SCHEMES),
        sorted(richtext._markdown.options.items()),
        richtext._markdown.get_active_rules(),
        version("nh3"),
        version("markdown-it-py"),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def test_the_rendering_rules_are_the_ones_stored_html_was_made_with():
    assert _rules() == RULES_FINGERPRINT, (
        "The markdown/sanitiser rules or library versions changed: stored entry HTML "
        "is stale. Re-render it (see the comment above RULES_FINGERPRINT)."
    )
