"""The account-tier services: economics, the rule, suggestions and decisions. A tier change
moves the account's service levels, so its open requests' clocks are recomputed in the same
transaction, as an admin's change of tier does."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit, reference
from ..domain import economics_csv
from ..domain.tier_rule import Economics, Suggestion, suggest
from ..extensions import db
from ..models import Account, Request, Team, Tier, TierChange, User, utcnow
from ..requests.clock import recompute_open

HISTORY = 20  # changes shown on an account's page


class TierError(ValueError):
    """A decision or a figure that may not be saved as asked; `field` is the form's."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def suggestion(account: Account, today: date | None = None) -> Suggestion | None:
    economics = Economics(account.yearly_revenue, account.gross_margin, account.customer_since)
    return suggest(reference.tier_rule(), economics, today or utcnow().date())


def history(account: Account) -> list[TierChange]:
    return list(
        db.session.scalars(
            select(TierChange)
            .where(TierChange.account_id == account.id)
            .options(
                joinedload(TierChange.from_tier),
                joinedload(TierChange.to_tier),
                joinedload(TierChange.suggested_tier),
                joinedload(TierChange.decided_by),
            )
            .order_by(TierChange.id.desc())
            .limit(HISTORY)
        )
    )


def record_change(
    actor: User | None, account: Account, from_tier_id: int | None, reason: str
) -> TierChange:
    """Keep a change of `account`'s tier (already set) with what the rule suggested."""
    suggested = suggestion(account)
    change = TierChange(
        account_id=account.id,
        from_tier_id=from_tier_id,
        to_tier_id=account.tier_id,
        suggested_tier_id=suggested.tier_id if suggested else None,
        reason=reason,
        decided_by_id=actor.id if actor else None,
    )
    db.session.add(change)
    return change


def decide(actor: User, account: Account, tier: Tier, reason: str) -> TierChange:
    """A coach's choice of tier: the rule's suggestion, or another one with a reason."""
    reason = (reason or "").strip()
    if tier.id == account.tier_id:
        raise TierError(f"{account.name} is already a {tier.name} account.", "tier")
    suggested = suggestion(account)
    if (suggested is None or suggested.tier_id != tier.id) and not reason:
        raise TierError("Say why you choose another tier than the rule suggests.", "reason")
    previous = account.tier_id
    account.tier_id = tier.id
    db.session.flush()
    change = record_change(actor, account, previous, reason)
    audit.record(actor, "account.tier_decided", account, from_tier_id=previous, to_tier_id=tier.id)
    recompute_open(Request.account_id == account.id)  # service levels are per tier
    db.session.flush()
    return change


ECONOMICS = ("yearly_revenue", "gross_margin", "order_volume", "customer_since", "renewal_on")


def update_economics(actor: User, account: Account, **figures) -> list[str]:
    """Save the figures given (None clears one; one not given stays); returns the names of
    those that changed."""
    since = figures.get("customer_since")
    if since is not None and since > utcnow().date():
        raise TierError("A customer since a future date? Check the date.", "customer_since")
    changed = [
        name for name in ECONOMICS if name in figures and getattr(account, name) != figures[name]
    ]
    for name in changed:
        setattr(account, name, figures[name])
    if changed:
        audit.record(actor, "account.economics_changed", account, fields=changed)
        db.session.flush()
    return changed


RULE = ("min_gross_margin", "min_years", "min_revenue")


def _asks(tier: Tier) -> bool:
    return any(getattr(tier, name) is not None for name in RULE)


def save_rule(actor: User, tier: Tier, **conditions) -> None:
    """A tier's conditions (None: not asked). Moves the site stamp (a tier changed), so
    every server's suggestions follow at once."""
    for name in RULE:
        setattr(tier, name, conditions.get(name))
    ordered = db.session.scalars(select(Tier).order_by(Tier.rank)).all()
    open_tier = next((t for t in ordered if not _asks(t)), None)
    if open_tier is not None and any(_asks(t) for t in ordered if t.rank > open_tier.rank):
        raise TierError(
            f"{open_tier.name} asks nothing, so it would take every account before the tiers "
            "after it: give it a condition, or leave the tiers after it without.",
            "min_gross_margin",
        )
    audit.record(actor, "tier_rule.saved", tier, **{n: conditions.get(n) for n in RULE})
    db.session.flush()


# --- figures from a CSV file ----------------------------------------------------------------


def read_upload(raw: bytes) -> str:
    """A file's text: CSV as spreadsheets save it, UTF-8 with or without a BOM."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TierError("Save the file as CSV UTF-8 and send it again.", "file") from None


def read_import(team: Team, text: str) -> economics_csv.Parsed:
    """The file read against the team's accounts, each row with what it would change."""
    accounts = db.session.scalars(select(Account).where(Account.team_id == team.id)).all()
    parsed = economics_csv.parse(text, {a.name: a.id for a in accounts}, utcnow().date())
    by_id = {a.id: a for a in accounts}
    for row in parsed.rows:
        account = by_id.get(row.account_id)
        row.changes = {
            name: (getattr(account, name), value)
            for name, value in row.figures.items()
            if account is not None and getattr(account, name) != value
        }
    return parsed


def apply_import(actor: User, team: Team, text: str) -> int:
    """Every row's figures, or none: a file with any error changes nothing. Returns how
    many accounts changed."""
    parsed = read_import(team, text)
    if not parsed.ok:
        raise TierError("The file has errors: nothing was saved.")
    changed = 0
    for row in parsed.rows:
        account = db.session.get(Account, row.account_id)
        changed += bool(update_economics(actor, account, **row.figures))
    audit.record(actor, "account.economics_imported", team, rows=len(parsed.rows))
    db.session.flush()
    return changed
