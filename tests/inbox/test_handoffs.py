"""Handoffs: part of a request to another function, even another team, without losing it."""

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Handoff, Request
from tests import factories

HX = {"HX-Request": "true"}


@pytest.fixture
def credit(world):
    function = factories.make_function("Credit", customer_label="credit or payment terms")
    factories.make_skill(world.member_y, function, 3)  # the Credit expert is in Team Y
    factories.make_skill(world.coach_x, function, 1)
    return function


def hand_off(client, world, item, function, **data):
    return client.post(
        url_for("inbox.hand_off", team_id=world.team_x.id, request_id=item.id),
        data={
            "function": function.id,
            "owner": "",
            "what_is_needed": "Check the limit",
            "due_in_hours": 8,
            **data,
        },
    )


def test_a_handoff_routes_by_skill_across_teams_and_the_owner_sees_that_request_only(
    client, world, login_as, no_csrf, credit
):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    unrelated = factories.make_request(world.account_a, world.contact_a, subject="Unrelated")
    login_as(world.member_x)
    assert hand_off(client, world, item, credit).status_code == 303
    handoff = db.session.scalar(select(Handoff))
    assert handoff.owner_id == world.member_y.id  # level 3 beats level 1
    assert handoff.due_at is not None
    db.session.refresh(item)
    assert item.team_id == world.team_x.id  # the owning team keeps the request

    login_as(world.member_y)
    assert "Check the limit" in client.get(url_for("handoffs.index")).text
    page = client.get(url_for("handoffs.show", handoff_id=handoff.id))
    assert page.status_code == 200 and item.subject in page.text
    # Only that request: not the team's inbox, not its other requests.
    assert client.get(url_for("inbox.index", team_id=world.team_x.id)).status_code == 404
    for team in (world.team_x, world.team_y):
        assert (
            client.get(
                url_for("inbox.detail", team_id=team.id, request_id=unrelated.id)
            ).status_code
            == 404
        )


def test_completing_shows_progress_to_the_customer_without_internal_detail(
    client, world, login_as, no_csrf, credit
):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    handoff = factories.make_handoff(
        item, credit, world.member_y, world.member_x, what_is_needed="Secret credit review"
    )
    login_as(world.contact_a)
    page = client.get(url_for("customer.request", request_id=item.id)).text
    assert "Credit: in progress" in page and "Secret credit review" not in page

    login_as(world.member_y)
    response = client.post(
        url_for("handoffs.complete", handoff_id=handoff.id), data={"outcome": "Limit raised to 50k"}
    )
    assert response.status_code == 303
    db.session.refresh(handoff)
    assert handoff.status == "done" and handoff.completed_at is not None

    login_as(world.contact_a)
    page = client.get(url_for("customer.request", request_id=item.id)).text
    assert "Credit: done" in page and "Limit raised" not in page

    login_as(world.member_x)
    detail = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id))
    assert "Limit raised to 50k" in detail.text


def test_strangers_cannot_see_or_close_a_handoff(client, world, login_as, no_csrf, credit):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    handoff = factories.make_handoff(item, credit, world.coach_x, world.member_x)
    login_as(world.member_y)  # Team Y, and not the owner
    assert client.get(url_for("handoffs.show", handoff_id=handoff.id)).status_code == 404
    assert client.post(url_for("handoffs.cancel", handoff_id=handoff.id)).status_code == 404
    login_as(world.contact_a)
    assert client.get(url_for("handoffs.show", handoff_id=handoff.id)).status_code == 403
    db.session.refresh(handoff)
    assert handoff.status == "open"


def test_without_anyone_skilled_the_handoff_asks_for_a_name(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    nobody = factories.make_function("Legal")
    login_as(world.member_x)
    response = hand_off(client, world, item, nobody)
    assert response.status_code == 422 and "choose an owner by name" in response.text
    assert db.session.scalar(select(Handoff)) is None
    named = hand_off(client, world, item, nobody, owner=world.coach_x.id)
    assert named.status_code == 303
    assert db.session.scalar(select(Handoff.owner_id)) == world.coach_x.id


def test_handoffs_for_me_view_in_the_team_inbox(client, world, login_as, credit):
    mine = factories.make_request(world.account_a, world.contact_a, status="open", subject="Mine")
    factories.make_request(world.account_a, world.contact_a, status="open", subject="Other")
    factories.make_handoff(mine, credit, world.coach_x, world.member_x)
    login_as(world.coach_x)
    page = client.get(url_for("inbox.index", team_id=world.team_x.id, view="handoffs")).text
    assert f'<span class="mono">{mine.reference}</span>' in page
    assert ">Other<" not in page
    assert db.session.scalar(select(Request.id).where(Request.subject == "Other"))


def test_the_request_page_lists_each_handoff_state(client, world, login_as, credit):
    """The page reads handoffs as plain rows: each state, its owner (or none), its due time
    and outcome, and the done/cancel forms of the open one still read as before."""
    from datetime import timedelta

    from portal.models import utcnow

    item = factories.make_request(world.account_a, world.contact_a, status="open")
    due = utcnow() + timedelta(hours=4)
    then = utcnow() - timedelta(hours=1)

    def handoff(what, **fields):
        return factories.make_handoff(
            item, credit, world.member_y, world.member_x, what_is_needed=what, **fields
        )

    open_ = handoff("Open one", due_at=due)
    late = handoff("Late one", status="done", due_at=then - timedelta(hours=1), completed_at=then)
    late.owner_id, late.outcome = None, "Done late"
    handoff("In time", status="done", due_at=then + timedelta(hours=1), completed_at=then)
    handoff("Dropped", status="cancelled", completed_at=then)
    db.session.commit()
    login_as(world.member_x)
    text = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).text
    assert text.count(f"<strong>Credit</strong> · {world.member_y.name}") == 3
    assert text.count("<strong>Credit</strong> · unowned") == 1
    assert f'Open one · due <time datetime="{due.isoformat()}"' in text
    assert "Outcome: Done late" in text
    assert text.count("Done late</span>") == 1 and text.count("Done on time</span>") == 1
    assert text.count("Cancelled</span>") == 1 and "In progress</span>" in text
    assert url_for("handoffs.complete", handoff_id=open_.id) in text
    assert text.count('name="outcome"') == 1  # only the open one can be marked done


