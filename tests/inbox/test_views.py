"""The shared inbox: fair order, views, filters, search, keyset pages, and the detail."""

import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ClockPause, Entry, OutboxMessage, Request, ServiceLevel, utcnow
from tests import factories

HX = {"HX-Request": "true"}


def inbox(client, world, **args):
    return client.get(url_for("inbox.index", team_id=world.team_x.id, **args))


def listed(response, *items):
    """Which of `items` the page lists, in page order (by reference)."""
    text = response.text
    shown = {i.reference: f'<span class="mono">{i.reference}</span>' for i in items}
    found = [(text.index(tag), ref) for ref, tag in shown.items() if tag in text]
    return [ref for _, ref in sorted(found)]


def raise_as(contact, account, subject, urgency="normal"):
    return factories.raise_request(contact, account, subject=subject, urgency=urgency)


@pytest.fixture
def member(client, world, login_as, no_csrf):
    login_as(world.member_x)
    return world.member_x


def test_a_standard_account_chasing_ten_times_stays_behind_a_quiet_key_account(
    client, world, login_as, no_csrf
):
    standard_tier = factories.make_tier("Standard", 3)
    standard_account = factories.make_account(world.team_x, standard_tier, "Loud Ltd")
    loud = factories.make_contact(standard_account, name="Loud Contact")
    for tier, first, resolve in ((world.tier, 30, 240), (standard_tier, 480, 2400)):
        db.session.add(
            ServiceLevel(
                tier_id=tier.id,
                urgency="normal",
                first_response_minutes=first,
                resolution_minutes=resolve,
            )
        )
    db.session.flush()
    noisy = raise_as(loud, standard_account, "Where is my order?")  # raised first
    quiet = raise_as(world.contact_a, world.account_a, "Invoice question")
    db.session.commit()
    login_as(loud)
    for _ in range(10):
        client.post(url_for("customer.chase", request_id=noisy.id))
        factories.age_chases(noisy)  # each asked an hour or more after the one before
    db.session.refresh(noisy)
    assert noisy.chase_count == 10

    login_as(world.member_x)
    page = inbox(client, world, view="open")
    assert listed(page, noisy, quiet) == [quiet.reference, noisy.reference]
    assert "Chased 10 times" in page.text  # shown by the subject, and said to a screen reader
    assert '<span class="visually-hidden"> chases</span>' in page.text


def test_views_hold_what_their_names_say(client, world, member):
    now = utcnow()
    mine = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        assignee_id=world.member_x.id,
        subject="Mine",
    )
    theirs = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        assignee_id=world.coach_x.id,
        subject="Coach's",
    )
    unassigned = factories.make_request(world.account_a, world.contact_a, subject="Nobody's")
    waiting = factories.make_request(
        world.account_a, world.contact_a, status="waiting_on_customer", subject="Waiting"
    )
    risky = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        next_due_at=now + timedelta(minutes=5),
        next_at_risk_at=now - timedelta(minutes=30),
        subject="Risky",
    )
    done = factories.make_request(
        world.account_a,
        world.contact_a,
        status="resolved",
        resolved_at=now - timedelta(days=1),
        subject="Done",
    )
    old = factories.make_request(
        world.account_a,
        world.contact_a,
        status="closed",
        resolved_at=now - timedelta(days=60),
        subject="Old",
    )
    other_team = factories.make_request(world.account_b, world.contact_b, subject="Team Y's")
    everything = (mine, theirs, unassigned, waiting, risky, done, old, other_team)

    def refs(view):
        return set(listed(inbox(client, world, view=view), *everything))

    assert refs("mine") == {mine.reference}
    assert refs("unassigned") == {unassigned.reference, waiting.reference, risky.reference}
    assert refs("open") == {r.reference for r in (mine, theirs, unassigned, waiting, risky)}
    assert refs("waiting") == {waiting.reference}
    assert refs("risk") == {risky.reference}
    assert refs("resolved") == {done.reference}
    counts_page = inbox(client, world).text
    assert 'All open <span class="count">5</span>' in counts_page


