"""Requests and their timelines: replies, notes, handoffs, clock pauses and ratings, with
service clocks from the app's own code."""

from __future__ import annotations

import random
from datetime import timedelta

from ...models import ClockPause, Entry, Handoff, Rating, Request
from ...requests import clock
from ...richtext import render_html
from .context import CHUNK, LONG_REQUEST_ENTRIES, WORDS, Scale, insert_rows

URGENCY_WEIGHTS = (("low", 2), ("normal", 5), ("high", 2), ("critical", 1))
SUBJECTS = (
    "Invoice {n} shows the wrong price",
    "Pallet {n} arrived damaged",
    "Raise our credit limit for order {n}",
    "Unit {n} makes a grinding noise",
    "Quote for {n} extra crates",
    "Payment {n} shows as unpaid",
    "Driver could not find dock {n}",
    "Split delivery {n} in two",
    "Annual maintenance visit for site {n}",
    "Account on hold since order {n}?",
)
REPLIES = (
    "Thanks for letting us know. I am looking into it now.",
    "I have checked the {w} and will come back to you today.",
    "Could you send us a photo of the {w}?",
    "Here it is; the {w} is attached to our records now.",
    "We have arranged a new {w} for Thursday morning.",
    "That works for us, thank you.",
    "The corrected {w} is on its way.",
)
NOTES = (
    "Checked the account history: nothing similar in the last year.",
    "Asked the warehouse about the {w}.",
    "Customer prefers calls before noon.",
)


def _status_for(rng: random.Random, age: timedelta) -> str:
    """Recent requests are mostly still open; older ones mostly done, with a small backlog."""
    if age < timedelta(days=3):
        weights = (30, 45, 15, 10, 0)
    elif age < timedelta(days=21):
        weights = (5, 35, 15, 40, 5)
    elif age < timedelta(days=90):
        weights = (0.3, 2, 1, 30, 67)
    else:
        weights = (0, 0, 0, 5, 95)
    return rng.choices(("new", "open", "waiting_on_customer", "resolved", "closed"), weights)[0]


