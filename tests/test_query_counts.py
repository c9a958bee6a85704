"""Pages issue a constant number of SQL statements, whatever the number of rows."""

from contextlib import contextmanager

import sqlalchemy as sa
from flask import url_for
from sqlalchemy import event

from portal.extensions import db
from portal.models import Contact, Entry
from tests import factories

HX = {"HX-Request": "true"}


@contextmanager
def counting():
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def queries_for(client, url, **kwargs):
    client.get(url, **kwargs)  # warm the per-process reference cache, as in steady use
    with counting() as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(statements)


def test_inbox_queries_do_not_grow_with_rows(client, world, login_as):
    login_as(world.member_x)
    url = url_for("inbox.index", team_id=world.team_x.id)
    factories.make_request(world.account_a, world.contact_a)
    few = queries_for(client, url)
    for n in range(60):
        factories.make_request(
            world.account_a,
            world.contact_a,
            assignee_id=world.member_x.id,
            function_id=world.function.id,
            chase_count=n,
        )
    many = queries_for(client, url)
    assert many == few
    assert many <= 6  # the budget in the workspace brief


def test_request_pages_do_not_grow_with_entries(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a)
    staff_url = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
    customer_url = url_for("customer.request", request_id=item.id)

    def add_entries(n):
        for i in range(n):
            author = world.member_x if i % 2 else world.contact_a
            db.session.add(
                Entry(
                    request_id=item.id,
                    author_id=author.id,
                    kind="reply",
                    public=True,
                    body=f"Entry {i}",
                )
            )
        db.session.commit()

    login_as(world.member_x)
    staff_few = queries_for(client, staff_url)
    login_as(world.contact_a)
    customer_few = queries_for(client, customer_url)
    add_entries(30)
    login_as(world.member_x)
    staff_many = queries_for(client, staff_url)
    login_as(world.contact_a)
    customer_many = queries_for(client, customer_url)
    assert staff_many == staff_few and customer_many == customer_few
    assert staff_many <= 8 and customer_many <= 8  # the budget in the workspace brief
    # What they take today: the person, the request's row, its entries (no handoffs, no
    # files, and the other open requests kept by the team's activity).
    assert staff_many == customer_many == 3


def test_my_requests_does_not_grow_with_rows_and_shows_who(client, world, login_as):
    """The list loads only the columns its rows show: a column it forgot would be loaded
    once per row, and this count would grow."""
    world.account_a.shares_visibility = True
    colleague = factories.make_contact(world.account_a, name="Colleague C")
    db.session.execute(
        sa.update(Contact)
        .where(Contact.user_id == world.contact_a.id)
        .values(sees_account_requests=True)
    )
    factories.make_request(world.account_a, world.contact_a, subject="First one", status="open")
    db.session.commit()
    login_as(world.contact_a)
    url = url_for("customer.home", show="all")
    few = queries_for(client, url)
    for i in range(6):
        factories.make_request(
            world.account_a,
            colleague if i % 2 else world.contact_a,
            subject=f"Row {i}",
            status=("open", "resolved", "new")[i % 3],
            assignee_id=(world.member_x if i % 2 else world.coach_x).id,
        )
    db.session.commit()
    assert queries_for(client, url) == few <= 3  # the person, the rows, open surveys
    text = client.get(url).text
    assert "Row 5" in text and "raised by Colleague C" in text
    assert "with Member X" in text and "with Coach X" in text


def post_new_request(client, world) -> int:
    """Contact A raises a request through the web form; how many statements it took."""
    import uuid

    form = {
        "account": str(world.account_a.id),
        "about": str(world.function.id),
        "subject": "Pallet count is short",
        "description": "Counted 38 pallets.",
        "urgency": "normal",
        "idempotency_key": uuid.uuid4().hex,
    }
    with counting() as statements:
        response = client.post(url_for("customer.new_request"), data=form)
    assert response.status_code == 303
    return len(statements)


def test_raising_a_request_does_not_grow_with_the_team_s_load(client, world, login_as, no_csrf):
    """The owner is chosen by load in one query however many requests the team has open;
    everything else a post reads is one row or one small list. Telling the owner costs one
    statement (an INSERT … SELECT, portal/notify.py); the receipt looks up no thread (it is
    the request's first mail). The service levels, the team's calendar and the functions come
    from the reference cache, warmed by a first post."""
    factories.make_skill(world.member_x, world.function, 2)
    factories.make_skill(world.coach_x, world.function, 2)
    login_as(world.contact_a)

    def post():
        return post_new_request(client, world)

    post()
    few = post()
    for n in range(40):
        factories.make_request(
            world.account_a,
            world.contact_a,
            status="open",
            assignee_id=(world.member_x if n % 3 else world.coach_x).id,
            function_id=world.function.id,
        )
    db.session.commit()
    many = post()
    assert many == few
    # The person, their accounts, the candidates, the request, its events, the notification,
    # the receipt, the team's activity stamp.
    assert many <= 8
