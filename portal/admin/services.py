"""Admin writes. Each takes the acting admin, enforces its rule, records an audit event and
flushes; the view commits once. A refused action raises `AdminError`, which the view shows as a
form error.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError

from .. import audit, mail_threads, skills
from ..account_tiers import services as account_tiers
from ..auth.services import revoke_sessions
from ..extensions import db
from ..follow_ups import services as follow_ups
from ..models import (
    MEMBERSHIP_ROLES,
    OPEN_STATUSES,
    Account,
    Contact,
    Function,
    Membership,
    Request,
    Skill,
    Team,
    Tier,
    User,
    utcnow,
)
from ..procedures.group_membership import end_account_memberships
from ..requests import activity
from ..requests.clock import recompute_open
from ..requests.routing import routing_choice
from ..requests.services import record_event


class AdminError(ValueError):
    """A rule refused the action; the message is written for the admin."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- shared: unique values, changes, a guarded flush ---------------------------------------

# column -> message when another row already has the value
UNIQUE = {
    Function: {"name": "Another function already has that name."},
    Tier: {
        "name": "Another tier already has that name.",
        "rank": "Another tier already has that rank.",
    },
    Team: {
        "name": "Another team already has that name.",
        "mail_address": "Another team already uses that mail address.",
    },
    Account: {"name": "Another account already has that name."},
}


def _check_unique(obj, fields: dict) -> None:
    model = type(obj)
    for column, message in UNIQUE.get(model, {}).items():
        if column not in fields or fields[column] is None:
            continue  # NULL never clashes: many teams may have no mail address
        value = fields[column]
        attribute = getattr(model, column)
        # Names are compared case-insensitively: "billing" and "Billing" would confuse people.
        match = (
            func.lower(attribute) == value.lower() if isinstance(value, str) else attribute == value
        )
        query = select(model.id).where(match)
        if obj.id is not None:
            query = query.where(model.id != obj.id)
        if db.session.scalar(query) is not None:
            raise AdminError(message, column)