def requests_and_timelines(scale: Scale) -> None:
    """Requests in every status, their entries (about 5 each), pauses, handoffs and ratings.

    Requests are created over two years, oldest first, so a higher id is a newer request.
    Contact 1's first request is the long one the bench opens (`LONG_REQUEST_ENTRIES`).
    """
    rng, now = scale.rng, scale.now
    span = timedelta(days=730)
    # Ages spread over two years, denser recently; sorted so ids follow creation time.
    ages = sorted(
        (
            min(span, timedelta(seconds=rng.expovariate(1 / (span.total_seconds() / 3))))
            for _ in range(scale.requests)
        ),
        reverse=True,
    )
    urgencies, urgency_weights = zip(*URGENCY_WEIGHTS, strict=True)
    # Contact 1's long request: a few days old, still open.
    long_request = max(1, scale.requests - max(1, scale.requests // 1000))
    scale.long_request = long_request
    requests, entries, pauses, handoffs, ratings = [], [], [], [], []
    entry_id = 0

    def add_entry(request_id, author_id, kind, moment, public=True, body="", event=None, data=None):
        nonlocal entry_id
        entry_id += 1
        entries.append(
            {
                "id": entry_id,
                "request_id": request_id,
                "author_id": author_id,
                "kind": kind,
                "public": public,
                "body": body,
                # Written around the ORM, so rendered here as its hook would (the bodies
                # repeat, and the renderer caches them).
                "body_html": render_html(body),
                "event": event,
                "data": data or {},
                "created_at": moment,
            }
        )

    for request_id, age in enumerate(ages, start=1):
        created = now - age - timedelta(minutes=5)
        account_id = 1 if request_id == long_request else rng.randrange(1, scale.accounts + 1)
        requester = rng.choice(scale.contacts_by_account[account_id])
        team_id = scale.account_team[account_id]
        status = _status_for(rng, age)
        if request_id == long_request:
            requester, status = scale.contacts_by_account[1][0], "open"
        urgency = rng.choices(urgencies, urgency_weights)[0]
        members = scale.members_by_team[team_id]
        assignee = None if status == "new" and rng.random() < 0.7 else rng.choice(members)
        first_response_at = None
        if status != "new" and assignee:
            first_response_at = min(now, created + timedelta(minutes=rng.randrange(5, 600)))
        resolved_at = closed_at = None
        if status in ("resolved", "closed"):
            resolved_at = min(now, created + timedelta(hours=rng.randrange(1, 24 * 12)))
            if first_response_at is None or first_response_at > resolved_at:
                first_response_at = resolved_at
            if status == "closed":
                closed_at = min(now, resolved_at + timedelta(days=rng.randrange(1, 15)))
        word = rng.choice(WORDS)
        subject = rng.choice(SUBJECTS).format(n=rng.randrange(100, 9999))
        row = {
            "id": request_id,
            "account_id": account_id,
            "requester_id": requester,
            "team_id": team_id,
            "function_id": None if rng.random() < 0.1 else rng.choice(scale.function_ids),
            "subject": subject,
            "description": f"{subject}. Please check the {word} and {rng.choice(WORDS)}.",
            "urgency": urgency,
            "expected_by": None,
            "expected_outcome": "",
            "status": status,
            "assignee_id": assignee,
            "routing_reason": "",
            "chase_count": rng.choice((0, 0, 0, 0, 1, 2)),
            "idempotency_key": f"{rng.getrandbits(128):032x}",
            "version": 1,
            "created_at": created,
            "first_response_at": first_response_at,
            # Nothing pauses before the first reply here (a pause starts after the last
            # entry), so the business minutes are the calendar's alone.
            "first_response_minutes": None
            if first_response_at is None
            else clock.business_minutes(scale.calendars[team_id], created, first_response_at, []),
            "resolved_at": resolved_at,
            "closed_at": closed_at,
            "merged_into_id": None,
        }
        # The timeline: raised, assigned, answers back and forth, then resolution.
        add_entry(request_id, requester, "event", created, event="raised")
        if assignee:
            add_entry(
                request_id,
                None,
                "event",
                created,
                event="assigned",
                data={"assignee_id": assignee, "reason": "skill and load"},
            )
        last = created
        if first_response_at:
            add_entry(request_id, assignee, "reply", first_response_at, body=REPLIES[0])
            last = first_response_at
            end = resolved_at or now
            extra = (
                LONG_REQUEST_ENTRIES - 3
                if request_id == long_request
                else rng.choice((0, 0, 0, 1, 1, 2))
            )
            for n in range(extra):
                last = min(end, last + (end - last) / (extra - n + 1))
                if n % 3 == 2:
                    add_entry(
                        request_id,
                        assignee,
                        "note",
                        last,
                        public=False,
                        body=rng.choice(NOTES).format(w=rng.choice(WORDS)),
                    )
                else:
                    author = requester if n % 2 == 0 else assignee
                    body = rng.choice(REPLIES).format(w=rng.choice(WORDS))
                    add_entry(request_id, author, "reply", last, body=body)
        if resolved_at:
            add_entry(
                request_id,
                assignee,
                "event",
                resolved_at,
                event="status",
                data={"status": "resolved"},
            )
            last = resolved_at
        if closed_at:
            add_entry(
                request_id,
                None,
                "event",
                closed_at,
                public=False,
                event="status",
                data={"status": "closed"},
            )
            last = closed_at
        paused = []  # the clock's pauses as `clock.recompute` reads them at `now`
        if status == "waiting_on_customer":
            started = min(now, last + timedelta(minutes=1))
            pauses.append({"request_id": request_id, "started_at": started, "ended_at": None})
            paused.append((started, now))
            add_entry(
                request_id,
                assignee,
                "event",
                started,
                event="status",
                data={"status": "waiting_on_customer"},
            )
            last = started
        row["last_activity_at"] = last
        due = clock.due_times_for(
            scale.calendars[team_id],
            scale.levels.get((scale.account_tier[account_id], urgency)),
            created_at=created,
            status=status,
            first_response_at=first_response_at,
            pauses=paused,
            paused=bool(paused),
        )
        row.update(due._asdict())
        requests.append(row)
        recent = scale.recent_resolved.setdefault(team_id, [])
        if resolved_at and assignee and age < timedelta(days=60) and len(recent) < 40:
            recent.append((request_id, assignee, resolved_at))
        if status in ("open", "waiting_on_customer", "resolved") and rng.random() < 0.12:
            handoffs.extend(
                _handoffs(
                    rng,
                    scale,
                    request_id,
                    row["function_id"],
                    created,
                    status == "resolved",
                    assignee or members[0],
                    members[0],
                    len(handoffs),
                )
            )
        if resolved_at and rng.random() < 0.35:
            score = rng.choices((5, 4, 3, 2, 1), (45, 30, 12, 8, 5))[0]
            ratings.append(
                {
                    "request_id": request_id,
                    "contact_id": requester,
                    "score": score,
                    "comment": "" if rng.random() < 0.6 else "Quick and friendly, thank you.",
                    "created_at": resolved_at + timedelta(hours=2),
                    "updated_at": resolved_at + timedelta(hours=2),
                }
            )
        if len(entries) >= 20 * CHUNK:
            _flush_requests(requests, entries)
    _flush_requests(requests, entries)
    insert_rows(ClockPause, pauses)
    insert_rows(Handoff, handoffs)
    insert_rows(Rating, ratings)


# An order that needs credit cleared before delivery can be booked: the seeds' chain.
CREDIT, DELIVERY = 4, 5  # ids of "Credit" and "Delivery" in the demo's FUNCTIONS


def _handoffs(rng, scale, request_id, function_id, created, resolved, by, coach, made):
    """One handoff to another function; for half of what concerns orders, credit or delivery,
    credit then delivery, the delivery waiting for credit (its clock starting when credit is
    done). `made`: how many handoffs were made before, for their explicit ids."""

    def piece(offset, function, opened, done, waits_for=None, started=None):
        return {
            "id": made + offset,
            "request_id": request_id,
            "function_id": function,
            "owner_id": coach if rng.random() < 0.2 else rng.choice(scale.staff_ids),
            "created_by_id": by,
            "what_is_needed": "Please check the other side of this.",
            "status": "done" if done else "open",
            "due_in_hours": 8,
            "waits_for_id": waits_for,
            "started_at": started,
            "due_at": started + timedelta(hours=8) if started else None,
            "outcome": "Checked, all in order." if done else "",
            "created_at": opened,
            "completed_at": (started or opened) + timedelta(hours=6) if done else None,
        }

    opened = created + timedelta(minutes=30)
    if function_id in (None, 1, CREDIT, DELIVERY) and rng.random() < 0.5:
        credit = piece(1, CREDIT, opened, resolved or rng.random() < 0.5, started=opened)
        after = credit["completed_at"]
        delivery = piece(2, DELIVERY, opened, resolved, credit["id"], after)
        return [credit, delivery]
    other = rng.choice([f for f in scale.function_ids if f != function_id])
    return [piece(1, other, opened, resolved or rng.random() < 0.4, started=opened)]


def _flush_requests(requests: list[dict], entries: list[dict]) -> None:
    """Requests before their entries (foreign keys), then empty both lists."""
    insert_rows(Request, requests)
    insert_rows(Entry, entries)
    requests.clear()
    entries.clear()
