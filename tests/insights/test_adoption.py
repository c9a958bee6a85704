"""How an adopting team's related measures moved around a procedure's adoption."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for

from portal.domain.adoption import BETTER, NOT_ENOUGH
from portal.domain.insights import add_months
from portal.extensions import db
from portal.insights import adoption
from portal.models import Rating, ReviewRound, utcnow
from tests import factories


def month_start(months_back: int) -> datetime:
    today = utcnow().date().replace(day=1)
    first = add_months(today, -months_back)
    return datetime(first.year, first.month, 1, tzinfo=UTC)


def _rated(world, when, score, n, function):
    for i in range(n):
        at = when + timedelta(minutes=1 + i)
        item = factories.make_request(
            world.account_a,
            world.contact_a,
            status="resolved",
            function_id=function.id,
            created_at=at,
            first_response_at=at,
            first_response_minutes=30,
            resolved_at=at,
        )
        db.session.add(Rating(request_id=item.id, contact_id=world.contact_a.id, score=score))


@pytest.fixture
def adopted(world):
    return adopt_with_ratings(world)


def adopt_with_ratings(world):
    """Team X adopted a Billing procedure two months ago, copied from Team Y's; Billing
    ratings were 2 before and 5 since, Credit's were 5 all along."""
    credit = factories.make_function("Credit", customer_label="credit")
    source = factories.make_procedure(world.team_y, world.member_y, function_id=world.function.id)
    procedure = factories.make_procedure(world.team_x, world.coach_x, function_id=world.function.id)
    procedure.adopted_from_id = source.id
    adopted_at = month_start(2) + timedelta(days=13)
    procedure.status, procedure.adopted_at = "adopted", adopted_at
    procedure.adopted_version_id = procedure.versions[0].id
    for back in (5, 4, 3):
        _rated(world, month_start(back), 2, 6, world.function)
        _rated(world, month_start(back), 5, 6, credit)
    _rated(world, month_start(2), 3, 6, world.function)  # the adoption month: left out
    _rated(world, month_start(1), 5, 6, world.function)
    _rated(world, month_start(0), 5, 2, world.function)  # this month: too few so far
    db.session.commit()
    return procedure


def _row(data, key):
    return next(r for r in data["rows"] if r.measure.key == key)


def test_csat_of_the_procedure_s_function_moved_up(world, adopted):
    data = adoption.measures_moved(adopted, "month")
    csat = _row(data, "csat").movement
    assert csat.before.mean == pytest.approx(2.0)  # Credit's fives are not Billing's
    assert csat.after.counted == (True, False)  # this month's two ratings are too few
    assert csat.after.mean == pytest.approx(5.0)
    assert csat.change == pytest.approx(3.0) and csat.verdict == BETTER
    resolved = _row(data, "resolved").movement
    assert [p.rows for p in resolved.before.points] == [6, 6, 6]
    # No survey answers at all: the gap says so rather than guess.
    assert _row(data, "survey_gap").movement.verdict == NOT_ENOUGH


def test_without_a_function_every_request_of_the_team_counts(world, adopted):
    adopted.function_id = None
    db.session.flush()
    csat = _row(adoption.measures_moved(adopted, "month"), "csat").movement
    assert csat.before.mean == pytest.approx(3.5)  # Billing's twos and Credit's fives


def test_the_first_adoption_is_the_one_compared_against(world, adopted):
    first = month_start(4) + timedelta(days=3)
    version = adopted.versions[0]
    db.session.add(
        ReviewRound(
            procedure_id=adopted.id,
            version_id=version.id,
            status="adopted",
            closes_at=first,
            decided_at=first,
        )
    )
    db.session.flush()
    assert adoption.adopted_on(adopted) == first


def test_the_page_says_the_rule_and_shows_the_move(client, world, adopted, login_as):
    login_as(world.member_x)
    show = client.get(url_for("procedures.show", team_id=world.team_x.id, procedure_id=adopted.id))
    url = url_for("insights.procedure_measures", team_id=world.team_x.id, procedure_id=adopted.id)
    assert url in show.text
    page = client.get(url)
    assert page.status_code == 200
    assert "count only those about <strong>Billing</strong>" in page.text
    assert "adopted “Returns collected in two days”" in page.text
    assert "Better by 3.00" in page.text
    assert "Not enough data" in page.text
    quarterly = client.get(url + "?period=quarter")
    assert quarterly.status_code == 200 and 'aria-current="page">Quarterly' in quarterly.text


def test_unhappy_paths(client, world, adopted, login_as):
    login_as(world.member_x)
    url = url_for("insights.procedure_measures", team_id=world.team_x.id, procedure_id=adopted.id)
    assert client.get(url + "?period=week").status_code == 400
    # Team Y's procedure under Team X's address, and a draft: not found.
    theirs = factories.make_procedure(world.team_y, world.member_y)
    theirs.status, theirs.adopted_at = "adopted", utcnow()
    draft = factories.make_procedure(world.team_x, world.member_x)
    db.session.commit()
    for procedure in (theirs, draft):
        other = url_for(
            "insights.procedure_measures", team_id=world.team_x.id, procedure_id=procedure.id
        )
        assert client.get(other).status_code == 404
    assert client.get(url.replace("/measures", "0/measures")).status_code == 404
    # Another team's member does not learn the procedure exists; a contact may not look.
    login_as(world.member_y)
    assert client.get(url).status_code == 404
    login_as(world.contact_a)
    assert client.get(url).status_code == 403


def test_the_draft_page_offers_no_before_and_after(client, world, login_as):
    draft = factories.make_procedure(world.team_x, world.member_x)
    db.session.commit()
    login_as(world.member_x)
    show = client.get(url_for("procedures.show", team_id=world.team_x.id, procedure_id=draft.id))
    assert "Measures before and after" not in show.text


def test_the_page_does_not_grow_with_rows(client, world, adopted, login_as):
    from tests.test_query_counts import queries_for

    login_as(world.member_x)
    url = url_for("insights.procedure_measures", team_id=world.team_x.id, procedure_id=adopted.id)
    few = queries_for(client, url)
    _rated(world, month_start(4), 4, 30, world.function)
    db.session.commit()
    assert queries_for(client, url) == few <= 12
