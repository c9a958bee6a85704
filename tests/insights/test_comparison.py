"""Teams side by side (/insights): who may see it, what it shows, and what it costs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import url_for

from portal.extensions import db
from portal.inbox import queries
from portal.insights import comparison, services
from portal.insights.measures import MEASURES
from portal.models import Rating, utcnow
from tests import factories
from tests.insights.test_query_counts import BUDGETS
from tests.test_query_counts import counting


def _busy_team(world, name: str, n: int = 3):
    """A team with accounts, a customer of two years, resolved and rated requests and a
    survey answer this quarter: every figure on the page has rows behind it."""
    team = factories.make_team(name)
    factories.make_member(team, name=f"Member of {name}")
    account = factories.make_account(
        team, world.tier, f"Account of {name}", customer_since=date(2020, 1, 1)
    )
    contact = factories.make_contact(account, name=f"Contact of {name}")
    _resolved(account, contact, n)
    factories.make_survey_answer(team, account, contact, [-2, 2])
    return team


def _resolved(account, contact, n):
    now = utcnow()
    for i in range(n):
        item = factories.make_request(
            account,
            contact,
            status="resolved",
            created_at=now - timedelta(hours=5 + i),
            first_response_at=now - timedelta(hours=4 + i),
            first_response_minutes=20 + i,
            resolved_at=now - timedelta(hours=1 + i),
            resolution_due_at=now,
        )
        db.session.add(Rating(request_id=item.id, contact_id=contact.id, score=1 + i % 5))
    db.session.flush()


def _statements(client, url) -> int:
    client.get(url)  # warm the reference cache, as in steady use
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_statements_do_not_grow_with_the_number_of_teams(client, world, login_as):
    """One query per set of rows for all teams together: 2 teams or 6 cost the same, and
    no more than one team's dashboard does."""
    _resolved(world.account_a, world.contact_a, 3)
    _resolved(world.account_b, world.contact_b, 2)
    db.session.commit()
    url = url_for("insights.overview", period="quarter")
    for person in (world.admin, world.coach_x):
        login_as(person)
        few = _statements(client, url)
        for n in range(4):
            _busy_team(world, f"Team {person.id}-{n}", n + 1)
        db.session.commit()
        many = _statements(client, url)
        assert many == few, person.name
        assert many <= BUDGETS["insights.dashboard"]


def test_a_coach_compares_figures_never_another_team_s_accounts(client, world, login_as):
    _resolved(world.account_a, world.contact_a, 2)
    _resolved(world.account_b, world.contact_b, 5)
    db.session.commit()
    login_as(world.coach_x)
    page = client.get(url_for("insights.overview"))
    assert page.status_code == 200
    text = page.text
    # Their own team first, marked and linked; the other team's figures, not its pages.
    assert text.index("Team X") < text.index("Team Y")
    assert "Your team" in text
    assert url_for("insights.dashboard", team_id=world.team_x.id, period="month") in text
    assert url_for("insights.dashboard", team_id=world.team_y.id, period="month") not in text
    for secret in ("Account B", "Contact B", "Member Y", "Account A"):
        assert secret not in text
    for group in ("Inputs", "Processes", "Outputs", "Results"):
        assert 'scope="colgroup" colspan=' in text and f">{group}</th>" in text
    assert "Retention" in text


def test_the_figures_are_the_dashboard_s(world):
    """The same measure, for each team, as the team's own dashboard shows it."""
    from portal.insights import reports

    _resolved(world.account_a, world.contact_a, 2)
    _resolved(world.account_b, world.contact_b, 5)
    world.account_b.customer_since = date(2020, 1, 1)
    db.session.flush()
    data = comparison.side_by_side(world.admin, "month")
    rows = {row.team.id: row for row in data["rows"]}
    assert rows[world.team_x.id].values["resolved"][1] == 2
    assert rows[world.team_y.id].values["resolved"][1] == 5
    assert rows[world.team_y.id].retention.cohort == 1
    # Team Y resolved more: it leads on the count; Team X does not.
    assert "resolved" in rows[world.team_y.id].leads
    assert "resolved" not in rows[world.team_x.id].leads
    dashboard = reports.dashboard(world.admin, world.team_y, "month")
    table = {r.measure.key: r.values[-1] for _, group in dashboard["table"] for r in group}
    for key in MEASURES:
        assert rows[world.team_y.id].values[key][1] == table[key], key


def test_the_gap_by_dimension_is_split_by_team_in_one_query(world):
    factories.make_survey_answer(world.team_x, world.account_a, world.contact_a, [-2, 0])
    factories.make_survey_answer(world.team_y, world.account_b, world.contact_b, [3])
    data = comparison.side_by_side(world.admin, "month")
    rows = {row.team.id: row for row in data["rows"]}
    first, second = services.dimensions()[:2]
    assert rows[world.team_x.id].gaps == {first.id: pytest.approx(-2.0), second.id: 0.0}
    assert rows[world.team_y.id].gaps == {first.id: pytest.approx(3.0)}


def test_quiet_counts_for_every_team_follow_the_inbox_rule(world):
    now = utcnow()
    factories.make_account(world.team_x, world.tier, "Silent Co")
    world.account_a.last_contact_at = now
    db.session.flush()
    days = 30
    counts = queries.quiet_counts([world.team_x.id, world.team_y.id], days, now)
    for team in (world.team_x, world.team_y):
        assert counts.get(team.id, 0) == len(queries.quiet_accounts(world.admin, team, days, now))
    assert counts[world.team_x.id] == 2  # Account A2 and Silent Co


@pytest.mark.parametrize("period", ["year", "", "month'"])
def test_a_bad_period_is_400(client, world, login_as, period):
    login_as(world.coach_x)
    assert client.get(url_for("insights.overview", period=period)).status_code == 400


def test_members_and_contacts_may_not_compare(client, world, login_as):
    for person in (world.member_x, world.member_y, world.contact_a):
        login_as(person)
        assert client.get(url_for("insights.overview")).status_code == 403, person.name


def test_the_bar_offers_the_comparison_to_coaches_only(client, world, login_as):
    link = f'href="{url_for("insights.overview")}"'
    login_as(world.coach_x)
    assert link in client.get(url_for("inbox.index", team_id=world.team_x.id)).text
    login_as(world.member_x)
    assert link not in client.get(url_for("inbox.index", team_id=world.team_x.id)).text