def test_filters_and_search_reach_entries_and_references(client, world, member):
    billing = factories.make_request(
        world.account_a,
        world.contact_a,
        function_id=world.function.id,
        subject="Refund please",
        urgency="high",
    )
    other = factories.make_request(world.account_a, world.contact_a, subject="Broken pallet")
    db.session.add(
        Entry(
            request_id=other.id,
            author_id=world.member_x.id,
            kind="note",
            public=False,
            body="Forklift damage, photo attached",
        )
    )
    db.session.flush()
    assert listed(inbox(client, world, function=world.function.id), billing, other) == [
        billing.reference
    ]
    assert listed(inbox(client, world, urgency="high"), billing, other) == [billing.reference]
    assert listed(inbox(client, world, q="forklift"), billing, other) == [other.reference]
    assert listed(inbox(client, world, q=billing.reference), billing, other) == [billing.reference]
    assert inbox(client, world, q="100%_").status_code == 200
    assert inbox(client, world, view="nonsense").status_code == 400
    assert inbox(client, world, function="abc").status_code == 400


def test_a_search_stays_inside_the_view_and_the_team(client, world, member):
    """The word is everywhere: in a request of each of two accounts of the team (one mine,
    one nobody's, handed to me), one resolved, and one of the other team, also handed to
    me. On PostgreSQL the search itself applies the view's bounds (search_condition's
    `within`); SQLite walks the view and tests each row, so both must agree."""
    mine = factories.make_request(
        world.account_a, world.contact_a, subject="Pallet missing", assignee_id=member.id
    )
    nobodys = factories.make_request(world.account_a2, world.contact_a2, subject="Pallet late")
    done = factories.make_request(
        world.account_a, world.contact_a, subject="Pallet fixed", status="resolved"
    )
    done.resolved_at = utcnow()
    elsewhere = factories.make_request(
        world.account_b, world.contact_b, subject="Pallet wrong", assignee_id=member.id
    )
    factories.make_handoff(elsewhere, world.function, member, world.member_y)
    factories.make_handoff(nobodys, world.function, member, world.coach_x)
    db.session.commit()
    everything = (mine, nobodys, done, elsewhere)

    assert listed(inbox(client, world, view="mine", q="pallet"), *everything) == [mine.reference]
    assert listed(inbox(client, world, view="unassigned", q="pal"), *everything) == [
        nobodys.reference
    ]
    assert listed(inbox(client, world, view="resolved", q="pallet"), *everything) == [
        done.reference
    ]
    assert listed(inbox(client, world, view="handoffs", q="pallet"), *everything) == [
        nobodys.reference
    ]
    assert sorted(listed(inbox(client, world, q="pallet"), *everything)) == sorted(
        [mine.reference, nobodys.reference]
    )


def test_the_account_filter_is_typed_and_a_link_narrows_to_one_account(client, world, member):
    harbour = factories.make_account(world.team_x, world.tier, name="Harbour 100% Foods")
    harbour_contact = factories.make_contact(harbour)
    at_harbour = factories.make_request(harbour, harbour_contact, subject="Crates")
    elsewhere = factories.make_request(world.account_a, world.contact_a, subject="Pallets")
    db.session.flush()
    assert listed(inbox(client, world, account_name="harbour"), at_harbour, elsewhere) == [
        at_harbour.reference
    ]
    # Typed text is matched literally: % and _ are not wildcards.
    assert listed(inbox(client, world, account_name="100%"), at_harbour, elsewhere) == [
        at_harbour.reference
    ]
    assert listed(inbox(client, world, account_name="1_0"), at_harbour, elsewhere) == []
    narrowed = inbox(client, world, account=harbour.id)
    assert listed(narrowed, at_harbour, elsewhere) == [at_harbour.reference]
    assert "Only requests of <strong>Harbour 100% Foods</strong>" in narrowed.text
    assert 'name="account_name"' in narrowed.text  # typed, not a menu of every account
    assert '<select class="input" name="account"' not in narrowed.text
    other_team = factories.make_account(world.team_y, world.tier, name="Not yours")
    assert inbox(client, world, account=other_team.id).status_code == 400
    assert inbox(client, world, account="abc").status_code == 400
    assert inbox(client, world, account="9" * 25).status_code == 400  # not a 500 from SQL


def test_crafted_cursors_and_canned_ids_are_ignored_not_a_500(client, world, member):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.flush()
    for cursor in ("-|2026-01-01T00:00:00+00:00|²", "-|2026-01-01T00:00:00+00:00|" + "9" * 30):
        page = inbox(client, world, after=cursor)
        assert page.status_code == 200 and item.reference in page.text  # from the start
    detail = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
    assert client.get(detail, query_string={"canned": "9" * 30}).status_code == 200


