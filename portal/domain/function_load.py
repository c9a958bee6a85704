"""Load by function over time, to see batching: how many handoffs reached each function and
how many it finished, day by day, how long finished ones waited, and the days when work was
finished in a clump (credit clearing a week's orders at once) rather than as it came."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

# A day counts as a clump when it finishes at least this many, and at least this many
# times the function's average over the days it finished anything.
CLUMP_MIN = 3
CLUMP_FACTOR = 2.0


@dataclass(frozen=True)
class Piece:
    function: str
    arrived: datetime
    finished: datetime | None  # done (a cancelled one is left out by the caller)
    started: datetime | None = None  # when its clock began (after what it waited for)
    waiting: bool = False  # still waiting for another handoff: not yet the function's work


@dataclass
class FunctionLoad:
    function: str
    arrived: list[int]  # per day, oldest first
    finished: list[int]
    open_now: int = 0
    waiting: int = 0  # handed on, but waiting for another function first
    median_hours: float | None = None  # from start to done, of those done in the window
    clumps: list[int] = field(default_factory=list)  # indexes of clump days

    @property
    def total_arrived(self) -> int:
        return sum(self.arrived)

    @property
    def total_finished(self) -> int:
        return sum(self.finished)


def clump_days(finished: Sequence[int]) -> list[int]:
    busy = [n for n in finished if n]
    if not busy:
        return []
    average = sum(busy) / len(busy)
    return [
        i
        for i, n in enumerate(finished)
        if n >= CLUMP_MIN and n >= CLUMP_FACTOR * average and len(busy) > 1
    ]


def load_by_function(
    pieces: Iterable[Piece], days: Sequence[date], functions: Sequence[str], day_of
) -> list[FunctionLoad]:
    """`day_of(moment)`: the team's calendar day of a moment (its time zone)."""
    index = {day: i for i, day in enumerate(days)}
    loads = {name: FunctionLoad(name, [0] * len(days), [0] * len(days)) for name in functions}
    waits: dict[str, list[float]] = {name: [] for name in functions}
    for piece in pieces:
        load = loads.get(piece.function)
        if load is None:
            continue
        if piece.waiting:
            load.waiting += 1
            continue
        # Work reaches a function when it can start: a handoff that waited arrives then.
        if (i := index.get(day_of(piece.started or piece.arrived))) is not None:
            load.arrived[i] += 1
        if piece.finished is None:
            load.open_now += 1
            continue
        if (i := index.get(day_of(piece.finished))) is not None:
            load.finished[i] += 1
            start = piece.started or piece.arrived
            waits[piece.function].append((piece.finished - start).total_seconds() / 3600)
    for name, load in loads.items():
        load.median_hours = median(waits[name]) if waits[name] else None
        load.clumps = clump_days(load.finished)
    return list(loads.values())
