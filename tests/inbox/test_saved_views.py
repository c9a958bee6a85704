"""A member's own inbox views: save the current filters under a name, find them in the
rail, open them, delete them; nobody else sees or touches them."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import url_for
from sqlalchemy import select

from portal.admin import services as admin_services
from portal.extensions import db
from portal.inbox.saved_views import MAX_VIEWS
from portal.models import Membership, SavedView
from tests import factories
from tests.inbox.test_views import HX, inbox, listed

pytestmark = pytest.mark.usefixtures("no_csrf")


def save(client, world, name, query, headers=None):
    return client.post(
        url_for("inbox.save_view", team_id=world.team_x.id),
        data={"name": name, "query": query},
        headers=headers or {},
    )


def views_of(user):
    return db.session.scalars(select(SavedView).where(SavedView.user_id == user.id)).all()


def test_a_member_saves_a_search_and_opens_it_from_the_rail(client, world, login_as):
    urgent = factories.raise_request(
        world.contact_a, world.account_a, subject="Line stopped", urgency="high"
    )
    calm = factories.raise_request(world.contact_a, world.account_a, subject="A question")
    db.session.commit()
    login_as(world.member_x)
    page = inbox(client, world, urgency="high").text
    assert "Save as my view" in page and 'name="query" type="hidden" value="urgency=high"' in page

    response = save(client, world, "Urgent only", "urgency=high")
    assert response.status_code == 303
    assert (
        response.headers["Location"]
        == url_for("inbox.index", team_id=world.team_x.id) + "?urgency=high"
    )
    [view] = views_of(world.member_x)
    assert (view.name, view.query, view.team_id) == ("Urgent only", "urgency=high", world.team_x.id)

    page = client.get(response.headers["Location"])
    assert 'aria-current="page">Urgent only</a>' in page.text
    assert listed(page, urgent, calm) == [urgent.reference]
    # Without filters the rail still lists it; its link opens the saved filters.
    opener = url_for("inbox.open_view", team_id=world.team_x.id, view_id=view.id)
    assert f'href="{opener}" >Urgent only</a>' in inbox(client, world).text
    opened = client.get(opener)
    assert opened.status_code == 302
    assert opened.headers["Location"] == response.headers["Location"]


def test_the_default_view_offers_nothing_to_save(client, world, login_as):
    login_as(world.member_x)
    assert "Save as my view" not in inbox(client, world).text
    assert save(client, world, "Everything", "").status_code == 422
    assert views_of(world.member_x) == []


def test_saving_again_under_a_name_refines_that_view(client, world, login_as):
    login_as(world.member_x)
    save(client, world, "Mine", "urgency=high")
    save(client, world, "mine", "urgency=high&q=pallet")
    [view] = views_of(world.member_x)
    assert view.query == "urgency=high&q=pallet"


def test_a_bad_name_is_a_form_error_and_keeps_the_filters(client, world, login_as):
    login_as(world.member_x)
    for name, message in (("", "Enter a name."), ("x" * 61, "Use at most 60 characters.")):
        response = save(client, world, name, "urgency=high&q=invoice", headers=HX)
        assert response.status_code == 422
        assert message in response.text
        assert 'id="inbox-list"' in response.text and "<html" not in response.text
        assert 'value="urgency=high&amp;q=invoice"' in response.text
    assert views_of(world.member_x) == []


def test_filters_no_menu_offers_are_refused_not_stored(client, world, login_as):
    login_as(world.member_x)
    assert save(client, world, "Odd", "urgency=panic").status_code == 400
    # Values the filter form does not know are dropped, as the inbox drops them.
    save(client, world, "Tidy", "q=pallet&evil=1&after=abc")
    assert [v.query for v in views_of(world.member_x)] == ["q=pallet"]


def test_a_person_keeps_at_most_so_many_views(client, world, login_as):
    login_as(world.member_x)
    for n in range(MAX_VIEWS):
        db.session.add(
            SavedView(user_id=world.member_x.id, team_id=world.team_x.id, name=f"V{n}", query="q=a")
        )
    db.session.commit()
    response = save(client, world, "One more", "q=b")
    assert response.status_code == 422 and "delete one you no longer use" in response.text
    assert len(views_of(world.member_x)) == MAX_VIEWS


def test_views_are_their_owner_s_alone(client, world, login_as):
    login_as(world.member_x)
    save(client, world, "Pallets", "q=pallet")
    [view] = views_of(world.member_x)
    login_as(world.coach_x)  # a teammate
    assert ">Pallets</a>" not in inbox(client, world).text
    delete = url_for("inbox.delete_view", team_id=world.team_x.id, view_id=view.id)
    assert client.post(delete).status_code == 404
    login_as(world.member_y)  # another team, through their own team's URL
    other = url_for("inbox.delete_view", team_id=world.team_y.id, view_id=view.id)
    assert client.post(other).status_code == 404
    assert views_of(world.member_x) == [view]

    login_as(world.member_x)
    response = client.post(delete)
    assert response.status_code == 303
    assert views_of(world.member_x) == []
    assert ">Pallets</a>" not in inbox(client, world).text


def test_a_view_whose_owner_left_opens_with_the_rest_of_its_filters(client, world, login_as):
    colleague = factories.make_member(world.team_x, name="Leaving Member")
    db.session.commit()
    login_as(world.member_x)
    query = f"assignee={colleague.id}&urgency=high"
    assert save(client, world, "Theirs, urgent", query).status_code == 303
    [view] = views_of(world.member_x)
    # As an admin removes someone: the team's menus (cached by its stamp) follow.
    membership = db.session.scalar(select(Membership).where(Membership.user_id == colleague.id))
    admin_services.remove_member(world.admin, membership)
    db.session.commit()
    opened = client.get(url_for("inbox.open_view", team_id=world.team_x.id, view_id=view.id))
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("/inbox?urgency=high")
    page = client.get(opened.headers["Location"])
    assert page.status_code == 200
    assert "The assignee of “Theirs, urgent” no longer applies" in page.text
    assert db.session.get(SavedView, view.id).query == "urgency=high&assignee=" + str(
        colleague.id
    )  # kept as saved


def test_a_search_too_long_to_keep_says_so(client, world, login_as):
    login_as(world.member_x)
    words = "配送" * 100  # 200 characters, 1,800 once encoded
    response = save(client, world, "Long", urlencode({"q": words}), headers=HX)
    assert response.status_code == 422
    assert "too long to keep" in response.text
    assert views_of(world.member_x) == []