def test_the_owner_menu_is_grouped_by_team_with_levels_in_the_function(
    client, world, login_as, credit
):
    """Everyone active is offered, under their team, the most skilled first; choosing the
    function redraws the menu with levels in it (htmx asks with ?function=)."""
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.member_x)
    form_url = url_for("inbox.handoff_form", team_id=world.team_x.id, request_id=item.id)
    text = client.get(form_url, query_string={"function": credit.id}, headers=HX).text
    team_y = text.index(f'<optgroup label="{world.team_y.name}">')
    expert = f'<option value="{world.member_y.id}">{world.member_y.name} · Credit: expert (3)'
    assert team_y < text.index(expert)
    team_x = text[text.index(f'<optgroup label="{world.team_x.name}">') :]
    team_x = team_x[: team_x.index("</optgroup>")]
    learner = team_x.index(f"{world.coach_x.name} · Credit: learning (1)")
    assert learner < team_x.index(f"{world.member_x.name} · Credit: no skill")
    assert '<option selected value="">Route by skill and load</option>' in text
    assert f'<option selected value="{credit.id}">Credit</option>' in text
    # The function's menu asks for the owner menu alone, so nothing typed is lost.
    assert 'hx-select="#handoff-owner"' in text
    # Another function, or one that does not exist, is shown as asked or as the first.
    billing = client.get(form_url, query_string={"function": world.function.id}, headers=HX)
    assert f"{world.member_y.name} · Billing: no skill" in billing.text
    odd = client.get(form_url, query_string={"function": "99999"}, headers=HX)
    assert odd.status_code == 200 and " · Billing: " in odd.text


def test_the_handoff_form_is_built_when_its_section_opens(client, world, login_as, credit):
    """The request page links to the form (its owner menu lists every active staff member);
    htmx loads the form alone when the section opens, a plain link shows the page with the
    form open, and a closed request offers none."""
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    login_as(world.member_x)
    form_url = url_for("inbox.handoff_form", team_id=world.team_x.id, request_id=item.id)
    page = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id))
    assert f'href="{form_url}"' in page.text and 'id="handoff-owner"' not in page.text
    fragment = client.get(form_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert fragment.text.lstrip().startswith('<form id="handoff-form"')
    assert f'<option value="{world.member_y.id}">{world.member_y.name} · ' in fragment.text
    assert '<label class="label" for="handoff-owner">Handoff owner</label>' in fragment.text
    full = client.get(form_url)
    assert full.status_code == 200 and "<html" in full.text
    assert 'id="handoff-form"' in full.text and 'class="side-form" open' in full.text
    item.status = "closed"
    db.session.commit()
    closed = client.get(form_url)
    assert closed.status_code == 302
    assert 'id="handoff-form"' not in client.get(closed.headers["Location"]).text


def test_handoffs_for_me_are_grouped_by_team_and_overdue_ones_say_so(
    client, world, login_as, credit
):
    """The page lists every open handoff of mine, under the team whose request it is (each
    team's inbox counts its own under "Handoffs for me"), and one past its due time is
    marked overdue in words, not only by colour."""
    from datetime import timedelta

    from portal.models import utcnow

    ours = factories.make_request(world.account_a, world.contact_a, subject="Ours")
    theirs = factories.make_request(world.account_b, world.contact_b, subject="Theirs")
    db.session.flush()
    late = factories.make_handoff(
        ours, credit, world.member_y, world.member_x, due_at=utcnow() - timedelta(hours=2)
    )
    soon = factories.make_handoff(
        theirs, credit, world.member_y, world.member_y, due_at=utcnow() + timedelta(hours=2)
    )
    done = factories.make_handoff(ours, credit, world.member_y, world.member_x, status="done")
    db.session.commit()
    login_as(world.member_y)
    text = client.get(url_for("handoffs.index")).text
    assert "2 open handoffs, " in text and "1 overdue" in text
    x, y = text.index(f"{world.team_x.name} <span"), text.index(f"{world.team_y.name} <span")
    late_at = text.index(url_for("handoffs.show", handoff_id=late.id))
    soon_at = text.index(url_for("handoffs.show", handoff_id=soon.id))
    assert (x < late_at < y < soon_at) or (y < soon_at < x < late_at)
    assert url_for("handoffs.show", handoff_id=done.id) not in text
    row = text[late_at : text.index("</li>", late_at)]
    assert "Overdue" in row and "was due" in row
    assert "Overdue" not in text[soon_at : text.index("</li>", soon_at)]


def test_the_handed_to_me_branch_is_read_from_the_owner_index_alone(world):
    """Every staff query of requests asks "or handed to me". Read from the table, that list
    was costed high enough that PostgreSQL planned the staff request page's prepared query
    again on every view (2.4 ms at 1,000,000 requests); from the index alone, 0.4 ms."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        pytest.skip("SQLite's indexes always hold the row id, and it keeps no plans")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    handed = select(Handoff.request_id).where(Handoff.owner_id == world.member_x.id)
    compiled = handed.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    plan = connection.exec_driver_sql(f"EXPLAIN {compiled}").scalars().all()
    assert "Index Only Scan using ix_handoff_owner_status" in plan[0], "\n".join(plan)