def test_keyset_pages_cover_every_row_once_in_queue_order(client, world, member):
    now = utcnow()
    items = [
        factories.make_request(
            world.account_a,
            world.contact_a,
            status="open",
            next_due_at=None if i % 5 == 0 else now + timedelta(minutes=(i * 7) % 50),
        )
        for i in range(120)
    ]
    seen, url, pages = [], url_for("inbox.index", team_id=world.team_x.id), 0
    while url and pages < 10:
        response = client.get(url)
        pages += 1
        seen += listed(response, *items)
        pager = re.search(r'class="pager"><a class="[^"]*" href="([^"]+)"', response.text)
        url = pager and pager.group(1).replace("&amp;", "&")
    assert pages == 3
    assert len(seen) == len(set(seen)) == 120
    due_first = sorted((i for i in items if i.next_due_at), key=lambda i: (i.next_due_at, i.id))
    undated = [i for i in items if i.next_due_at is None]
    assert seen == [i.reference for i in due_first + undated]


def test_another_teams_inbox_and_requests_are_not_found(client, world, login_as):
    item = factories.make_request(world.account_a, world.contact_a)
    login_as(world.member_y)
    assert inbox(client, world).status_code == 404
    assert (
        client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).status_code
        == 404
    )
    # Team Y's own URL with Team X's request id: still not found.
    assert (
        client.get(url_for("inbox.detail", team_id=world.team_y.id, request_id=item.id)).status_code
        == 404
    )


def test_list_and_detail_answer_fragments_for_htmx(client, world, member):
    item = factories.make_request(world.account_a, world.contact_a)
    fragment = client.get(url_for("inbox.index", team_id=world.team_x.id), headers=HX)
    assert 'id="inbox-list"' in fragment.text and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    detail = client.get(
        url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id), headers=HX
    )
    assert 'id="request-detail"' in detail.text and "<html" not in detail.text
    full = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id))
    assert "<html" in full.text and 'id="request-detail"' in full.text


def _post(client, world, endpoint, item, headers=None, **data):
    data.setdefault("version", item.version)
    return client.post(
        url_for(endpoint, team_id=world.team_x.id, request_id=item.id),
        data=data,
        headers=headers or {},
    )


def test_first_reply_answers_opens_and_mails_the_customer(client, world, member):
    item = factories.make_request(world.account_a, world.contact_a)
    response = _post(client, world, "inbox.reply", item, body="We are on it", headers=HX)
    assert response.status_code == 200 and 'id="request-detail"' in response.text
    db.session.refresh(item)
    assert item.status == "open" and item.first_response_at is not None
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in mail] == [world.contact_a.email]
    assert "We are on it" in mail[0].body


def test_asking_the_customer_stops_the_clock(client, world, member):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    _post(client, world, "inbox.reply", item, body="Which order number?", wait_for_customer="y")
    db.session.refresh(item)
    assert item.status == "waiting_on_customer" and item.next_due_at is None
    assert db.session.scalar(select(ClockPause.ended_at)) is None


def test_internal_notes_never_reach_the_customer(client, world, member, login_as):
    item = factories.make_request(world.account_a, world.contact_a)
    assert _post(client, world, "inbox.note", item, body="On credit hold").status_code == 303
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert (
        "On credit hold"
        in client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).text
    )
    login_as(world.contact_a)
    assert "On credit hold" not in client.get(url_for("customer.request", request_id=item.id)).text


def test_a_stale_version_is_refused_and_nothing_is_saved(client, world, member):
    item = factories.make_request(world.account_a, world.contact_a)
    seen = item.version
    _post(client, world, "inbox.note", item, body="First")
    response = _post(client, world, "inbox.reply", item, body="Second", version=seen, headers=HX)
    assert response.status_code == 409
    assert "New activity since you started" in response.text
    assert "Second</textarea>" in response.text  # the words are kept, held
    assert "First" in response.text  # and the new activity is shown
    bodies = db.session.scalars(
        select(Entry.body).where(Entry.kind != "event").order_by(Entry.id)
    ).all()
    assert bodies == ["First"]
    # Sending again with the version the held form now carries confirms it.
    confirmed = _post(
        client, world, "inbox.reply", item, body="Second", version=_version_in(response, "reply")
    )
    assert confirmed.status_code == 303
    bodies = db.session.scalars(
        select(Entry.body).where(Entry.kind != "event").order_by(Entry.id)
    ).all()
    assert bodies == ["First", "Second"]


