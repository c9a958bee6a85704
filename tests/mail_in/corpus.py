"""The reply corpus in `replies/`: a mail body as a client sends it, then what a person would
keep (`=== expected ===`), with any equally good alternative after `=== or ===` (a sign-off
such as "Viele Grüße / Jan" may stay or go)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPLIES = Path(__file__).with_name("replies")


@dataclass(frozen=True)
class ReplyCase:
    name: str
    body: str
    expected: tuple[str, ...]


def reply_cases() -> list[ReplyCase]:
    cases = []
    for path in sorted(REPLIES.glob("*.txt")):
        body, _, expected = path.read_text(encoding="utf-8").partition("=== expected ===\n")
        alternatives = tuple(normalised(text) for text in expected.split("=== or ===\n"))
        cases.append(ReplyCase(path.stem, body, alternatives))
    return cases


def normalised(text: str) -> str:
    """Trailing spaces and runs of blank lines do not change what a reader sees."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_right(cut: str, case: ReplyCase) -> bool:
    return normalised(cut) in case.expected
