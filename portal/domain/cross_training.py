"""The rules of a team's cross-training plan: which functions hang on one person (or on
no one), when a learning entry may be written, when it is reached and when it is overdue.
Pure functions, no Flask: portal/insights/cross_training.py reads the rows and calls these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

LEVELS = (1, 2, 3)
# Capable (2) or Expert (3): someone who can cover the function on their own.
COVERS = 2

LEARNING, REACHED, DROPPED = "learning", "reached", "dropped"

NOBODY, ONE_PERSON, COVERED = "nobody", "one person only", "covered"


class CrossTrainingError(ValueError):
    """Input the rules refuse; the message is for the coach, `field` the input it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Coverage:
    function_id: int
    holders: tuple[int, ...]  # member ids at level COVERS or above, in the order given

    @property
    def state(self) -> str:
        if not self.holders:
            return NOBODY
        return ONE_PERSON if len(self.holders) == 1 else COVERED

    @property
    def single_point(self) -> bool:
        """One person only, or no one: the team stalls when that person is away."""
        return len(self.holders) <= 1


def coverage(
    function_ids: Iterable[int], member_ids: Iterable[int], levels: Mapping[tuple[int, int], int]
) -> list[Coverage]:
    """For each function, the members who hold it at Capable or above. `levels` maps
    (member id, function id) to a level; members not in `member_ids` do not count (someone
    of another team covers nothing here)."""
    members = list(member_ids)
    return [
        Coverage(f, tuple(m for m in members if levels.get((m, f), 0) >= COVERS))
        for f in function_ids
    ]


def single_points(
    function_ids: Iterable[int], member_ids: Iterable[int], levels: Mapping[tuple[int, int], int]
) -> list[int]:
    """The functions only one member (or none) holds at Capable or above."""
    return [c.function_id for c in coverage(function_ids, member_ids, levels) if c.single_point]


def check_level(level: object) -> int:
    """A skill level: a whole number from 1 to 3."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise CrossTrainingError("Choose a level from 1 to 3.", "level")
    return level


def check_learning(
    current_level: int | None, target_level: object, target_on: date | None, today: date
) -> int:
    """A new learning entry: a target level above where the member is now, by a date from
    today on. Returns the target level."""
    try:
        target = check_level(target_level)
    except CrossTrainingError as error:
        raise CrossTrainingError(str(error), "target_level") from None
    if current_level is not None and current_level >= target:
        raise CrossTrainingError(
            f"They are already at level {current_level}: choose a higher target.", "target_level"
        )
    if target_on is None:
        raise CrossTrainingError("Choose a target date.", "target_on")
    if target_on < today:
        raise CrossTrainingError("Choose a target date from today on.", "target_on")
    return target


def is_reached(level: int | None, target_level: int) -> bool:
    return level is not None and level >= target_level


def status_after(status: str, level: int | None, target_level: int) -> str:
    """A learning entry's status once the member's skill is `level`: a learning entry is
    reached when the skill gets to the target; reached and dropped entries stay as they are
    (a skill lowered later does not undo what was reached)."""
    if status == LEARNING and is_reached(level, target_level):
        return REACHED
    return status


def is_overdue(status: str, target_on: date, today: date) -> bool:
    return status == LEARNING and target_on < today
