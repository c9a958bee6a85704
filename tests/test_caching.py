"""Every cache is coherent across servers (portal/caching.py): a write through one app shows
on the very next page of another app on the same database, each with caches of its own and
both warm, because every key holds a stamp the database moves in the write's transaction.

Two apps made by `create_app` in this process stand for two servers: neither sees the
other's writes except through the database.
"""

from __future__ import annotations

import pytest
from flask import url_for
from markupsafe import escape

from portal import caching, create_app
from portal.extensions import db
from portal.inbox import list_views
from portal.models import CannedReply, Membership, utcnow
from tests import factories
from tests.conftest import TEST_CONFIG, IsolatedClient


@pytest.fixture
def server_b(app):
    other = create_app({**TEST_CONFIG, **{k: app.config[k] for k in _SHARED}})
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.engine.dispose()


_SHARED = ("SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER")


@pytest.fixture
def two_servers(app, server_b, client, login_as, world, monkeypatch):
    """A member signed in on each server, both servers' pages warm.

    The inbox's clock is held still: its cached rows are keyed by the minute too, and a test
    that crossed one would count a second entry that no write made."""
    now = utcnow()
    monkeypatch.setattr(list_views, "utcnow", lambda: now)
    item = factories.make_request(world.account_a, world.contact_a, subject="Crates", status="open")
    db.session.commit()
    b = server_b.test_client()
    login_as(world.member_x, on=client)
    login_as(world.member_x, on=b)
    pages = {
        "inbox": url_for("inbox.index", team_id=world.team_x.id),
        "request": url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id),
        "handoff": url_for("inbox.handoff_form", team_id=world.team_x.id, request_id=item.id),
    }

    def get(on, page: str) -> str:
        response = on.get(pages[page])
        assert response.status_code == 200
        return response.text

    for server in (client, b):
        for page in pages:
            get(server, page)
            get(server, page)
    return client, b, get, item


def test_each_app_keeps_its_own_caches(app, server_b, two_servers):
    for each in (app, server_b):
        with each.app_context():
            assert len(caching.INBOX_ROWS) == 1
            assert len(caching.REFERENCE) > 0


def test_an_account_renamed_on_one_server_shows_on_the_other(two_servers, world, server_b):
    a, b, get, _ = two_servers
    assert "Account A" in get(b, "inbox")
    world.account_a.name = "Account Renamed"
    db.session.commit()  # the write, as server A's request would commit it
    with server_b.app_context():
        assert len(caching.INBOX_ROWS) == 1  # nothing was emptied: the stale rows are there
    assert "Account Renamed" in get(b, "inbox")
    assert "Account Renamed" in get(a, "inbox")
    with server_b.app_context():
        assert len(caching.INBOX_ROWS) == 2  # drawn again under the moved stamp


def test_a_member_added_on_one_server_can_be_assigned_on_the_other(two_servers, world, server_b):
    _, b, get, item = two_servers
    server_b.config["WTF_CSRF_ENABLED"] = False
    newcomer = factories.make_user(name="New Colleague")
    db.session.add(Membership(team_id=world.team_x.id, user_id=newcomer.id, role="member"))
    db.session.commit()
    page = get(b, "request")
    assert f'<option value="{newcomer.id}">New Colleague</option>' in page
    response = b.post(
        url_for("inbox.assign", team_id=world.team_x.id, request_id=item.id),
        data={"version": item.version, "assignee": newcomer.id},
    )
    assert response.status_code == 303  # not "Not a valid choice"
    db.session.refresh(item)
    assert item.assignee_id == newcomer.id


def test_a_renamed_person_shows_on_the_other_server(two_servers, world):
    _, b, get, _ = two_servers
    assert "Member Y" in get(b, "handoff")  # the owner picker lists every staff member
    world.member_y.name = "Renamed Elsewhere"
    db.session.commit()
    assert "Renamed Elsewhere" in get(b, "handoff")


def test_a_function_and_a_canned_reply_added_on_one_server_show_on_the_other(two_servers, world):
    _, b, get, _ = two_servers
    factories.make_function("Logistics")
    db.session.commit()
    assert ">Logistics</option>" in get(b, "inbox")  # the filter's function menu
    assert ">Logistics</option>" in get(b, "request")  # the classify menu
    assert ">Logistics</option>" in get(b, "handoff")
    db.session.add(CannedReply(team_id=world.team_x.id, title="Shipping delay", body="Sorry"))
    db.session.commit()
    assert "Shipping delay" in get(b, "request")