def _version_in(response, form_id: str) -> str:
    """The version a form of the page posts (the reply form is `reply-form`)."""
    form = re.search(rf'<form[^>]*class="card {form_id}-form".*?</form>', response.text, re.S)
    return re.search(r'name="version"[^>]*value="(\d+)"', form.group(0)).group(1)


def test_a_refused_note_keeps_the_version_its_writer_saw(client, world, member):
    """A note refused for its length, written on a version someone has since moved, comes
    back with the version its writer saw: sent again, it is held for the new activity, never
    slipped past it."""
    item = factories.make_request(world.account_a, world.contact_a)
    seen = item.version
    _post(client, world, "inbox.reply", item, body="Meanwhile, a colleague answered")
    refused = _post(client, world, "inbox.note", item, body="x" * 20001, version=seen)
    assert refused.status_code == 422
    assert _version_in(refused, "note") == str(seen)
    again = _post(client, world, "inbox.note", item, body="Short now", version=seen)
    assert again.status_code == 409
    assert "Short now" not in db.session.scalars(select(Entry.body)).all()


def test_a_status_change_on_a_stale_version_is_refused(client, world, member):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    seen = item.version
    _post(client, world, "inbox.note", item, body="First")
    response = _post(client, world, "inbox.status", item, status="resolved", version=seen)
    assert response.status_code == 409
    db.session.refresh(item)
    assert item.status == "open"


def test_owner_must_be_a_member_of_the_team(client, world, member):
    item = factories.make_request(world.account_a, world.contact_a)
    bad = _post(client, world, "inbox.assign", item, assignee=world.member_y.id)
    assert bad.status_code == 422
    good = _post(client, world, "inbox.assign", item, assignee=world.coach_x.id)
    assert good.status_code == 303
    db.session.refresh(item)
    assert item.assignee_id == world.coach_x.id
    _post(client, world, "inbox.assign", item, assignee="")
    db.session.refresh(item)
    assert item.assignee_id is None


def test_status_and_urgency_changes_move_the_clock(client, world, member):
    db.session.add_all(
        [
            ServiceLevel(
                tier_id=world.tier.id,
                urgency="low",
                first_response_minutes=480,
                resolution_minutes=2400,
            ),
            ServiceLevel(
                tier_id=world.tier.id,
                urgency="critical",
                first_response_minutes=30,
                resolution_minutes=240,
            ),
        ]
    )
    item = raise_as(world.contact_a, world.account_a, "Line down", urgency="low")
    db.session.commit()
    slow_due = item.next_due_at
    _post(
        client,
        world,
        "inbox.properties",
        item,
        assignee="",
        status="open",
        function="",
        urgency="critical",
    )
    db.session.refresh(item)
    assert item.next_due_at < slow_due
    _post(client, world, "inbox.status", item, status="resolved")
    db.session.refresh(item)
    assert item.status == "resolved" and item.next_due_at is None
    assert _post(client, world, "inbox.status", item, status="deleted").status_code == 422


def test_bulk_assign_touches_only_this_teams_selected_requests(client, world, member):
    a = factories.make_request(world.account_a, world.contact_a)
    b = factories.make_request(world.account_a, world.contact_a)
    foreign = factories.make_request(world.account_b, world.contact_b)
    response = client.post(
        url_for("inbox.bulk", team_id=world.team_x.id),
        data={"ids": [a.id, b.id, foreign.id], "assignee": world.member_x.id, "status": ""},
    )
    assert response.status_code == 303
    owners = dict(db.session.execute(select(Request.id, Request.assignee_id)).all())
    assert owners == {a.id: world.member_x.id, b.id: world.member_x.id, foreign.id: None}


