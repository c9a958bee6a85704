"""The order of a request's handoffs, for the customer's one progress line: a handoff that
waits for another follows it ("Credit: done → Delivery: in progress"); independent ones
stand side by side ("Credit: in progress · Service: done"). A cancelled handoff is left out,
and one that waited for it stands on its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DONE, CANCELLED = "done", "cancelled"


@dataclass(frozen=True)
class Piece:
    id: int
    function: str
    status: str  # open, done or cancelled
    waits_for_id: int | None
    started: bool


def state(piece: Piece) -> str:
    if piece.status == DONE:
        return "done"
    return "in progress" if piece.started else "waiting"


def chains(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """Each chain from a piece that waits for nothing (shown), through what waits for it."""
    shown = {p.id: p for p in pieces if p.status != CANCELLED}
    after: dict[int, list[Piece]] = {}
    roots = []
    for piece in sorted(shown.values(), key=lambda p: p.id):
        if piece.waits_for_id in shown:
            after.setdefault(piece.waits_for_id, []).append(piece)
        else:
            roots.append(piece)
    result = []
    for root in roots:
        chain, todo = [], [root]
        while todo:
            piece = todo.pop(0)
            chain.append(piece)
            todo[:0] = after.get(piece.id, [])
        result.append(chain)
    return result


def progress(pieces: Sequence[Piece]) -> str:
    return " · ".join(
        " → ".join(f"{p.function}: {state(p)}" for p in chain) for chain in chains(pieces)
    )
