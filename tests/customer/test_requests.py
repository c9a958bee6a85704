"""Raising, following, chasing, resolving and reopening requests as a contact."""

import re
import uuid
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import event, func, select

from portal.domain import time_words
from portal.extensions import db
from portal.models import Contact, Entry, OutboxMessage, Request, utcnow
from tests import factories

HX = {"HX-Request": "true"}


def _form(world, **overrides):
    data = {
        "account": str(world.account_a.id),
        "about": str(world.function.id),
        "subject": "Invoice 4471 charges the old price",
        "description": "The invoice uses last year's **price list**.",
        "urgency": "high",
        "expected_by": "",
        "expected_outcome": "A corrected invoice",
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


def count_requests():
    return db.session.scalar(select(func.count()).select_from(Request))


@pytest.fixture
def contact_a(client, world, login_as, no_csrf):
    login_as(world.contact_a)
    return world.contact_a


def test_raising_a_request_gives_a_reference_an_owner_and_a_confirmation(client, world, contact_a):
    factories.make_skill(world.member_x, world.function, 2)
    factories.make_skill(world.coach_x, world.function, 3)

    response = client.post(url_for("customer.new_request"), data=_form(world))

    assert response.status_code == 303
    item = db.session.scalar(select(Request))
    assert response.headers["Location"].endswith(url_for("customer.request", request_id=item.id))
    assert item.team_id == world.team_x.id
    assert item.assignee_id == world.coach_x.id  # the higher skill level
    assert item.routing_reason == "Billing level 3, 0 open"
    assert item.expected_outcome == "A corrected invoice"
    page = client.get(response.headers["Location"]).text
    assert item.reference in page and item.reference.startswith("R-")
    assert "Team X" in page and "Coach X is looking after this" in page
    assert "Billing level 3" not in page  # the routing reason is for the team only
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in mail] == [world.contact_a.email]
    assert item.reference in mail[0].subject
    assert "Hello Contact A," in mail[0].body
    assert f"Its reference is {item.reference}." in mail[0].body
    assert "Coach X of Team X is looking after it." in mail[0].body
    assert url_for("customer.request", request_id=item.id) in mail[0].body