def test_a_service_level_changed_on_one_server_shows_on_the_other(
    two_servers, world, login_as, no_csrf
):
    a, b, get, item = two_servers
    assert "no target" in get(b, "inbox")
    login_as(world.admin, on=a)
    key = f"{world.tier.id}-{item.urgency}"
    response = a.post(url_for("admin.service_levels"), data={f"fr-{key}": "4", f"rs-{key}": "8"})
    assert response.status_code == 303
    assert "no target" not in get(b, "inbox")


def test_team_hours_changed_on_one_server_are_counted_on_the_other(two_servers, world):
    _, b, get, _ = two_servers
    world.team_x.timezone = "Pacific/Auckland"  # its calendar is the team's
    db.session.commit()
    with b.application.app_context():
        calendar_keys = [
            key
            for key in b.application.extensions["caching"][caching.REFERENCE].items
            if key[0] == "calendar"
        ]
    get(b, "request")
    with b.application.app_context():
        after = [
            key
            for key in b.application.extensions["caching"][caching.REFERENCE].items
            if key[0] == "calendar"
        ]
    assert len(after) == len(calendar_keys) + 1  # a new stamp: read afresh


def test_a_page_drawn_in_the_writing_request_shows_the_write(app, world, login_as, client):
    """Stamps move at commit: until then the stamped regions are not used."""
    login_as(world.member_x)
    with app.test_request_context():
        from portal import reference

        assert [f.name for f in reference.functions()] == ["Billing"]
        factories.make_function("Returns")
        db.session.flush()
        assert [f.name for f in reference.functions()] == ["Billing", "Returns"]
        db.session.rollback()
        assert [f.name for f in reference.functions()] == ["Billing"]


def test_a_region_takes_only_its_declared_inputs(app):
    with app.test_request_context():
        with pytest.raises(TypeError):
            caching.REFERENCE.get(lambda: 1, what="functions")
        with pytest.raises(TypeError):
            caching.REFERENCE.get(lambda: 1, what="functions", stamp=1, page="extra")


def test_clear_empties_every_app(app, server_b, two_servers):
    caching.clear()
    for each in (app, server_b):
        with each.app_context():
            assert len(caching.INBOX_ROWS) == len(caching.REFERENCE) == 0


def test_a_teammate_never_sees_another_readers_query_values(client, app, world, login_as):
    """The cached rows' "Next" link is built from the validated filter values only."""
    for n in range(60):  # more than a page
        factories.make_request(world.account_a, world.contact_a, subject=f"R{n}", status="open")
    db.session.commit()
    login_as(world.member_x)
    junk = url_for("inbox.index", team_id=world.team_x.id, utm_source="evil<x>", view="open")
    assert client.get(junk).status_code == 200  # its rows are cached for the team
    teammate = app.test_client()
    login_as(world.coach_x, on=teammate)
    clean = teammate.get(url_for("inbox.index", team_id=world.team_x.id)).text
    assert "utm_source" not in clean and str(escape("evil<x>")) not in clean
    assert "after=" in clean


# ---- drawn fragments (caching.FRAGMENTS): menus and empty form fields, never a token ----


def test_drawn_menus_are_kept_and_reused(two_servers, server_b):
    _, b, get, _ = two_servers
    with server_b.app_context():
        kept = len(caching.FRAGMENTS)
        assert kept >= 4  # the inbox's filters and bulk bar, the request page's fields
    get(b, "inbox")
    get(b, "request")
    with server_b.app_context():
        assert len(caching.FRAGMENTS) == kept  # drawn once, served again


def test_a_member_renamed_on_one_server_is_renamed_in_every_menu_of_the_other(two_servers, world):
    _, b, get, _ = two_servers
    world.member_x.name = "Renamed Member"
    db.session.commit()
    inbox = get(b, "inbox")
    # The owner filter and the bulk owner menu, both drawn from the team's members.
    assert inbox.count(f'<option value="{world.member_x.id}">Renamed Member</option>') == 2
    assert f'<option value="{world.member_x.id}">Renamed Member</option>' in get(b, "request")


def test_a_cached_form_never_carries_a_csrf_token(two_servers, server_b):
    assert two_servers  # both servers warm
    with server_b.app_context():
        drawn = [
            str(markup)
            for markup in server_b.extensions["caching"][caching.FRAGMENTS].items.values()
        ]
    assert drawn and not any('name="csrf_token"' in markup for markup in drawn)