def _flush_unique(obj) -> None:
    """Flush in a savepoint: a concurrent duplicate still becomes a form error, never a 500."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError as error:
        text = str(error.orig).lower()
        if "unique" not in text and "duplicate" not in text:
            raise  # not a clash with another row: a bug, not a form error
        for column, message in UNIQUE.get(type(obj), {}).items():
            if column in text:
                raise AdminError(message, column) from error
        raise AdminError("That clashes with an existing record.") from error


def _apply(obj, fields: dict) -> dict:
    """Set fields; return {field: [old, new]} for those that changed, for the audit trail."""
    changes = {}
    for name, value in fields.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [old, value]
            setattr(obj, name, value)
    return changes


def create(actor: User, model, **fields):
    """Create a function, tier, team or account after checking its unique columns."""
    obj = model()
    _check_unique(obj, fields)
    _apply(obj, fields)
    _flush_unique(obj)
    audit.record(actor, f"{model.__tablename__}.created", obj, **fields)
    db.session.flush()
    return obj


def update(actor: User, obj, **fields) -> dict:
    _check_unique(obj, fields)
    changes = _apply(obj, fields)
    if changes:
        _flush_unique(obj)
        audit.record(actor, f"{type(obj).__tablename__}.updated", obj, changes=changes)
        db.session.flush()
    return changes


# --- functions, tiers, teams ---------------------------------------------------------------


def create_function(actor: User, **fields) -> Function:
    return create(actor, Function, **fields)


# The form's bound: a tier pushed past it could not be saved again from its edit row.
MAX_TIER_RANK = 999


def create_tier(actor: User, **fields) -> Tier:
    """Add a tier; a rank already taken is an insertion: that tier and every tier ranked
    below it move down one, in this transaction. Service levels, accounts and schedules
    point at tiers by id, so they keep their tiers."""
    rank = fields.get("rank")
    # A savepoint: when the new tier is refused (its name is taken), the others move back.
    with db.session.begin_nested():
        moved = _make_room_at(rank) if rank is not None else []
        tier = create(actor, Tier, **fields)
        if moved:
            audit.record(actor, "tier.ranks_shifted", tier, from_rank=rank, moved=moved)
    return tier


def _make_room_at(rank: int) -> list[int]:
    """Free `rank` by adding one to it and every rank below; returns the ids moved.

    The unique constraint on rank is checked row by row (PostgreSQL and SQLite alike), so a
    single `rank = rank + 1` can collide with a row not yet moved. Going through negative
    ranks first never collides: ranks are positive, so -rank is free, and then each row
    lands on a rank the first statement vacated."""
    rows = db.session.execute(
        select(Tier.id, Tier.rank).where(Tier.rank >= rank).order_by(Tier.rank)
    ).all()
    if not rows or rows[0].rank != rank:
        return []  # the rank is free: nothing moves
    if rows[-1].rank >= MAX_TIER_RANK:
        raise AdminError(
            f"No room below rank {rank}: the last tier is already at {MAX_TIER_RANK}. "
            "Give it a smaller rank first.",
            "rank",
        )
    moving = Tier.rank >= rank
    # (The session's default synchronisation updates tiers already loaded, too.)
    db.session.execute(update_rows(Tier).where(moving).values(rank=-Tier.rank))
    db.session.execute(update_rows(Tier).where(Tier.rank < 0).values(rank=1 - Tier.rank))
    return [row.id for row in rows]


def create_team(actor: User, **fields) -> Team:
    return create(actor, Team, **_team_fields(fields))


def update_team(actor: User, team: Team, **fields) -> dict:
    return update(actor, team, **_team_fields(fields))


def _team_fields(fields: dict) -> dict:
    """A team's mail address is stored lowercased (servers and clients lowercase addresses,
    and the unique index then holds whatever the case) or None when blank; the rule the
    form shows is checked again here, for any other caller."""
    if "mail_address" not in fields:
        return fields
    address = (fields["mail_address"] or "").strip().lower() or None
    if address is not None and (problem := mail_threads.team_address_problem(address)):
        raise AdminError(problem, "mail_address")
    return {**fields, "mail_address": address}


# --- memberships ---------------------------------------------------------------------------


def _check_role(role: str) -> None:
    if role not in MEMBERSHIP_ROLES:
        raise AdminError("Choose member or coach.", "role")


def add_member(actor: User, team: Team, person: User, role: str) -> Membership:
    _check_role(role)
    if not person.is_staff:
        raise AdminError("Only staff can join a team.", "person")
    if not person.active:
        raise AdminError("Reactivate this person before adding them to a team.", "person")
    exists = db.session.scalar(
        select(Membership.id).where(Membership.team_id == team.id, Membership.user_id == person.id)
    )
    if exists is not None:
        raise AdminError(f"{person.name} is already in {team.name}.", "person")
    membership = Membership(team_id=team.id, user_id=person.id, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record(
        actor, "membership.added", membership, team_id=team.id, user_id=person.id, role=role
    )
    return membership


def change_role(actor: User, membership: Membership, role: str) -> None:
    _check_role(role)
    if membership.role != role:
        audit.record(actor, "membership.role_changed", membership, old=membership.role, new=role)
        membership.role = role
        db.session.flush()


def remove_member(actor: User, membership: Membership) -> None:
    audit.record(
        actor,
        "membership.removed",
        membership,
        team_id=membership.team_id,
        user_id=membership.user_id,
        role=membership.role,
    )
    db.session.delete(membership)
    db.session.flush()


# --- people --------------------------------------------------------------------------------


def update_person(actor: User, person: User, *, name: str, is_admin: bool) -> dict:
    if person.id == actor.id and not is_admin:
        raise AdminError("You cannot remove your own admin rights; ask another admin.", "is_admin")
    if is_admin and not person.is_staff:
        raise AdminError("Only staff can be admins.", "is_admin")
    changes = _apply(person, {"name": name, "is_admin": is_admin})
    if changes:
        audit.record(actor, "user.updated", person, changes=changes)
        db.session.flush()
    return changes


def deactivate_user(actor: User, person: User) -> None:
    """Sign them out everywhere and stop them signing in; keep every row they made."""
    if person.id == actor.id:
        raise AdminError("You cannot deactivate yourself; ask another admin.")
    if not person.active:
        return
    person.active = False
    person.deactivated_at = utcnow()
    revoke_sessions(person)
    audit.record(actor, "user.deactivated", person)
    db.session.flush()


def reactivate_user(actor: User, person: User) -> None:
    if person.active:
        return
    person.active = True
    person.deactivated_at = None
    audit.record(actor, "user.reactivated", person)
    db.session.flush()


# Skills: one service for the admin and the coach (portal/skills.py); here its refusals
# become the admin pages' errors.


def add_skill(actor: User, person: User, function: Function, level: int) -> Skill:
    try:
        return skills.add_skill(actor, person, function, level)
    except skills.SkillError as error:
        raise AdminError(str(error), error.field) from None


def change_skill_level(actor: User, skill: Skill, level: int) -> None:
    try:
        skills.change_skill_level(actor, skill, level)
    except skills.SkillError as error:
        raise AdminError(str(error), error.field) from None


def remove_skill(actor: User, skill: Skill) -> None:
    skills.remove_skill(actor, skill)


# --- accounts and contacts -----------------------------------------------------------------


def create_account(
    actor: User,
    *,
    name: str,
    team: Team,
    tier: Tier,
    shares_visibility: bool,
    timezone: str | None = None,
):
    return create(
        actor,
        Account,
        name=name,
        team_id=team.id,
        tier_id=tier.id,
        shares_visibility=shares_visibility,
        timezone=timezone,
    )


# What happens to an account's open requests when it moves to another team.
MOVE_REQUESTS, KEEP_REQUESTS = "move", "keep"


def update_account(
    actor: User,
    account: Account,
    *,
    name: str,
    team: Team,
    tier: Tier,
    shares_visibility: bool,
    timezone: str | None = None,
    open_requests: str = MOVE_REQUESTS,
) -> dict:
    """Save an account's details. A move to another team (`move_account`) and a new tier
    both change service clocks, which are recomputed here, in the same transaction."""
    if open_requests not in (MOVE_REQUESTS, KEEP_REQUESTS):
        raise AdminError("Choose what happens to its open requests.", "open_requests")
    old_team = db.session.get(Team, account.team_id)  # not `account.team`: it would go stale
    changes = update(
        actor,
        account,
        name=name,
        team_id=team.id,
        tier_id=tier.id,
        shares_visibility=shares_visibility,
        timezone=timezone,
    )
    moved = []
    if "tier_id" in changes:  # kept with the account's other tier changes
        account_tiers.record_change(
            actor, account, changes["tier_id"][0], "Set on the admin account page."
        )
    if "team_id" in changes:
        moved = move_account(actor, account, old_team, team, open_requests)
    if moved or "tier_id" in changes:
        # Service levels are per tier, business hours per team.
        recompute_open(Request.account_id == account.id)
    return changes


def move_account(
    actor: User, account: Account, old_team: Team, team: Team, open_requests: str
) -> list[Request]:
    """Hand the relationship to `team` (the account's team is already set): its contacts
    leave the old team's reference group, and its open requests move too unless the admin
    leaves them with the old team. Resolved and closed requests stay with the team that
    handled them: they are its record (its measures, goals and ratings count them).

    Returns the requests moved; the caller recomputes their service clocks."""
    left = end_account_memberships(actor, account, old_team.id)
    moved = _move_open_requests(actor, account, team) if open_requests == MOVE_REQUESTS else []
    db.session.flush()  # the moved requests' team, which decides which follow-ups move
    follow_ups.move_with_account(account, team)
    # Both teams' inboxes (and their caches) change now, whatever moved.
    activity.changed(db.session, old_team.id, team.id)
    audit.record(
        actor,
        "account.moved",
        account,
        from_team_id=old_team.id,
        to_team_id=team.id,
        open_requests=open_requests,
        requests_moved=[item.id for item in moved],
        reference_memberships_ended=left,
    )
    db.session.flush()
    return moved


def _move_open_requests(actor: User, account: Account, team: Team) -> list[Request]:
    """Give the account's open requests to `team`: an owner who is not an active member of
    it gives the request up, to whom routing picks (or to nobody: Unassigned). Handoffs stay
    as they are: their owners may be in any team."""
    items = db.session.scalars(
        select(Request)
        .where(
            Request.account_id == account.id,
            Request.team_id != team.id,
            Request.status.in_(OPEN_STATUSES),
        )
        .order_by(Request.id)
    ).all()
    members = set(
        db.session.scalars(
            select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.team_id == team.id, User.active.is_(True))
        )
    )
    now = utcnow()
    for item in items:
        old_name = db.session.get(Team, item.team_id).name
        record_event(
            item,
            actor,
            "moved",
            public=False,
            body=f"Moved from {old_name} to {team.name} with its account.",
            from_team_id=item.team_id,
            to_team_id=team.id,
        )
        item.team_id = team.id
        item.last_activity_at = now
        if item.assignee_id is not None and item.assignee_id not in members:
            # Flushed first, so routing counts the requests it just gave out as load.
            db.session.flush()
            choice = routing_choice(team, item.function)
            item.assignee_id = choice.user_id if choice else None
            item.routing_reason = choice.reason if choice else ""
            if choice is not None:
                record_event(
                    item,
                    None,
                    "assigned",
                    public=True,
                    assignee_id=choice.user_id,
                    reason=choice.reason,
                )
            else:
                record_event(item, actor, "unassigned", public=False)
    db.session.flush()
    return list(items)


def set_contact_visibility(actor: User, contact: Contact, sees_account_requests: bool) -> None:
    if contact.sees_account_requests != sees_account_requests:
        contact.sees_account_requests = sees_account_requests
        audit.record(
            actor, "contact.visibility", contact, sees_account_requests=sees_account_requests
        )
        db.session.flush()