def test_a_double_submit_creates_one_request(client, world, contact_a):
    data = _form(world)
    first = client.post(url_for("customer.new_request"), data=data)
    second = client.post(url_for("customer.new_request"), data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_requests() == 1
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_without_a_skilled_member_the_request_waits_unassigned(client, world, contact_a):
    client.post(url_for("customer.new_request"), data=_form(world, about="other"))
    item = db.session.scalar(select(Request))
    assert item.function_id is None and item.assignee_id is None
    (mail,) = db.session.scalars(select(OutboxMessage)).all()
    assert "Team X will pick it up shortly." in mail.body
    assert (
        "Your team will pick this up shortly"
        in client.get(url_for("customer.request", request_id=item.id)).text
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": ""}, "Give your request a short title."),
        ({"subject": "x" * 201}, "at most 200"),
        ({"description": ""}, "Describe what you need."),
        ({"description": "x" * 20001}, "at most 20,000"),
        ({"urgency": "apocalyptic"}, "Not a valid choice"),
        ({"about": "999999"}, "Not a valid choice"),
        ({"expected_by": "2001-01-01"}, "today or a later date"),
        ({"expected_by": "not a date"}, "Not a valid date"),
        ({"idempotency_key": "not-hex"}, "Reload the form and try again"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_saved(
    client, world, contact_a, overrides, message
):
    response = client.post(url_for("customer.new_request"), data=_form(world, **overrides))
    assert response.status_code == 422
    assert message in response.text
    assert count_requests() == 0


def test_a_contact_cannot_raise_for_another_account_or_set_internal_fields(
    client, world, contact_a
):
    foreign = client.post(
        url_for("customer.new_request"), data=_form(world, account=str(world.account_b.id))
    )
    assert foreign.status_code == 422
    assert count_requests() == 0

    client.post(
        url_for("customer.new_request"),
        data=_form(world, status="resolved", assignee_id=str(world.member_y.id), team_id="999"),
    )
    item = db.session.scalar(select(Request))
    assert (item.status, item.team_id) == ("new", world.team_x.id)
    assert item.assignee_id != world.member_y.id


def test_hostile_text_is_shown_as_text(client, world, contact_a):
    hostile = (
        "<script>alert(1)</script><img src=x onerror=alert(2)> {{7*7}} [x](javascript:alert(3))"
    )
    client.post(
        url_for("customer.new_request"),
        data=_form(world, description=hostile, subject=hostile[:200]),
    )
    item = db.session.scalar(select(Request))
    page = client.get(url_for("customer.request", request_id=item.id)).text
    assert "<script>alert(1)" not in page
    assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    assert 'href="javascript:' not in page
    assert "{{7*7}}" in page  # not evaluated as a template


def test_null_bytes_do_not_break_the_database(client, world, contact_a):
    response = client.post(
        url_for("customer.new_request"), data=_form(world, description="a\x00b", subject="s\x00")
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Request.description)) == "ab"


def test_my_requests_lists_only_mine_unless_the_account_shares_and_i_opted_in(
    client, world, login_as
):
    colleague = factories.make_contact(world.account_a, name="Colleague")
    mine = factories.make_request(world.account_a, world.contact_a, subject="Mine")
    theirs = factories.make_request(world.account_a, colleague, subject="Colleague request")
    other = factories.make_request(world.account_b, world.contact_b, subject="Other company's")
    login_as(world.contact_a)

    def listed():
        text = client.get(url_for("customer.home", show="all")).text
        return {r.subject for r in (mine, theirs, other) if r.subject in text}

    assert listed() == {"Mine"}
    world.account_a.shares_visibility = True
    db.session.commit()
    assert listed() == {"Mine"}  # the account shares, but this contact has not opted in
    contact = db.session.scalar(select(Contact).where(Contact.user_id == world.contact_a.id))
    contact.sees_account_requests = True
    db.session.commit()
    assert listed() == {"Mine", "Colleague request"}
    assert "raised by Colleague" in client.get(url_for("customer.home", show="all")).text
    # The other account's request is never reachable, by list or by URL.
    assert client.get(url_for("customer.request", request_id=other.id)).status_code == 404
    assert client.get(url_for("customer.request", request_id=theirs.id)).status_code == 200


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("open", {"Mine open", "Colleague open"}),
        ("closed", {"Mine resolved", "Colleague closed"}),
        ("all", {"Mine open", "Mine resolved", "Colleague open", "Colleague closed"}),
    ],
)
def test_each_status_view_keeps_to_the_visibility_rule(client, world, login_as, show, expected):
    """The status filter is applied inside each branch of the rule (own, colleagues'): no
    view may let in another account's requests, of the same team or another, nor the
    requests of an account the contact has left."""
    world.account_a.shares_visibility = True
    world.account_a2.shares_visibility = True
    contact = db.session.scalar(select(Contact).where(Contact.user_id == world.contact_a.id))
    contact.sees_account_requests = True
    colleague = factories.make_contact(world.account_a, name="Colleague")
    make = factories.make_request
    make(world.account_a, world.contact_a, subject="Mine open", status="open")
    make(world.account_a, world.contact_a, subject="Mine resolved", status="resolved")
    make(world.account_a, colleague, subject="Colleague open", status="new")
    make(world.account_a, colleague, subject="Colleague closed", status="closed")
    for account, person in (
        (world.account_a2, world.contact_a2),
        (world.account_b, world.contact_b),
    ):
        make(account, person, subject=f"{account.name} open", status="waiting_on_customer")
        make(account, person, subject=f"{account.name} resolved", status="resolved")
    # A request of contact A's in an account they no longer belong to.
    make(world.account_a2, world.contact_a, subject="Left behind open", status="open")
    make(world.account_a2, world.contact_a, subject="Left behind closed", status="closed")
    db.session.commit()
    login_as(world.contact_a)

    text = client.get(url_for("customer.home", show=show)).text
    subjects = db.session.scalars(select(Request.subject)).all()
    assert {s for s in subjects if s in text} == expected


def test_my_open_requests_are_read_from_the_index_of_open_requests(world):
    """The open view's statement lets the database prove it stays inside the partial index
    of open requests: with the statuses sent as parameters, neither database could use it
    and the list read the account's whole history (2.7 ms at 1,000,000 requests, 0.3 ms
    from the index)."""
    from portal.customer.services import _kept_list_query

    connection = db.session.connection()
    sent = []
    listen = ("before_cursor_execute", lambda *a: sent.append((a[2], a[3])))
    event.listen(connection, *listen)
    try:
        statement = _kept_list_query("contact", "open", "", False)
        connection.execute(statement, {"viewer_id": world.contact_a.id})
    finally:
        event.remove(connection, *listen)
    sql, params = sent[-1]  # as the database receives it
    if connection.dialect.name == "postgresql":
        # A kept statement soon runs on a generic plan, which knows no parameter: prepare it
        # and force one. On a table this small a scan is cheaper: forbid it, so any usable
        # index is used.
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
        numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m[1]) + 1}", sql)
        assert all(isinstance(params[name], int) for name in names)  # safe to write out
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql(f"PREPARE open_list AS {numbered}")
        values = ", ".join(str(params[name]) for name in names)
        plan = connection.exec_driver_sql(f"EXPLAIN EXECUTE open_list({values})").scalars().all()
        connection.exec_driver_sql("DEALLOCATE open_list")
    else:
        plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
    assert sum("ix_request_account_open" in line for line in plan) == 2, "\n".join(plan)


