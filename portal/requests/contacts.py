"""The people a team serves, as staff pick them: when they log a request for a customer
(a call, a visit) or attach a mail to one."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Account, Contact, User


def by_account(team_id: int) -> list[tuple[str, list[User]]]:
    """The team's active contacts of its active accounts, grouped by account name."""
    rows = db.session.execute(
        select(Account.name, User)
        .join(Contact, Contact.account_id == Account.id)
        .join(User, User.id == Contact.user_id)
        .where(Account.team_id == team_id, Account.active, User.active)
        .order_by(Account.name, User.name)
    ).all()
    grouped: dict[str, list[User]] = {}
    for account_name, person in rows:
        grouped.setdefault(account_name, []).append(person)
    return list(grouped.items())


def choices(team_id: int) -> dict[str, list[tuple[int, str]]]:
    """`by_account` as a SelectField's choices: WTForms draws a dict as <optgroup>s."""
    return {
        account: [(person.id, f"{person.name} <{person.email}>") for person in people]
        for account, people in by_account(team_id)
    }


def account_of(person: User, team_id: int) -> Account | None:
    """The account of `team_id` a contact speaks for: the first they joined, when they are
    a contact of several of the team's accounts (a member can move the request later)."""
    return db.session.scalar(
        select(Account)
        .join(Contact, Contact.account_id == Account.id)
        .where(Contact.user_id == person.id, Account.team_id == team_id, Account.active)
        .order_by(Contact.id)
        .limit(1)
    )
