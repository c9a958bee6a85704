"""Procedure and reference-group rows for the role × route matrix in tests/test_access.py.

Each builder makes a fresh Team X procedure; Contact A is in Team X's reference group, so
Contact B (another team's customer) must not learn its rounds exist (404).
"""

from __future__ import annotations

from flask import url_for

from portal.extensions import db
from portal.procedures import decisions, review_rounds, stances
from tests import factories


def _stanced_round(w):
    factories.join_reference_group(w.contact_a, w.account_a)
    procedure = factories.make_procedure(w.team_x, w.member_x)
    round_ = factories.open_review_round(procedure, w.coach_x)
    stance = stances.take_stance(w.contact_a, round_, "concern", "Too slow")
    return procedure, round_, stance


def _adopted(w):
    procedure, round_, _stance = _stanced_round(w)
    review_rounds.close_round(w.coach_x, round_, early=True)
    decisions.decide(w.coach_x, round_, "adopted", "Adopted.")
    return procedure, round_


def _procedure_url(endpoint):
    def build(w):
        procedure = factories.make_procedure(w.team_x, w.member_x)
        db.session.commit()
        return url_for(endpoint, team_id=w.team_x.id, procedure_id=procedure.id)

    return build


def _round_url(endpoint, with_stance=False):
    def build(w):
        procedure, round_, stance = _stanced_round(w)
        db.session.commit()
        extra = {"stance_id": stance.id} if with_stance else {}
        return url_for(
            endpoint, team_id=w.team_x.id, procedure_id=procedure.id, round_id=round_.id, **extra
        )

    return build


def _customer_round_url(endpoint, decided=False):
    def build(w):
        round_ = _adopted(w)[1] if decided else _stanced_round(w)[1]
        db.session.commit()
        return url_for(endpoint, round_id=round_.id)

    return build


def _library_url(endpoint):
    def build(w):
        procedure, _ = _adopted(w)
        db.session.commit()
        return url_for(endpoint, procedure_id=procedure.id)

    return build


def _signed_in(answer, **overrides):
    row = dict.fromkeys(
        ("contact_a", "contact_a2", "contact_b", "member_x", "member_y", "coach_x", "admin"), answer
    )
    row.update(overrides)
    return {"visitor": "login", **row}


STAFF_OF_X = {"contact_a": 403, "contact_a2": 403, "contact_b": 403, "member_y": 404}
COACH_OF_X = {**STAFF_OF_X, "member_x": 403}
CONTACTS = {"member_x": 403, "member_y": 403, "coach_x": 403, "admin": 403}
IN_GROUP = {**CONTACTS, "contact_a2": 404, "contact_b": 404}
STAFF = {"contact_a": 403, "contact_a2": 403, "contact_b": 403}


def _team(endpoint):
    return lambda w: url_for(endpoint, team_id=w.team_x.id)


ROWS = {
    "procedures.index": ("GET", _team("procedures.index"), _signed_in(200, **STAFF_OF_X)),
    "procedures.new": ("GET", _team("procedures.new"), _signed_in(200, **STAFF_OF_X)),
    "procedures.show": ("GET", _procedure_url("procedures.show"), _signed_in(200, **STAFF_OF_X)),
    "procedures.edit": ("GET", _procedure_url("procedures.edit"), _signed_in(200, **STAFF_OF_X)),
    "procedures.compare": (
        "GET",
        _procedure_url("procedures.compare"),
        _signed_in(200, **STAFF_OF_X),
    ),
    # Opening, closing and deciding are the coach's; an empty form is refused with 422.
    "procedures.open_round": (
        "POST",
        _procedure_url("procedures.open_round"),
        _signed_in(422, **COACH_OF_X),
    ),
    "procedures.withdraw": (
        "POST",
        _procedure_url("procedures.withdraw"),
        _signed_in(303, **COACH_OF_X),
    ),
    "procedures.round": ("GET", _round_url("procedures.round"), _signed_in(200, **STAFF_OF_X)),
    "procedures.confirm_close_round": (
        "GET",
        _round_url("procedures.confirm_close_round"),
        _signed_in(200, **COACH_OF_X),
    ),
    # Without `confirm=yes` the post closes nothing and leads to the confirmation (303).
    "procedures.close_round": (
        "POST",
        _round_url("procedures.close_round"),
        _signed_in(303, **COACH_OF_X),
    ),
    "procedures.answer": (
        "POST",
        _round_url("procedures.answer", with_stance=True),
        _signed_in(422, **STAFF_OF_X),
    ),
    "procedures.decide": ("POST", _round_url("procedures.decide"), _signed_in(422, **COACH_OF_X)),
    "procedures.group": ("GET", _team("procedures.group"), _signed_in(200, **STAFF_OF_X)),
    "procedures.invite": ("POST", _team("procedures.invite"), _signed_in(422, **COACH_OF_X)),
    "procedures.library": (
        "GET",
        lambda w: url_for("procedures.library"),
        _signed_in(200, **STAFF),
    ),
    "procedures.library_item": (
        "GET",
        _library_url("procedures.library_item"),
        _signed_in(200, **STAFF),
    ),
    "procedures.adopt": ("POST", _library_url("procedures.adopt"), _signed_in(422, **STAFF)),
    "reference.index": (
        "GET",
        lambda w: url_for("reference.index"),
        _signed_in(200, **CONTACTS),
    ),
    # An empty join is refused with a message on the page it came from.
    "reference.join": ("POST", lambda w: url_for("reference.join"), _signed_in(303, **CONTACTS)),
    "reference.leave": ("POST", lambda w: url_for("reference.leave"), _signed_in(400, **CONTACTS)),
    "reference.round": (
        "GET",
        _customer_round_url("reference.round"),
        _signed_in(200, **IN_GROUP),
    ),
    "reference.stance": (
        "POST",
        _customer_round_url("reference.stance"),
        _signed_in(422, **IN_GROUP),
    ),
    "reference.decision": (
        "GET",
        _customer_round_url("reference.decision", decided=True),
        _signed_in(200, **IN_GROUP),
    ),
    # The single-use link is the credential: a forged one is unknown to everyone.
    "reference.vote_by_link": (
        "GET",
        lambda w: url_for("reference.vote_by_link", token="forged"),
        dict.fromkeys(_signed_in(404), 404),
    ),
    "reference.how_we_work": (
        "GET",
        lambda w: url_for("reference.how_we_work"),
        _signed_in(200, **CONTACTS),
    ),
    "reference.how_we_work_item": (
        "GET",
        _library_url("reference.how_we_work_item"),
        # Every customer of Team X reads how it works, group member or not.
        _signed_in(200, **{**IN_GROUP, "contact_a2": 200}),
    ),
}
