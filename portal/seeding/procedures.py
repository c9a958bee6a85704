"""Demo procedures: an adopted one with its "you said, we did", copied by a second team, and
an active round with some stances in. Built through the real services, so the rows are
what the product makes; the mail they queue is dropped (nobody should get demo mail)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import (
    COACH,
    Account,
    Contact,
    Function,
    Membership,
    OutboxMessage,
    Team,
    User,
    utcnow,
)
from ..procedures import (
    authoring,
    decisions,
    group_membership,
    review_rounds,
    shared_library,
    stances,
)

RETURNS = {
    "title": "Returns collected within two working days",
    "summary": "Tell us once that something goes back; we book the collection and credit you.",
    "customer_change": (
        "- One call or message instead of three (sales, delivery, billing)\n"
        "- No packing slip to print: the driver brings it\n"
        "- Credit note the day the goods arrive back"
    ),
    "body": (
        "1. The customer tells their team by phone, mail or the portal.\n"
        "2. The member who answers books the collection in the same conversation.\n"
        "3. We collect within 5 working days, in a two-hour slot the customer picks.\n"
        "4. Delivery checks the goods on arrival.\n"
        "5. Billing issues the credit note the day the goods arrive."
    ),
}
FASTER = RETURNS["body"].replace("within 5 working days", "within 2 working days")

DISPUTES = {
    "title": "Billing disputes settled in one conversation",
    "summary": "The member who takes the call can credit up to 500 without asking anyone.",
    "customer_change": "No more waiting for a manager's sign-off on small corrections.",
    "body": (
        "1. Any member may correct an invoice by up to 500 on the spot.\n"
        "2. Above that, the coach decides within one business day.\n"
        "3. The customer gets the corrected invoice by mail the same day."
    ),
}


def _coach(team: Team) -> User:
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == team.id, Membership.role == COACH)
        .order_by(User.id)
    )


def _contacts(team: Team, count: int) -> list[tuple[User, Account]]:
    """One contact from each of the team's first accounts: a spread of tiers."""
    rows = db.session.execute(
        select(User, Account)
        .join(Contact, Contact.user_id == User.id)
        .join(Account, Account.id == Contact.account_id)
        .where(Account.team_id == team.id)
        .order_by(Account.id, User.id)
    ).all()
    seen, picked = set(), []
    for user, account in rows:
        if account.id not in seen:
            seen.add(account.id)
            picked.append((user, account))
    return picked[:count]


def _backdate(round_, opened_days_ago: float, now) -> None:
    round_.opened_at = now - timedelta(days=opened_days_ago)


def _join(user, account, now) -> None:
    """Join well before the back-dated rounds: a stance counts only when its author was in
    the group when the round closed."""
    group_membership.join(user, account).joined_at = now - timedelta(days=120)


def seed_procedures(now=None) -> None:
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        first_mail = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        _seed(now or utcnow())
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id > first_mail))
        db.session.flush()


def _seed(now) -> None:
    teams = db.session.scalars(select(Team).order_by(Team.id)).all()
    functions = {f.name: f.id for f in db.session.scalars(select(Function))}
    north, harbour = teams[0], teams[1]
    coach = _coach(north)
    members = _contacts(north, 4)
    for user, account in members:
        _join(user, account, now)

    # 1. Adopted after a round that changed it: "you said, we did".
    returns = authoring.create_procedure(coach, north, functions.get("Delivery"), **RETURNS)
    round_ = review_rounds.open_round(coach, returns, now + timedelta(days=1))
    (first, _), (second, _), (third, _), (fourth, _) = members
    objection = stances.take_stance(
        first, round_, "object", "Five working days is a week without the space in our store."
    )
    concern = stances.take_stance(
        second, round_, "concern", "A two-hour slot is hard for us; we need a morning slot."
    )
    stances.take_stance(third, round_, "support", "One call instead of three is what we want.")
    stances.take_stance(fourth, round_, "support", "")
    stances.answer(coach, objection, "Agreed: we now collect within 2 working days.")
    stances.answer(
        coach,
        concern,
        "Every slot can already be a morning: the customer picks it. We have said so in the step.",
    )
    review_rounds.close_round(coach, round_, early=True)
    authoring.edit_procedure(
        coach, returns, functions.get("Delivery"), **{**RETURNS, "body": FASTER}
    )
    decisions.decide(
        coach,
        round_,
        "adopted",
        "Adopted with a faster collection. Thank you: your objection changed it.",
        {objection.id: 1},
    )
    # Adopted three months ago, so its page shows how the team's measures moved since.
    _backdate(round_, 100, now)
    round_.closes_at = round_.closed_at = now - timedelta(days=92)
    round_.decided_at = returns.adopted_at = now - timedelta(days=91)

    # 2. Another team copies it from the library and adopts it after its own review.
    harbour_coach = _coach(harbour)
    for user, account in _contacts(harbour, 2):
        _join(user, account, now)
    copy = shared_library.adopt_from_library(harbour_coach, returns, harbour)
    copy_round = review_rounds.open_round(harbour_coach, copy, now + timedelta(days=1))
    for user, _ in _contacts(harbour, 2):
        stances.take_stance(user, copy_round, "support", "Works for us.")
    review_rounds.close_round(harbour_coach, copy_round, early=True)
    decisions.decide(harbour_coach, copy_round, "adopted", "Adopted as Team North runs it.")
    _backdate(copy_round, 3, now)

    # 3. An active round with some stances in; the demo contact has not answered yet.
    disputes = authoring.create_procedure(coach, north, functions.get("Billing"), **DISPUTES)
    active = review_rounds.open_round(coach, disputes, now + timedelta(days=5), quorum_min=3)
    _backdate(active, 2, now)
    stances.take_stance(second, active, "support", "Small corrections on the spot, please.")
    stances.take_stance(
        third, active, "concern", "Who checks that 500 is not used to end an argument?"
    )
