"""Procedure pages issue a constant number of SQL statements, whatever the number of stances."""

from flask import url_for

from portal.extensions import db
from portal.procedures import decisions, review_rounds, stances
from tests import factories
from tests.test_query_counts import queries_for


def _round_with(world, n):
    factories.join_reference_group(world.contact_a, world.account_a)
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    stances.take_stance(world.contact_a, round_, "object", "Too slow")
    for i in range(n):
        contact = factories.make_contact(world.account_a, name=f"Voter {i}")
        factories.join_reference_group(contact, world.account_a)
        stance = stances.take_stance(contact, round_, "concern", f"Reason {i}")
        stances.answer(world.member_x, stance, f"Answer {i}")
    db.session.commit()
    return procedure, round_


def _budgets(client, login_as, world, n):
    procedure, round_ = _round_with(world, n)
    team = {"team_id": world.team_x.id, "procedure_id": procedure.id}
    login_as(world.coach_x)
    staff = {
        "show": queries_for(client, url_for("procedures.show", **team)),
        "round": queries_for(client, url_for("procedures.round", round_id=round_.id, **team)),
        "group": queries_for(client, url_for("procedures.group", team_id=world.team_x.id)),
    }
    review_rounds.close_round(world.coach_x, round_, early=True)
    stances.answer(world.member_x, stances.stance_of(world.contact_a, round_), "Faster now")
    decisions.decide(world.coach_x, round_, "adopted", "Adopted.")
    db.session.commit()
    staff["library"] = queries_for(client, url_for("procedures.library"))
    login_as(world.contact_a)
    customer = {
        "round": queries_for(client, url_for("reference.round", round_id=round_.id)),
        "decision": queries_for(client, url_for("reference.decision", round_id=round_.id)),
        "index": queries_for(client, url_for("reference.index")),
    }
    return staff, customer


def test_procedure_pages_do_not_grow_with_stances(app, client, world, login_as):
    few = _budgets(client, login_as, world, 1)
    many = _budgets(client, login_as, world, 25)
    assert few == many
    staff, customer = many
    budgets = {"show": 8, "round": 8, "group": 5, "library": 6}
    assert all(staff[page] <= budget for page, budget in budgets.items()), staff
    budgets = {"round": 9, "decision": 7, "index": 6}
    assert all(customer[page] <= budget for page, budget in budgets.items()), customer