def test_a_refused_change_shows_its_error_and_the_next_page_is_clean(two_servers, world, no_csrf):
    a, _, get, item = two_servers
    url = url_for("inbox.assign", team_id=world.team_x.id, request_id=item.id)
    refused = a.post(url, data={"version": item.version, "assignee": "999999"})
    assert refused.status_code == 422
    assert "Not a valid choice" in refused.text
    assert "Not a valid choice" not in get(a, "request")  # the cached field stayed clean


def test_a_refused_reply_keeps_its_words_for_its_writer_only(app, client, world, login_as, no_csrf):
    item = factories.make_request(
        world.account_a, world.contact_a, subject="Pallets", status="open"
    )
    db.session.commit()
    page = url_for("customer.request", request_id=item.id)
    login_as(world.contact_a)
    assert client.get(page).status_code == 200  # the empty reply box is drawn and kept
    words = "Secret words " + "x" * 20000  # too long: refused, and shown again as typed
    refused = client.post(url_for("customer.reply", request_id=item.id), data={"body": words})
    assert refused.status_code == 422
    assert "Secret words" in refused.text and "at most 20,000 characters" in refused.text
    assert "Secret words" not in client.get(page).text


def test_keyboard_shortcuts_are_declared_only_to_those_who_turned_them_on(
    app, client, world, login_as
):
    world.member_x.keyboard_shortcuts = True
    db.session.commit()
    inbox = url_for("inbox.index", team_id=world.team_x.id)
    login_as(world.member_x)
    assert 'aria-keyshortcuts="/"' in client.get(inbox).text
    teammate = app.test_client()
    login_as(world.coach_x, on=teammate)
    assert 'aria-keyshortcuts="/"' not in teammate.get(inbox).text


# ---- the request pages' drawn blocks ------------------------------------------------------


def test_the_account_s_other_open_requests_follow_writes_on_the_other_server(two_servers, world):
    """Kept by the team's activity stamp: raising, renaming and closing one moves it."""
    _, b, get, _ = two_servers
    assert "Other open requests" not in get(b, "request")
    other = factories.make_request(
        world.account_a, world.contact_a, subject="Forklift", status="new"
    )
    db.session.commit()
    assert "Forklift" in get(b, "request")
    other.subject = "Forklift, urgent"
    db.session.commit()
    assert "Forklift, urgent" in get(b, "request")
    other.status = "closed"
    db.session.commit()
    assert "Forklift" not in get(b, "request")


def test_other_open_requests_are_the_team_s_own(client, world, login_as):
    """Its links open in this team's workspace: another team's request (here, one reopened
    after its account moved on) is not listed, even for someone who sees it."""
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    factories.make_request(world.account_a, world.contact_a, subject="Ours", status="open")
    elsewhere = factories.make_request(world.account_a, world.contact_a, subject="Theirs")
    elsewhere.team_id = world.team_y.id
    elsewhere.status = "open"
    db.session.commit()
    login_as(world.admin)
    page = client.get(url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)).text
    assert "Ours" in page and "Theirs" not in page


def test_a_status_changed_on_one_server_shows_in_the_other_s_request_facts(two_servers, world):
    _, b, get, item = two_servers
    assert "Open</span>" in get(b, "request")  # the team's words on the staff page
    item.status = "waiting_on_customer"
    db.session.commit()
    assert "Waiting on customer</span>" in get(b, "request")


def test_my_requests_follows_a_change_made_on_the_other_server(app, server_b, world, login_as):
    """The list is kept by its rows (every value it prints): a changed row is a new key."""
    item = factories.make_request(world.account_a, world.contact_a, subject="Gate", status="open")
    db.session.commit()
    b = server_b.test_client()
    login_as(world.contact_a, on=b)
    home = url_for("customer.home")
    assert "In progress" in b.get(home).text
    assert "In progress" in b.get(home).text  # kept
    item.status = "waiting_on_customer"
    item.assignee_id = world.member_x.id
    db.session.commit()
    page = b.get(home).text
    assert "Waiting for you" in page and "with Member X" in page


def test_a_drawn_block_whose_key_was_not_given_is_refused(app):
    """Jinja's Undefined values are all equal: such a key would share one drawing."""
    with app.test_request_context():
        template = app.jinja_env.from_string('{% call drawn("x", missing) %}mine{% endcall %}')
        with pytest.raises(TypeError):
            template.render()