def test_search_and_filter(client, world, login_as):
    factories.make_request(world.account_a, world.contact_a, subject="Broken pallet")
    done = factories.make_request(
        world.account_a, world.contact_a, subject="Old invoice", status="resolved"
    )
    login_as(world.contact_a)
    open_page = client.get(url_for("customer.home")).text
    assert "Broken pallet" in open_page and "Old invoice" not in open_page
    assert "Old invoice" in client.get(url_for("customer.home", show="closed")).text
    by_word = client.get(url_for("customer.home", show="all", q="pallet")).text
    assert "Broken pallet" in by_word and "Old invoice" not in by_word
    by_ref = client.get(url_for("customer.home", show="all", q=done.reference)).text
    assert "Old invoice" in by_ref and "Broken pallet" not in by_ref
    fragment = client.get(url_for("customer.home", q="pallet"), headers=HX)
    assert "<html" not in fragment.text and 'id="request-list"' in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get(url_for("customer.home", q="%_\\")).status_code == 200
    assert client.get(url_for("customer.home", show="bogus")).status_code == 400


def test_internal_notes_and_events_never_reach_the_contact(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a)
    db.session.add_all(
        [
            Entry(
                request_id=item.id,
                author_id=world.member_x.id,
                kind="note",
                public=False,
                body="Customer is on credit hold, careful",
            ),
            Entry(
                request_id=item.id,
                kind="event",
                public=False,
                event="handoff",
                body="Handed to Credit for a limit review",
            ),
            Entry(
                request_id=item.id,
                author_id=world.member_x.id,
                kind="reply",
                public=True,
                body="We are on it",
            ),
        ]
    )
    login_as(world.contact_a)
    for headers in ({}, HX):
        text = client.get(url_for("customer.request", request_id=item.id), headers=headers).text
        assert "We are on it" in text
        assert "credit hold" not in text and "limit review" not in text


def test_chasing_is_counted_and_never_moves_the_request(client, world, contact_a):
    due = utcnow() + timedelta(hours=5)
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        assignee_id=world.member_x.id,
        next_due_at=due,
    )
    for _ in range(3):
        assert client.post(url_for("customer.chase", request_id=item.id)).status_code == 303
        factories.age_chases(item)  # each asked an hour or more after the one before
    # A reply adds detail: it is no chase, even while the request waits on the team.
    client.post(url_for("customer.reply", request_id=item.id), data={"body": "One more detail"})
    db.session.refresh(item)
    assert item.chase_count == 3
    assert (item.status, item.assignee_id, item.next_due_at) == ("open", world.member_x.id, due)
    assert count_requests() == 1
    page = client.get(url_for("customer.request", request_id=item.id)).text
    assert page.count("You asked for an update") == 3


def test_replying_when_waiting_on_the_customer_resumes_the_clock(client, world, contact_a):
    item = factories.make_request(world.account_a, world.contact_a, status="waiting_on_customer")
    response = client.post(
        url_for("customer.reply", request_id=item.id), data={"body": "Here is the PO"}, headers=HX
    )
    assert response.status_code == 200 and 'id="conversation"' in response.text
    db.session.refresh(item)
    assert (item.status, item.chase_count) == ("open", 0)


def test_empty_reply_is_refused_and_saves_nothing(client, world, contact_a):
    item = factories.make_request(world.account_a, world.contact_a)
    response = client.post(url_for("customer.reply", request_id=item.id), data={"body": "  "})
    assert response.status_code == 422
    assert "Write your reply first." in response.text
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_resolve_then_reopen_within_the_window_only(client, world, contact_a, app):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    client.post(url_for("customer.resolve", request_id=item.id))
    db.session.refresh(item)
    assert item.status == "resolved" and item.resolved_at is not None
    client.post(url_for("customer.reopen", request_id=item.id))
    db.session.refresh(item)
    assert item.status == "open"

    item.status = "resolved"
    item.resolved_at = utcnow() - timedelta(days=app.config["REOPEN_DAYS"] + 1)
    db.session.commit()
    late = client.post(url_for("customer.reopen", request_id=item.id), headers=HX)
    assert late.status_code == 409
    assert "raise a new one" in late.text
    db.session.refresh(item)
    assert item.status == "resolved"


def test_staff_and_other_contacts_cannot_act_on_the_request(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.contact_b)
    assert client.post(url_for("customer.chase", request_id=item.id)).status_code == 404
    login_as(world.member_x)
    assert client.post(url_for("customer.chase", request_id=item.id)).status_code == 403
    db.session.refresh(item)
    assert item.chase_count == 0


