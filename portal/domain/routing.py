"""Routing by skill, not title: who should take a new request in a function."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    skill_level: int  # 0 when the person has no skill in the request's function
    open_load: int  # requests assigned to them whose service clock is running
    away: bool = False


@dataclass(frozen=True)
class Choice:
    user_id: int
    reason: str
    name: str  # the person's, for the customer's receipt


def choose_assignee(candidates: list[Candidate], function_name: str) -> Choice | None:
    """The available member with a skill in the function: the higher level first, then the
    lighter open load, then the name (so a tie is settled the same way every time).

    None when nobody available has the skill: the request waits, unassigned, for a claim.
    """
    able = [c for c in candidates if not c.away and c.skill_level > 0]
    if not able:
        return None
    best = min(able, key=lambda c: (-c.skill_level, c.open_load, c.name, c.user_id))
    return Choice(
        best.user_id,
        f"{function_name} level {best.skill_level}, {best.open_load} open",
        best.name,
    )
