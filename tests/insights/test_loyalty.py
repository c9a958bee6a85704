"""The dashboard's Loyalty card: retention a year on, revenue share by tier and each tier's
satisfaction gap moving between quarters, for the team's own accounts only."""

from __future__ import annotations

from datetime import date, timedelta

from flask import url_for

from portal.extensions import db
from portal.models import utcnow
from tests import factories
from tests.insights.test_figures_and_charts import _answered_survey


def test_the_card_reads_the_team_s_accounts_and_gaps(world, client, login_as):
    today = utcnow().date()
    standard = factories.make_tier("Standard", 3)
    world.account_a.yearly_revenue, world.account_a.customer_since = 900_000, date(2018, 1, 1)
    world.account_a2.tier_id = standard.id
    world.account_a2.yearly_revenue = 100_000
    world.account_a2.customer_since = today - timedelta(days=30)  # new: not in the cohort
    left = factories.make_account(world.team_x, standard, "Gone Ltd")
    left.active, left.customer_since = False, date(2019, 5, 1)
    world.account_b.yearly_revenue = 7_000_000  # team Y's: never in team X's figures
    world.account_b.customer_since = date(2015, 1, 1)
    db.session.commit()
    _answered_survey(world, 5, 6)  # Account A (Key): +1 on all but one dimension

    login_as(world.coach_x)
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id)).text
    card = page.split('id="loyalty-heading"')[1].split("</section>")[0]
    assert "<strong>50%</strong> of the 2 accounts that were customers a year ago" in card
    assert "900,000" in card and "90%" in card and "100,000" in card and "10%" in card
    assert "7,000,000" not in card
    assert "Not enough answers" in card  # no answers last quarter: no move to show
    assert "+0." in card  # this quarter's Key gap
