"""Found by the bench at 200,000 requests: the team page's SQL grew with its members."""

from flask import url_for

from tests import factories
from tests.test_query_counts import queries_for


def test_team_page_queries_do_not_grow_with_people_or_accounts(client, world, login_as):
    login_as(world.coach_x)
    url = url_for("workspace.team_home", team_id=world.team_x.id)
    few = queries_for(client, url)
    for n in range(8):
        member = factories.make_member(world.team_x, name=f"Extra {n}")
        factories.make_skill(member, world.function, 1 + n % 3)
        account = factories.make_account(world.team_x, world.tier, f"Extra account {n}")
        factories.make_contact(account)
    many = queries_for(client, url)
    assert many == few
