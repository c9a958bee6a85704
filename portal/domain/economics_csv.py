"""Reading accounts' economics from a CSV file, row by row, with an error in words for each
bad cell, so a preview can show the whole file and nothing is saved until every row is good.

Columns (a header row names them, in any order; `account` and one figure at least):
account, yearly_revenue, gross_margin, order_volume, customer_since, renewal_on. An empty
cell leaves that figure as it is. Numbers may carry thousands separators; a margin may end
in %; dates are YYYY-MM-DD. Accounts are matched by name, ignoring case and spaces around."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

COLUMNS = ("yearly_revenue", "gross_margin", "order_volume", "customer_since", "renewal_on")
MAX_ROWS = 2000
MAX_MONEY = 10**15  # whole units: more than any account's yearly revenue
# A file is sent back with its preview's "save" as a form field, and Flask reads at most
# 500,000 bytes of form fields (MAX_FORM_MEMORY_SIZE): stay under it.
MAX_BYTES = 400_000


@dataclass
class Row:
    line: int  # in the file, counting the header as 1
    account: str
    account_id: int | None = None
    figures: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    changes: dict = field(default_factory=dict)  # name: (now, then), filled by the caller


@dataclass
class Parsed:
    rows: list[Row]
    problems: list[str]  # about the file as a whole

    @property
    def ok(self) -> bool:
        return not self.problems and all(not row.errors for row in self.rows)


def _whole(text: str, label: str, top: int) -> int:
    digits = text.replace(",", "").replace("_", "").replace(" ", "")
    if not digits.isdigit():
        raise ValueError(f"{label}: “{text}” is not a whole number")
    value = int(digits)
    if value > top:
        raise ValueError(f"{label}: {text} is too large")
    return value


def _margin(text: str, _label: str, _top: int) -> float:
    try:
        value = float(text.removesuffix("%").strip())
    except ValueError:
        raise ValueError(f"gross margin: “{text}” is not a percentage") from None
    if not -100 <= value <= 100:
        raise ValueError(f"gross margin: {text} is not between -100 and 100")
    return value


def _day(text: str, label: str, _top: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{label}: “{text}” is not a date like 2019-03-01") from None


READERS = {
    "yearly_revenue": (_whole, "yearly revenue", MAX_MONEY),
    "gross_margin": (_margin, "gross margin", 0),
    "order_volume": (_whole, "orders a year", 10**9),
    "customer_since": (_day, "customer since", 0),
    "renewal_on": (_day, "renewal date", 0),
}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def parse(text: str, accounts: dict[str, int], today: date) -> Parsed:
    """`accounts`: the team's account names to their ids; another team's are unknown."""
    try:
        return _parse(text, accounts, today)
    except csv.Error as error:  # a NUL byte, an unclosed quote at the end…
        return Parsed([], [f"This is not a CSV file Onestop can read ({error})."])


AMBIGUOUS = 0  # an account key two of the team's accounts share (names differ in case)


def _parse(text: str, accounts: dict[str, int], today: date) -> Parsed:
    known: dict[str, int] = {}
    for name, account_id in accounts.items():
        known[_key(name)] = AMBIGUOUS if _key(name) in known else account_id
    records = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [_key(h).replace(" ", "_") for h in next(records, [])]
    if "account" not in header or not set(header) & set(COLUMNS):
        columns = ", ".join(COLUMNS)
        return Parsed([], [f"The first row must name the columns: account, and some of {columns}."])
    problems = []
    if unknown := sorted(set(header) - {"account", *COLUMNS, ""}):
        problems.append(f"Unknown columns: {', '.join(unknown)}.")
    if twice := sorted({h for h in header if h and header.count(h) > 1}):
        problems.append(f"Columns named twice: {', '.join(twice)}.")
    rows: list[Row] = []
    seen: dict[int, int] = {}
    line = 2
    for record in records:
        number, line = line, records.line_num + 1  # a quoted cell may span lines
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) == MAX_ROWS:
            problems.append(f"At most {MAX_ROWS:,} rows at a time: split the file.")
            break
        cells = {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)}
        row = _row(number, cells, known, seen, today)
        if any(cell.strip() for cell in record[len(header) :]):
            # "1,200,000" unquoted is three cells: never take the first for the number.
            row.errors.append(
                'more cells than columns: quote numbers with commas, like "1,200,000"'
            )
        rows.append(row)
    if not rows and not problems:
        problems.append("The file has a header but no rows.")
    return Parsed(rows, problems)


def _row(number: int, cells: dict, known: dict, seen: dict, today: date) -> Row:
    row = Row(number, cells.get("account", ""))
    row.account_id = known.get(_key(row.account))
    if row.account_id == AMBIGUOUS:
        row.account_id = None
        row.errors.append(f"two accounts are called “{row.account}”: rename one first")
    elif not row.account:
        row.errors.append("no account name")
    elif row.account_id is None:
        row.errors.append(f"no account “{row.account}” in this team")
    elif row.account_id in seen:
        row.errors.append(f"the same account as line {seen[row.account_id]}")
    else:
        seen[row.account_id] = number
    for name in COLUMNS:
        if value := cells.get(name, ""):
            read, label, top = READERS[name]
            try:
                row.figures[name] = read(value, label, top)
            except ValueError as error:
                row.errors.append(str(error))
    since = row.figures.get("customer_since")
    if since is not None and since > today:
        row.errors.append(f"customer since: {since.isoformat()} is in the future")
    return row
