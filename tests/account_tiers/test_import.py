"""Importing accounts' figures from CSV: a preview of every row before anything is saved,
clear row errors, and a file with any error saves nothing; another team's accounts are
unknown here."""

from __future__ import annotations

import io

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, AuditEvent
from tests.auth.helpers import csrf_token

GOOD = (
    "account,yearly_revenue,gross_margin,customer_since\n"
    'Account A,"1,200,000",34.5,2019-03-01\n'
    "Account A2,80000,,\n"
)


def _preview(client, world, **data):
    page = url_for("account_tiers.import_figures", team_id=world.team_x.id)
    url = url_for("account_tiers.preview_figures", team_id=world.team_x.id)
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, page), **data},
        content_type="multipart/form-data",
    )


def test_a_file_is_previewed_then_saved_whole(world, client, login_as):
    login_as(world.coach_x)
    shown = _preview(client, world, file=(io.BytesIO(GOOD.encode("utf-8-sig")), "figures.csv"))
    assert shown.status_code == 200 and "2 rows ready" in shown.text
    assert "<strong>1,200,000</strong>" in shown.text
    margin = 'Gross margin: <span class="muted">not entered</span> → <strong>34.5%</strong>'
    assert margin in shown.text
    db.session.refresh(world.account_a)
    assert world.account_a.yearly_revenue is None  # a preview saves nothing

    page = url_for("account_tiers.import_figures", team_id=world.team_x.id)
    saved = client.post(
        url_for("account_tiers.apply_figures", team_id=world.team_x.id),
        data={"csrf_token": csrf_token(client, page), "text": GOOD},
    )
    assert saved.status_code == 303
    accounts = {a.name: a for a in db.session.scalars(select(Account))}
    assert accounts["Account A"].yearly_revenue == 1_200_000
    assert accounts["Account A"].gross_margin == 34.5
    assert accounts["Account A2"].yearly_revenue == 80_000
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "account.economics_imported")
    )


def test_a_file_with_one_bad_row_saves_nothing(world, client, login_as):
    login_as(world.coach_x)
    bad = GOOD + "Account B,5,5,2019-01-01\nAccount A2,lots,,\n"
    shown = _preview(client, world, text=bad)
    assert shown.status_code == 422
    assert "no account “Account B” in this team" in shown.text  # team Y's account
    assert "the same account as line 3" in shown.text
    assert "Save the figures" not in shown.text
    page = url_for("account_tiers.import_figures", team_id=world.team_x.id)
    forced = client.post(
        url_for("account_tiers.apply_figures", team_id=world.team_x.id),
        data={"csrf_token": csrf_token(client, page), "text": bad},
    )
    assert forced.status_code == 422 and "no account “Account B”" in forced.text
    assert all(a.yearly_revenue is None for a in db.session.scalars(select(Account)))


def test_what_cannot_be_read_says_why(world, client, login_as):
    login_as(world.coach_x)
    latin = _preview(
        client,
        world,
        file=(io.BytesIO("account,order_volume\nCafé,1\n".encode("latin-1")), "f.csv"),
    )
    assert latin.status_code == 422 and "Save the file as CSV UTF-8" in latin.text
    wrong_type = _preview(client, world, file=(io.BytesIO(b"x"), "figures.xlsx"))
    assert wrong_type.status_code == 422 and "A .csv file, please." in wrong_type.text
    empty = _preview(client, world, text="  ")
    assert empty.status_code == 422 and "Choose a file, or paste the rows." in empty.text
    header = _preview(client, world, text="name,revenue\nA,1\n")
    assert header.status_code == 422 and "The first row must name the columns" in header.text
