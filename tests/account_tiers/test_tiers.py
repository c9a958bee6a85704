"""Accounts by rule: a coach enters an account's figures, sees the tier the rule suggests and
why, accepts it or overrides it with a reason; every change is kept, the open requests'
service clocks follow the new tier, and an admin sets the rule. A member sees but may not
change; bad figures get a form error and change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal.account_tiers import services
from portal.admin import services as admin_services
from portal.extensions import db
from portal.models import Account, TierChange, utcnow
from tests import factories
from tests.auth.helpers import csrf_token


@pytest.fixture
def ruled(world):
    """Key: 30% margin and 5 years; Standard: the rest. Account A is Key today."""
    world.tier.min_gross_margin, world.tier.min_years = 30, 5
    standard = factories.make_tier("Standard", 3)
    db.session.commit()
    return standard


def _page(world):
    return url_for("workspace.account", team_id=world.team_x.id, account_id=world.account_a.id)


def _post(client, name, world, **fields):
    url = url_for(name, team_id=world.team_x.id, account_id=world.account_a.id)
    return client.post(url, data={"csrf_token": csrf_token(client, _page(world)), **fields})


def test_figures_move_the_suggestion_and_the_page_says_why(world, ruled, client, login_as):
    login_as(world.coach_x)
    page = client.get(_page(world)).text
    assert "The rule suggests <strong>Standard</strong>" in page
    assert "gross margin not entered (needs 30%)" in page

    since = (utcnow().date() - timedelta(days=6 * 366)).isoformat()
    saved = _post(
        client,
        "account_tiers.economics",
        world,
        yearly_revenue="1200000",
        gross_margin="34.5",
        order_volume="240",
        customer_since=since,
    )
    assert saved.status_code == 303
    db.session.refresh(world.account_a)
    assert (world.account_a.yearly_revenue, world.account_a.gross_margin) == (1_200_000, 34.5)
    page = client.get(_page(world)).text
    assert "The rule agrees: <strong>Key</strong>" in page
    assert "gross margin 34.5% ≥ 30%" in page and "1,200,000" in page


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"gross_margin": "140"}, "A percentage from -100 to 100."),
        ({"yearly_revenue": "-5"}, "From 0 up, in whole units."),
        ({"yearly_revenue": "lots"}, "Not a valid integer value."),
        ({"customer_since": "2999-01-01"}, "A customer since a future date?"),
        ({"customer_since": "yesterday"}, "Not a valid date value."),
    ],
)
def test_bad_figures_say_why_and_save_nothing(world, ruled, client, login_as, fields, says):
    login_as(world.coach_x)
    refused = _post(client, "account_tiers.economics", world, **fields)
    assert refused.status_code == 422 and says in refused.text
    db.session.refresh(world.account_a)
    assert world.account_a.gross_margin is None and world.account_a.yearly_revenue is None


def test_an_override_needs_a_reason_and_every_change_is_kept(world, ruled, client, login_as):
    login_as(world.coach_x)
    refused = _post(client, "account_tiers.decide", world, tier=str(world.tier.id), reason="")
    assert refused.status_code == 422 and "already a Key account" in refused.text

    # The rule suggests Standard (no figures): taking it needs no reason.
    assert _post(client, "account_tiers.decide", world, tier=str(ruled.id)).status_code == 303
    # Back to Key against the rule: only with a reason.
    refused = _post(client, "account_tiers.decide", world, tier=str(world.tier.id), reason=" ")
    assert refused.status_code == 422 and "Say why you choose another tier" in refused.text
    db.session.refresh(world.account_a)
    assert world.account_a.tier_id == ruled.id  # nothing saved
    kept = _post(
        client,
        "account_tiers.decide",
        world,
        tier=str(world.tier.id),
        reason="Renewal talks: keep them close this quarter.",
    )
    assert kept.status_code == 303
    changes = db.session.scalars(select(TierChange).order_by(TierChange.id)).all()
    assert [(c.to_tier_id, c.suggested_tier_id, c.reason) for c in changes] == [
        (ruled.id, ruled.id, ""),
        (world.tier.id, ruled.id, "Renewal talks: keep them close this quarter."),
    ]
    page = client.get(_page(world)).text
    assert "Override of Standard" in page and "As suggested" in page
    assert "Renewal talks" in page


def test_a_new_tier_recomputes_the_open_requests_clocks(world, ruled):
    factories.make_service_level(world.tier, "normal", first_response=60)
    factories.make_service_level(ruled, "normal", first_response=480)
    request = factories.raise_request(world.contact_a, world.account_a)
    db.session.commit()
    key_due = request.first_response_due_at
    services.decide(world.coach_x, world.account_a, ruled, "")
    db.session.commit()
    db.session.refresh(request)
    assert request.first_response_due_at > key_due


def test_an_admin_s_change_of_tier_is_kept_too(world, ruled):
    admin_services.update_account(
        world.admin,
        world.account_a,
        name=world.account_a.name,
        team=world.team_x,
        tier=ruled,
        shares_visibility=False,
    )
    db.session.commit()
    [change] = db.session.scalars(select(TierChange)).all()
    assert (change.from_tier_id, change.to_tier_id) == (world.tier.id, ruled.id)
    assert change.decided_by_id == world.admin.id and "admin" in change.reason


def test_a_member_sees_the_tier_but_may_not_change_it(world, ruled, client, login_as):
    login_as(world.member_x)
    page = client.get(_page(world)).text
    assert "The rule suggests" in page and "Set the tier" not in page
    assert "Save the figures" not in page
    assert _post(client, "account_tiers.decide", world, tier=str(ruled.id)).status_code == 403
    db.session.refresh(world.account_a)
    assert world.account_a.tier_id == world.tier.id


def test_another_team_s_account_is_not_found(world, ruled, client, login_as):
    login_as(world.coach_x)
    url = url_for("account_tiers.decide", team_id=world.team_x.id, account_id=world.account_b.id)
    answer = client.post(url, data={"csrf_token": csrf_token(client, _page(world)), "tier": "1"})
    assert answer.status_code == 404


def test_htmx_gets_the_tier_cards_back(world, ruled, client, login_as):
    login_as(world.coach_x)
    url = url_for("account_tiers.decide", team_id=world.team_x.id, account_id=world.account_a.id)
    answer = client.post(
        url,
        data={"csrf_token": csrf_token(client, _page(world)), "tier": str(ruled.id)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="tier-cards"')
    assert "As suggested" in answer.text


def test_an_admin_sets_the_rule(world, ruled, client, login_as):
    login_as(world.admin)
    page = url_for("account_tiers.rule")
    url = url_for("account_tiers.save_rule", tier_id=world.tier.id)
    form = {
        "csrf_token": csrf_token(client, page),
        "min_gross_margin": "25",
        "min_years": "3",
        "min_revenue": "",
    }
    assert client.post(url, data=form).status_code == 303
    db.session.refresh(world.tier)
    assert (world.tier.min_gross_margin, world.tier.min_years, world.tier.min_revenue) == (
        25,
        3,
        None,
    )
    refused = client.post(url, data={**form, "min_years": "-1"})
    assert refused.status_code == 422 and "From 0 to 200." in refused.text
    db.session.refresh(world.tier)
    assert world.tier.min_years == 3
    missing = url_for("account_tiers.save_rule", tier_id=99999)
    assert client.post(missing, data=form).status_code == 404


def test_the_suggestion_uses_the_rule_as_saved_at_once(world, ruled):
    world.account_a.gross_margin = 40
    world.account_a.customer_since = date(2000, 1, 1)
    db.session.commit()
    assert services.suggestion(world.account_a).name == "Key"
    world.tier.min_gross_margin = 50  # moves the site stamp: the cached rule is not reused
    db.session.commit()
    assert services.suggestion(db.session.get(Account, world.account_a.id)).name == "Standard"


def test_a_tier_that_asks_nothing_cannot_stand_before_one_that_asks(world, ruled, client, login_as):
    """Otherwise it would take every account and the tiers after it could never be
    suggested."""
    loyal = factories.make_tier("Loyal", 2)
    ruled.min_revenue = 1000
    db.session.commit()
    login_as(world.admin)
    page = url_for("account_tiers.rule")
    url = url_for("account_tiers.save_rule", tier_id=loyal.id)
    refused = client.post(url, data={"csrf_token": csrf_token(client, page)})
    assert refused.status_code == 422 and "Loyal asks nothing" in refused.text
    saved = client.post(url, data={"csrf_token": csrf_token(client, page), "min_years": "2"})
    assert saved.status_code == 303