def test_bulk_without_a_change_is_refused(client, world, member):
    a = factories.make_request(world.account_a, world.contact_a)
    client.post(url_for("inbox.bulk", team_id=world.team_x.id), data={"ids": [a.id]})
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_the_timeline_draws_every_kind_of_entry_and_author(client, world, member):
    """The staff timeline is read as plain rows, not ORM entries: each kind of entry, an
    author-less event, a row written around the ORM (no stored HTML) and the other open
    requests of the account still read as before."""
    item = factories.make_request(world.account_a, world.contact_a)
    other = factories.make_request(world.account_a, world.contact_a, subject="Second thing")
    db.session.add_all(
        [
            Entry(
                request_id=item.id, author_id=world.contact_a.id, kind="reply", body="From *them*"
            ),
            Entry(request_id=item.id, author_id=member.id, kind="reply", body="From **us**"),
            Entry(request_id=item.id, author_id=member.id, kind="note", public=False, body="Hush"),
            Entry(
                request_id=item.id,
                author_id=None,
                kind="event",
                public=False,
                event="status",
                data={"status": "waiting_on_customer"},
            ),
        ]
    )
    db.session.commit()
    db.session.execute(
        Entry.__table__.insert().values(
            request_id=item.id,
            author_id=member.id,
            kind="reply",
            public=True,
            body="Raw _row_",
            data={},
            created_at=utcnow(),
        )
    )
    db.session.commit()
    page = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id))
    assert page.status_code == 200
    text = page.text
    assert "<em>them</em>" in text and "<strong>us</strong>" in text and "<em>row</em>" in text
    assert text.count('class="entry entry-reply entry-team"') == 2  # ours and the raw row
    assert 'class="entry entry-note entry-team"' in text and "Hush" in text
    assert "Onestop set the status to waiting on customer." in text
    assert f"{world.contact_a.name}</strong>" in text
    assert f"{other.reference} Second thing</a>" in text


def test_every_form_on_the_request_page_carries_the_token_and_posts(client, world, login_as):
    """Each post form on the page carries the session's token (Flask-WTF's `csrf_token()`),
    and a reply posted with it is sent."""
    login_as(world.member_x)
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    url = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
    text = client.get(url).text
    forms = re.findall(r'<form[^>]*method="post".*?</form>', text, re.S)
    tokens = {re.search(r'name="csrf_token"[^>]*value="([^"]+)"', f).group(1) for f in forms}
    assert len(forms) >= 8 and len(tokens) == 1
    reply_form = next(f for f in forms if 'id="reply-form"' in f)
    version = re.search(r'name="version"[^>]*value="(\d+)"', reply_form).group(1)
    action = url_for("inbox.reply", team_id=world.team_x.id, request_id=item.id)
    refused = client.post(action, data={"version": version, "body": "No token"})
    assert refused.status_code == 400
    sent = client.post(
        action, data={"csrf_token": tokens.pop(), "version": version, "body": "With token"}
    )
    assert sent.status_code == 303
    assert db.session.scalar(select(Entry.id).where(Entry.body == "With token")) is not None


def _form_values(form: str) -> tuple[str, dict]:
    """What a browser posts for a form as drawn: its action, hidden and text inputs, each
    select's chosen option, each textarea."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, kind = re.search(r'name="([^"]*)"', tag), re.search(r'type="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and (kind is None or kind.group(1) not in ("checkbox", "file", "radio")):
            data[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"', options) or re.search(
            r'<option[^>]*value="([^"]*)"', options
        )
        data[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = text.strip()
    return re.search(r'action="([^"]+)"', form).group(1), data


def test_every_form_on_the_request_page_posts_as_drawn(client, world, login_as):
    """Every post form of the staff request page, submitted as drawn, is accepted or
    answered with its form again (422): never refused for its token or missing fields."""
    login_as(world.member_x)

    def forms():  # of a new open request each time: a post changes what its page offers
        item = factories.make_request(world.account_a, world.contact_a, status="open")
        db.session.commit()
        url = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
        drawn = re.findall(r'<form[^>]*method="post".*?</form>', client.get(url).text, re.S)
        return item, [f for f in drawn if url_for("auth.logout") not in f]  # the page's own

    count = len(forms()[1])
    assert count >= 7
    answers = {}
    for i in range(count):
        item, drawn = forms()
        action, data = _form_values(drawn[i])
        answers[action.replace(f"/{item.id}/", "/-/")] = client.post(action, data=data).status_code
    assert set(answers.values()) <= {204, 303, 422}, answers
    properties = url_for("inbox.properties", team_id=world.team_x.id, request_id=item.id)
    assert answers[properties.replace(f"/{item.id}/", "/-/")] == 303, answers
