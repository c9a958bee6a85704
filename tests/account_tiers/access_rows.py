"""The account-tier routes' rows for the role x route matrix in tests/test_access.py: an
account's figures and tier are its team's coach's (and admins'); a member of the team may
see them but not change them (403); another team's member is not told the account exists.
The tier rule is admins'. POST rows send an empty form without CSRF."""

from __future__ import annotations

from flask import url_for

from tests.admin.access_rows import _get, _post
from tests.api.access_rows import _coach_of_x


def _account_url(name):
    return lambda w: url_for(name, team_id=w.team_x.id, account_id=w.account_a.id)


ROWS = {
    "account_tiers.economics": ("POST", _account_url("account_tiers.economics"), _coach_of_x(303)),
    "account_tiers.decide": ("POST", _account_url("account_tiers.decide"), _coach_of_x(422)),
    "account_tiers.rule": _get(lambda w: url_for("account_tiers.rule")),
    "account_tiers.save_rule": _post(
        lambda w: url_for("account_tiers.save_rule", tier_id=w.tier.id), 303
    ),
}


def _team_url(name):
    return lambda w: url_for(name, team_id=w.team_x.id)


ROWS |= {
    "account_tiers.import_figures": (
        "GET",
        _team_url("account_tiers.import_figures"),
        _coach_of_x(200),
    ),
    "account_tiers.preview_figures": (
        "POST",
        _team_url("account_tiers.preview_figures"),
        _coach_of_x(422),
    ),
    "account_tiers.apply_figures": (
        "POST",
        _team_url("account_tiers.apply_figures"),
        _coach_of_x(400),
    ),
}
