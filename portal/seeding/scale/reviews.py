"""Reference groups, procedures with their versions, review rounds, stances and answers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ...extensions import db
from ...models import (
    Procedure,
    ProcedureVersion,
    ReferenceMembership,
    ReviewRound,
    Stance,
    StanceAnswer,
    StanceChange,
)
from .context import WORDS, Scale, accounts_by_team, insert_rows

GROUP_SIZE = 40  # current reference-group members per team at full size
PROCEDURES_PER_TEAM = 30
# What happens to each procedure, in turn (see `_procedure_plan`).
PROCEDURE_STORIES = (
    "adopted",
    "open",
    "adopted",
    "revised_then_adopted",
    "draft",
    "closed",
    "adopted",
    "withdrawn",
    "adopted_then_open",
    "adopted",
)
PROCEDURE_TITLES = (
    "Returns of damaged pallets",
    "Raising a credit limit",
    "Changing a delivery slot",
    "Booking an engineer visit",
    "Correcting an invoice",
    "Refunds for missing parts",
    "Customs paperwork for exports",
    "Urgent freezer repairs",
    "Following up a quote",
    "Lifting an account hold",
    "Returns collected by our driver",
    "Replacing a damaged label",
)
STANCE_REASONS = (
    "Two extra steps for us: can the {w} be checked by your side?",
    "We cannot wait a week for the {w}.",
    "The form asks for the {w} twice.",
    "Who do we call when the {w} is late?",
)
ANSWERS = (
    "Thank you: we now check the {w} ourselves, so that step is gone.",
    "We will confirm the {w} within one working day instead.",
    "Fair point; the form asks once now.",
)


def reference_groups(scale: Scale) -> None:
    """Each team's reference group: one contact per chosen account, account 1's first contact
    (the bench's) in its team's group, and a few who left (the group's history)."""
    rng, now = scale.rng, scale.now
    size = max(4, min(GROUP_SIZE, scale.accounts // scale.teams))
    rows = []
    for team_id, accounts in accounts_by_team(scale).items():
        chosen = rng.sample(accounts, min(size, len(accounts)))
        if team_id == scale.account_team[1] and 1 not in chosen:
            chosen[0] = 1
        group = []
        for account_id in chosen:
            user_id = scale.contacts_by_account[account_id][0]  # contact 1 is account 1's first
            rows.append(
                {
                    "team_id": team_id,
                    "user_id": user_id,
                    "account_id": account_id,
                    "joined_at": now - timedelta(days=rng.randrange(400, 720)),
                    "left_at": None,
                }
            )
            group.append((user_id, account_id, scale.account_tier[account_id]))
        for account_id in chosen[:3]:
            others = scale.contacts_by_account[account_id][1:]
            if others:
                joined = now - timedelta(days=rng.randrange(500, 720))
                rows.append(
                    {
                        "team_id": team_id,
                        "user_id": others[0],
                        "account_id": account_id,
                        "joined_at": joined,
                        "left_at": joined + timedelta(days=rng.randrange(30, 300)),
                    }
                )
        scale.groups[team_id] = group
    insert_rows(ReferenceMembership, rows)


@dataclass
class _Rows:
    """The procedure step's rows, with explicit ids so they can point at each other."""

    procedures: list[dict] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)
    stances: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)

    def version(self, procedure: dict, text: dict, moment: datetime) -> dict:
        number = sum(1 for v in self.versions if v["procedure_id"] == procedure["id"]) + 1
        row = {
            "id": len(self.versions) + 1,
            "procedure_id": procedure["id"],
            "number": number,
            "created_by_id": procedure["created_by_id"],
            "created_at": moment,
            **text,
        }
        self.versions.append(row)
        return row


def _procedure_text(rng: random.Random, title: str) -> dict:
    words = [rng.choice(WORDS) for _ in range(4)]
    return {
        "title": title,
        "summary": f"How we handle {title.lower()}, step by step.",
        "body": (
            f"1. Check the {words[0]} and the {words[1]} on the account.\n"
            f"2. Confirm the {words[2]} with the customer the same day.\n"
            f"3. Record the outcome and the {words[3]} on the request."
        ),
        "customer_change": f"One call instead of two; the {words[0]} is checked by us.",
    }


def _round(
    scale: Scale,
    rows: _Rows,
    procedure: dict,
    version: dict,
    opened: datetime,
    outcome: str,
) -> datetime:
    """One review round of `version` and its stances; returns when it was decided (or now).

    `outcome` is the round's status: open (closes in the future), closed (undecided), or a
    decision (adopted, revised, withdrawn) recorded with a statement on the reviewed version.
    """
    rng, now = scale.rng, scale.now
    coach = procedure["created_by_id"]
    if outcome == "open":
        closes = now + timedelta(days=rng.randrange(3, 14), hours=rng.randrange(0, 8))
        closed_at = decided = None
    else:
        closes = opened + timedelta(days=14)
        closed_at = closes
        decided = closes + timedelta(days=rng.randrange(1, 3)) if outcome != "closed" else None
    round_id = len(rows.rounds) + 1
    rows.rounds.append(
        {
            "id": round_id,
            "procedure_id": procedure["id"],
            "version_id": version["id"],
            "status": outcome,
            "opened_by_id": coach,
            "opened_at": opened,
            "closes_at": closes,
            "closed_at": closed_at,
            "closed_early": False,
            "quorum_min": rng.choice((0, 0, 5)),
            "quorum_each_tier": False,
            "reminded_at": None,
            "decision_statement": (
                f"Decision ({outcome}): thank you all; see how your comments were answered."
                if decided
                else ""
            ),
            "decided_version_id": version["id"] if decided else None,
            "decided_by_id": coach if decided else None,
            "decided_at": decided,
        }
    )
    last = min(closes, now)
    group = scale.groups[procedure["team_id"]]
    for user_id, account_id, tier_id in rng.sample(group, int(len(group) * rng.uniform(0.3, 0.8))):
        revisions = rng.choices((1, 2, 3), (80, 15, 5))[0]
        moment = opened + (last - opened) * rng.uniform(0.05, 0.5)
        stance_id = len(rows.stances) + 1
        for revision in range(1, revisions + 1):
            kind = rng.choices(("support", "concern", "object"), (6, 3, 1))[0]
            reason = ""
            if kind != "support" or rng.random() < 0.3:
                reason = rng.choice(STANCE_REASONS).format(w=rng.choice(WORDS))
            rows.changes.append(
                {
                    "stance_id": stance_id,
                    "revision": revision,
                    "kind": kind,
                    "reason": reason,
                    "created_at": moment,
                }
            )
            if revision < revisions:
                moment += (last - moment) * rng.uniform(0.1, 0.5)
        first = rows.changes[-revisions]["created_at"]
        rows.stances.append(
            {
                "id": stance_id,
                "round_id": round_id,
                "user_id": user_id,
                "account_id": account_id,
                "tier_id": tier_id,
                "kind": kind,
                "reason": reason,
                "revision": revisions,
                "created_at": first,
                "updated_at": moment,
            }
        )
        if kind == "support":
            continue
        # Adoption needs every objection answered (at the latest revision); elsewhere some
        # comments wait, and a few answers are to a reason changed since.
        must = outcome == "adopted" and kind == "object"
        if not must and rng.random() >= (0.85 if outcome == "adopted" else 0.5):
            continue
        answered_revision = revisions
        if not must and outcome in ("open", "closed") and revisions > 1 and rng.random() < 0.4:
            answered_revision = revisions - 1
        rows.answers.append(
            {
                "stance_id": stance_id,
                "body": rng.choice(ANSWERS).format(w=rng.choice(WORDS)),
                "stance_revision": answered_revision,
                "change_number": None,
                "answered_by_id": coach,
                "answered_at": min(now, moment + timedelta(hours=rng.randrange(1, 30))),
            }
        )
    return decided or now


def _procedure_plan(story: str) -> list[str]:
    """The rounds a story goes through, oldest first."""
    return {
        "draft": [],
        "adopted": ["adopted"],
        "revised_then_adopted": ["revised", "adopted"],
        "open": ["open"],
        "adopted_then_open": ["adopted", "open"],
        "closed": ["closed"],
        "withdrawn": ["withdrawn"],
    }[story]


def procedures_and_rounds(scale: Scale) -> None:
    """Procedures in every state with their versions, review rounds, stances (with their
    history) and answers; some teams' procedures are copies of another team's (lineage).

    As the services make them: a round reviews the latest version, which is then frozen (a
    later edit or a revision makes the next version); a decision names the reviewed version;
    adoption moves `adopted_version_id` and needs every objection answered.
    """
    rng, now = scale.rng, scale.now
    per_team = max(len(PROCEDURE_STORIES), min(PROCEDURES_PER_TEAM, scale.requests // 2000))
    rows = _Rows()
    adopted_by_team: dict[int, list[dict]] = {}
    for team_id in scale.team_ids:
        coach = scale.members_by_team[team_id][0]
        copied: set[int] = set()
        for index in range(per_team):
            story = PROCEDURE_STORIES[index % len(PROCEDURE_STORIES)]
            created = now - timedelta(days=rng.randrange(120, 360))
            title = PROCEDURE_TITLES[(index + team_id) % len(PROCEDURE_TITLES)]
            text = _procedure_text(rng, title)
            source = None
            sources = [
                p
                for other, adopted in adopted_by_team.items()
                if other != team_id
                for p in adopted
                if p["id"] not in copied
            ]
            if index % 4 == 2 and sources:  # lineage: a copy of another team's procedure
                source = rng.choice(sources)
                copied.add(source["id"])
                text = dict(rows.versions[source["adopted_version_id"] - 1])
                text = {k: text[k] for k in ("title", "summary", "body", "customer_change")}
                created = max(created, source["adopted_at"] + timedelta(days=1))
            procedure = {
                "id": len(rows.procedures) + 1,
                "team_id": team_id,
                "function_id": rng.choice(scale.function_ids),
                "status": "draft",
                "adopted_from_id": source["id"] if source else None,
                "adopted_version_id": None,
                "adopted_at": None,
                "created_by_id": coach,
                "created_at": created,
            }
            rows.procedures.append(procedure)
            version = rows.version(procedure, text, created)
            moment = created
            for outcome in _procedure_plan(story):
                if outcome == "open":
                    opened = now - timedelta(days=rng.randrange(1, 10))
                elif outcome == "closed":
                    opened = now - timedelta(days=20)
                else:
                    opened = moment + timedelta(days=3)
                moment = _round(scale, rows, procedure, version, opened, outcome)
                if outcome in ("open", "closed"):
                    procedure["status"] = "in_review"
                elif outcome == "withdrawn":
                    procedure["status"] = "withdrawn"
                elif outcome == "revised":
                    procedure["status"] = "draft"
                    text = dict(text, body=text["body"] + "\n4. Tell the customer the next step.")
                    version = rows.version(procedure, text, moment)
                else:  # adopted
                    procedure["status"] = "adopted"
                    procedure["adopted_version_id"] = version["id"]
                    procedure["adopted_at"] = moment
                    if story == "adopted_then_open":  # edited after adoption: a new version
                        text = dict(text, summary=text["summary"] + " Now with photos.")
                        version = rows.version(procedure, text, moment + timedelta(days=1))
            procedure["updated_at"] = moment
            if procedure["adopted_version_id"] and procedure["status"] != "withdrawn":
                adopted_by_team.setdefault(team_id, []).append(procedure)
    # The mutual foreign keys: procedures first without their adopted version, then the
    # versions, then the adopted version set.
    adopted = {p["id"]: p["adopted_version_id"] for p in rows.procedures if p["adopted_version_id"]}
    insert_rows(Procedure, [p | {"adopted_version_id": None} for p in rows.procedures])
    insert_rows(ProcedureVersion, rows.versions)
    table = Procedure.__table__
    for procedure_id, version_id in adopted.items():
        db.session.execute(
            table.update().where(table.c.id == procedure_id).values(adopted_version_id=version_id)
        )
    insert_rows(ReviewRound, rows.rounds)
    insert_rows(Stance, rows.stances)
    insert_rows(StanceChange, rows.changes)
    insert_rows(StanceAnswer, rows.answers)
