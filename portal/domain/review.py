"""Review rounds as pure rules: tallies, quorum, state transitions, what may be adopted,
when to remind, and readable differences between two versions.

No Flask, no database: the services hand in plain values and act on the answers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SUPPORT, CONCERN, OBJECT = "support", "concern", "object"
KINDS = (SUPPORT, CONCERN, OBJECT)

# Round states and the moves between them.
OPEN, CLOSED, ADOPTED, REVISED, WITHDRAWN = "open", "closed", "adopted", "revised", "withdrawn"
DECISIONS = (ADOPTED, REVISED, WITHDRAWN)
_ROUND_MOVES = {
    OPEN: {"close": CLOSED},
    CLOSED: {ADOPTED: ADOPTED, REVISED: REVISED, WITHDRAWN: WITHDRAWN},
}

# Procedure states.
DRAFT, IN_REVIEW = "draft", "in_review"
_PROCEDURE_MOVES = {
    DRAFT: {"open_round": IN_REVIEW, WITHDRAWN: WITHDRAWN},
    ADOPTED: {"open_round": IN_REVIEW, WITHDRAWN: WITHDRAWN},
    IN_REVIEW: {ADOPTED: ADOPTED, REVISED: DRAFT, WITHDRAWN: WITHDRAWN},
    WITHDRAWN: {},
}


class ReviewError(ValueError):
    """A rule says no; the message is written for the person who tried."""


def round_after(status: str, action: str) -> str:
    try:
        return _ROUND_MOVES[status][action]
    except KeyError:
        raise ReviewError(_refusal(status, action)) from None


def procedure_after(status: str, action: str) -> str:
    try:
        return _PROCEDURE_MOVES[status][action]
    except KeyError:
        raise ReviewError(_refusal(status, action)) from None


def _refusal(status: str, action: str) -> str:
    if status == WITHDRAWN:
        return "This procedure is withdrawn: nothing more can happen to it."
    if status == OPEN and action in DECISIONS:
        return "The round is still open: close it before recording a decision."
    if status in DECISIONS:
        return "This round already has its decision."
    if status == IN_REVIEW and action == "open_round":
        return "A round is already under way for this procedure."
    if status == CLOSED and action == "close":
        return "This round is already closed."
    return f"That cannot be done now (it is {status.replace('_', ' ')})."


# --- stances -------------------------------------------------------------------------------


def check_stance(kind: str, reason: str) -> str:
    """The reason to store; refuses an unknown kind or a concern/objection without reason."""
    if kind not in KINDS:
        raise ReviewError("Choose support, concern or object.")
    reason = (reason or "").strip()
    if kind in (CONCERN, OBJECT) and not reason:
        word = "concern" if kind == CONCERN else "objection"
        raise ReviewError(f"Tell the team the reason for your {word}: it has to answer it.")
    return reason


def may_take_stance(round_status: str, closes_at: datetime, now: datetime) -> bool:
    return round_status == OPEN and now < closes_at


def early_by(closes_at: datetime, now: datetime) -> str:
    """How long before its deadline a round would close now, in words ("3 days and 4
    hours", "about 5 weeks": as precise as a person would say it); empty once the deadline
    has passed."""
    left = closes_at - now
    if left <= timedelta(0):
        return ""
    days, hours, minutes = left.days, left.seconds // 3600, left.seconds % 3600 // 60
    if days >= 730:
        return f"more than {_count(days // 365, 'year')}"
    if days >= 60:
        return f"about {_count(round(days / 30.44), 'month')}"
    if days >= 14:
        return f"about {_count(round(days / 7), 'week')}"
    if days:
        parts = [_count(days, "day")] + ([_count(hours, "hour")] if hours else [])
    elif hours:
        parts = [_count(hours, "hour")] + ([_count(minutes, "minute")] if minutes else [])
    elif minutes:
        parts = [_count(minutes, "minute")]
    else:
        parts = ["less than a minute"]
    return " and ".join(parts)


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


# --- tallies and quorum ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    rank: int
    name: str


@dataclass
class Counts:
    support: int = 0
    concern: int = 0
    object: int = 0

    @property
    def total(self) -> int:
        return self.support + self.concern + self.object

    def add(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)


@dataclass
class Tally:
    overall: Counts
    # Most important tier first. Counts only: one member, one stance, whatever their tier.
    by_tier: list[tuple[Tier, Counts]] = field(default_factory=list)


def tally(stances: Iterable[tuple[str, Tier]]) -> Tally:
    """Count each member's latest stance, overall and by tier; never weighted."""
    overall = Counts()
    tiers: dict[Tier, Counts] = {}
    for kind, tier in stances:
        if kind not in KINDS:
            raise ValueError(f"unknown stance {kind!r}")
        overall.add(kind)
        tiers.setdefault(tier, Counts()).add(kind)
    return Tally(overall, sorted(tiers.items(), key=lambda item: item[0].rank))


@dataclass(frozen=True)
class Quorum:
    met: bool
    stances: int
    needed: int
    each_tier: bool
    missing_tiers: tuple[Tier, ...]

    def describe(self) -> str:
        if not self.needed and not self.each_tier:
            return "No quorum was set."
        parts = []
        if self.needed:
            parts.append(f"{self.stances} of at least {self.needed} stances")
        if self.each_tier:
            if self.missing_tiers:
                names = ", ".join(t.name for t in self.missing_tiers)
                parts.append(f"no stance yet from {names}")
            else:
                parts.append("a stance from every tier in the group")
        return ("Quorum met: " if self.met else "Quorum not met: ") + "; ".join(parts) + "."


def quorum(
    stance_tiers: Iterable[Tier],
    member_tiers: Iterable[Tier],
    *,
    min_stances: int = 0,
    each_tier: bool = False,
) -> Quorum:
    """Enough stances, and (optionally) one from each tier present among the members."""
    stance_tiers = list(stance_tiers)
    missing: tuple[Tier, ...] = ()
    if each_tier:
        heard = set(stance_tiers)
        missing = tuple(sorted(set(member_tiers) - heard, key=lambda t: t.rank))
    met = len(stance_tiers) >= min_stances and not missing
    return Quorum(met, len(stance_tiers), min_stances, each_tier, missing)


# --- adopting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    """A concern or objection of the closing round, as far as adoption cares."""

    kind: str
    answered: bool


def adoption_blockers(round_status: str, comments: Iterable[Comment]) -> list[str]:
    """Why the procedure may not be adopted now (empty: it may)."""
    if round_status == OPEN:
        return ["The round is still open: close it first."]
    if round_status != CLOSED:
        return ["This round already has its decision."]
    unanswered = sum(1 for c in comments if c.kind == OBJECT and not c.answered)
    if unanswered:
        noun = "objection has" if unanswered == 1 else "objections have"
        return [f"{unanswered} {noun} no answer yet: answer every objection before adopting."]
    return []


# --- reminders ---------------------------------------------------------------------------------

REMINDER_LEAD = timedelta(hours=24)


def reminder_due(
    opened_at: datetime, closes_at: datetime, now: datetime, reminded_at: datetime | None
) -> bool:
    """One reminder, a day before the deadline (halfway through for rounds under two days)."""
    if reminded_at is not None or now >= closes_at:
        return False
    lead = min(REMINDER_LEAD, (closes_at - opened_at) / 2)
    return now >= closes_at - lead


# --- differences between versions ------------------------------------------------------------

SECTIONS = (
    ("title", "Title"),
    ("summary", "Summary"),
    ("customer_change", "What it changes for you"),
    ("body", "The procedure"),
)
_WORDS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class Change:
    number: int
    section: str
    before: str
    after: str
    # (op, text) with op in "equal", "delete", "insert": the words that moved.
    words: tuple[tuple[str, str], ...]

    @property
    def kind(self) -> str:
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        return "changed"


def word_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    parts: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("equal", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("delete", "".join(old[i1:i2])))
        if j2 > j1:
            parts.append(("insert", "".join(new[j1:j2])))
    return tuple(parts)


def compare(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """The changes from `old` to `new`, section by section, numbered from 1: a run of changed
    lines is one change, shown word by word."""
    changes: list[Change] = []
    for key, label in SECTIONS:
        a = (old.get(key) or "").splitlines()
        b = (new.get(key) or "").splitlines()
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            before, after = "\n".join(a[i1:i2]), "\n".join(b[j1:j2])
            changes.append(Change(len(changes) + 1, label, before, after, word_diff(before, after)))
    return changes


def excerpt(change: Change, length: int = 80) -> str:
    """A one-line description of a change, for a choice list or a mail."""
    text = " ".join((change.after or change.before).split())
    text = text if len(text) <= length else text[: length - 1].rstrip() + "…"
    return f"{change.section}: {change.kind} “{text}”"