def test_a_reused_key_with_other_content_is_refused_with_the_first_reference(
    client, world, contact_a
):
    data = _form(world)
    client.post(url_for("customer.new_request"), data=data)
    first = db.session.scalar(select(Request))
    response = client.post(
        url_for("customer.new_request"), data={**data, "subject": "Something different"}
    )
    assert response.status_code == 409
    assert f"already sent as {first.reference}" in response.text
    assert count_requests() == 1


def test_submissions_are_rate_limited_per_contact(world, login_as):
    from flask import current_app

    from portal import create_app
    from tests.conftest import TEST_CONFIG

    limited = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": current_app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": True,
            "SUBMISSION_RATE_LIMIT": "2 per hour",
            "WTF_CSRF_ENABLED": False,
        }
    )
    limited.test_client_class = current_app.test_client_class
    client = limited.test_client()
    login_as(world.contact_a, on=client)
    with limited.test_request_context():
        url = url_for("customer.new_request")
    codes = [client.post(url, data=_form(world)).status_code for _ in range(3)]
    assert codes == [303, 303, 429]
    assert count_requests() == 2


def test_my_requests_pages_through_every_request_once_newest_activity_first(
    client, world, login_as
):
    """Keyset pages on (last activity, id), ties included; a search and the closed view
    filter the same way."""
    import re

    start = utcnow() - timedelta(days=3)
    made = []
    for i in range(30):
        made.append(
            factories.make_request(
                world.account_a,
                world.contact_a,
                subject=f"Paged {i:02d}",
                status="resolved" if i % 10 == 9 else "open",
                last_activity_at=start + timedelta(minutes=i // 2),  # pairs tie
            )
        )
    factories.make_request(world.account_b, world.contact_b, subject="Paged other")
    db.session.commit()
    login_as(world.contact_a)

    def page(url):
        text = client.get(url).text
        subjects = re.findall(r'class="request-title">(Paged \d\d)<', text)
        more = re.search(r'class="pager"><a class="button" href="([^"]+)"', text)
        return subjects, more.group(1).replace("&amp;", "&") if more else None

    first, more = page(url_for("customer.home", show="all"))
    second, last = page(more)
    assert len(first) == 25 and last is None
    newest_first = sorted(made, key=lambda r: (r.last_activity_at, r.id), reverse=True)
    assert first + second == [r.subject for r in newest_first]
    open_only, _ = page(url_for("customer.home"))
    assert "Paged 29" not in open_only and "Paged 28" in open_only
    closed, _ = page(url_for("customer.home", show="closed"))
    assert closed == ["Paged 29", "Paged 19", "Paged 09"]
    found, _ = page(url_for("customer.home", show="all", q="Paged 07"))
    assert found == ["Paged 07"]


def test_the_page_says_when_to_expect_an_answer_in_plain_words(client, world, contact_a):
    from datetime import UTC, datetime

    due = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    waiting = factories.make_request(world.account_a, world.contact_a, status="open")
    waiting.first_response_due_at = due
    answered = factories.make_request(world.account_a, world.contact_a, status="open")
    answered.first_response_at = due
    answered.resolution_due_at = datetime(2026, 3, 6, 12, 30, tzinfo=UTC)
    theirs = factories.make_request(world.account_a, world.contact_a, status="waiting_on_customer")
    db.session.commit()

    def facts(item):
        return client.get(url_for("customer.request", request_id=item.id)).text

    assert "<dt>Expect an answer</dt><dd>by Wed 4 Mar, 16:00 UTC</dd>" in facts(waiting)
    assert "<dt>Expect it sorted</dt><dd>by Fri 6 Mar, 12:30 UTC</dd>" in facts(answered)
    assert "Yours: your team is waiting for your answer" in facts(theirs)
    # The same promise as one line under the title, which a phone shows before the
    # conversation (the facts come after it there).
    line = '<p class="status-line">Expect an answer by Wed 4 Mar, 16:00 UTC.</p>'
    assert facts(waiting).count(line) == 1
    assert "The next step is yours: your team is waiting for your answer." in facts(theirs)
    closed = factories.make_request(world.account_a, world.contact_a, status="closed")
    db.session.commit()
    assert 'class="status-line"' not in facts(closed)


def test_reopening_and_changing_a_rating_share_one_sentence(client, world, contact_a):
    from portal.models import Rating
    from portal.requests import ratings
    from portal.requests import services as requests_services

    item = factories.make_request(
        world.account_a, world.contact_a, status="resolved", resolved_at=utcnow()
    )
    db.session.commit()
    ratings.rate(world.contact_a, item, 4, "")
    db.session.commit()
    rated = db.session.scalar(select(Rating).where(Rating.request_id == item.id))

    page = client.get(url_for("customer.request", request_id=item.id)).text

    reopen = time_words.day(requests_services.reopen_deadline(item))
    change = time_words.day(ratings.change_deadline(rated))
    assert f"You can reopen it until {reopen} and change your rating until {change}." in page
    assert page.count(change) == 1  # said once
