"""Builders for test data. Each flushes, so ids exist; the test decides when to commit."""

from __future__ import annotations

import itertools
from functools import cache

from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import (
    CONTACT,
    MEMBER,
    STAFF,
    Account,
    Contact,
    Function,
    Membership,
    ServiceLevel,
    Skill,
    Team,
    Tier,
    User,
)

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # scrypt is slow on purpose: hash once per run


def _add(obj):
    db.session.add(obj)
    db.session.flush()
    return obj


def make_user(*, kind=STAFF, name=None, email=None, is_admin=False, active=True) -> User:
    n = next(_seq)
    return _add(
        User(
            email=email or f"person{n}@example.com",
            name=name or f"Person {n}",
            kind=kind,
            is_admin=is_admin,
            active=active,
            password_hash=_password_hash(),
        )
    )


def make_team(name=None, **fields) -> Team:
    return _add(Team(name=name or f"Team {next(_seq)}", **fields))


def make_member(team: Team, *, role=MEMBER, **user_fields) -> User:
    user = make_user(**user_fields)
    _add(Membership(team_id=team.id, user_id=user.id, role=role))
    return user


def make_function(name=None, **fields) -> Function:
    return _add(Function(name=name or f"Function {next(_seq)}", **fields))


def make_skill(user: User, function: Function, level: int = 2) -> Skill:
    return _add(Skill(user_id=user.id, function_id=function.id, level=level))


def make_tier(name=None, rank=None) -> Tier:
    n = next(_seq)
    return _add(Tier(name=name or f"Tier {n}", rank=rank if rank is not None else 100 + n))


def make_service_level(
    tier: Tier, urgency: str = "normal", first_response: int = 60, resolution: int = 480
) -> ServiceLevel:
    """The targets, in business minutes, for requests of `tier` at `urgency`."""
    return _add(
        ServiceLevel(
            tier_id=tier.id,
            urgency=urgency,
            first_response_minutes=first_response,
            resolution_minutes=resolution,
        )
    )


def make_account(team: Team, tier: Tier | None = None, name=None, **fields) -> Account:
    tier = tier or make_tier()
    return _add(
        Account(name=name or f"Account {next(_seq)}", team_id=team.id, tier_id=tier.id, **fields)
    )


def make_contact(account: Account, *, sees_account_requests=False, **user_fields) -> User:
    user = make_user(kind=CONTACT, **user_fields)
    _add(
        Contact(user_id=user.id, account_id=account.id, sees_account_requests=sees_account_requests)
    )
    return user


def make_invitation(*, account: Account | None = None, email=None, name="Invitee", **fields):
    """A pending invitation; returns (invitation, token) so a test can follow the link."""
    from datetime import timedelta

    from portal.models import Invitation, utcnow
    from portal.tokens import new_token

    token, token_hash = new_token()
    invitation = _add(
        Invitation(
            email=email or f"invitee{next(_seq)}@example.com",
            name=name,
            kind=CONTACT if account else STAFF,
            account_id=account.id if account else None,
            token_hash=token_hash,
            expires_at=fields.pop("expires_at", utcnow() + timedelta(days=7)),
            **fields,
        )
    )
    return invitation, token


def make_request(account: Account, requester: User, **fields):
    """A request as if raised, without routing or mail."""
    import uuid

    from portal.models import Request

    return _add(
        Request(
            account_id=account.id,
            requester_id=requester.id,
            team_id=account.team_id,
            subject=fields.pop("subject", f"Request {next(_seq)}"),
            description=fields.pop("description", "Please help."),
            idempotency_key=uuid.uuid4().hex,
            **fields,
        )
    )


def make_handoff(request, function, owner, created_by, **fields):
    from portal.models import Handoff

    return _add(
        Handoff(
            request_id=request.id,
            function_id=function.id,
            owner_id=owner.id,
            created_by_id=created_by.id,
            what_is_needed=fields.pop("what_is_needed", "Please check"),
            **fields,
        )
    )


def raise_request(contact: User, account: Account, *, function=None, urgency="normal", **fields):
    """A request raised through the real service: routed, clocked, confirmed by mail."""
    import uuid

    from portal.requests import raising

    return raising.raise_request(
        contact,
        raising.NewRequest(
            account=account,
            function=function,
            subject=fields.get("subject", "A request"),
            description=fields.get("description", "Details"),
            urgency=urgency,
            expected_by=None,
            expected_outcome="",
            idempotency_key=uuid.uuid4().hex,
        ),
    )[0]


# --- procedures and the reference group (appended) ----------------------------------------------


def join_reference_group(contact: User, account: Account):
    from portal.procedures import group_membership

    return group_membership.join(contact, account)


def make_survey_answer(team: Team, account, contact: User, gaps, expectation: int = 4):
    """A relationship survey sent to `account` and answered now by `contact`: the n-th
    dimension (in the survey's order) scored with gap gaps[n] (perception - expectation)."""
    from portal.insights import services
    from portal.models import SurveyResponse, SurveyScore

    survey, _ = services.send_survey(None, team, account)
    response = SurveyResponse(survey_id=survey.id, contact_id=contact.id, team_id=team.id)
    response.scores = [
        SurveyScore(dimension_id=d.id, expectation=expectation, perception=expectation + gap)
        for d, gap in zip(services.dimensions(), gaps, strict=False)
    ]
    db.session.add(response)
    db.session.flush()
    return response


def make_procedure(team: Team, author: User, *, title="Returns collected in two days", **fields):
    from portal.procedures import authoring

    return authoring.create_procedure(
        author,
        team,
        fields.pop("function_id", None),
        title=title,
        summary=fields.pop("summary", "We collect returns within two working days."),
        body=fields.pop("body", "Call or write to us.\nWe collect within 5 working days."),
        customer_change=fields.pop("customer_change", "One call instead of three."),
    )


def open_review_round(procedure, coach: User, *, days=7, **options):
    from datetime import timedelta

    from portal.models import utcnow
    from portal.procedures import review_rounds

    return review_rounds.open_round(coach, procedure, utcnow() + timedelta(days=days), **options)


def age_chases(request, hours: float = 2) -> None:
    """Move the request's chases back in time, as if asked long ago: a chase sooner than
    CHASE_QUIET_MINUTES after the last one is acknowledged without being recorded."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal.models import Entry

    for entry in db.session.scalars(
        select(Entry).where(Entry.request_id == request.id, Entry.event == "chase")
    ):
        entry.created_at -= timedelta(hours=hours)
    db.session.commit()


def make_inbound_mail(team_id, **fields):
    """Mail waiting for a member (unrecognised), as intake would keep it."""
    import uuid

    from portal.models import InboundMail

    raw = fields.pop("raw", b"From: someone@elsewhere.example\r\nSubject: Hello\r\n\r\nHi\r\n")
    return _add(
        InboundMail(
            dedup_key=uuid.uuid4().hex,
            team_id=team_id,
            source="lmtp",
            sender=fields.pop("sender", "someone@elsewhere.example"),
            subject=fields.pop("subject", "Hello"),
            size=len(raw),
            sha256="0" * 64,
            raw=raw,
            outcome=fields.pop("outcome", "unrecognised"),
            **fields,
        )
    )


def url_about_a_request(endpoint: str):
    """For the access matrices: `build(world)` makes a fresh open request Contact A raised and
    gives the endpoint's URL about it."""
    from flask import url_for

    def build(w):
        item = make_request(w.account_a, w.contact_a, status="open")
        db.session.commit()
        return url_for(endpoint, request_id=item.id)

    return build


def attach(actor, request, name="note.txt", data=b"Pallet count: 38\n", *, entry=None):
    """A file stored through the real checks, as the web form stores one."""
    from portal.requests import files

    [attachment] = files.store(actor, request, [files.check_one(name, data)], entry=entry)
    return attachment


def url_about_a_handoff(endpoint: str):
    """For the access matrices: an open handoff on a fresh request of Contact A's."""
    from flask import url_for

    def build(w):
        item = make_request(w.account_a, w.contact_a, status="open")
        db.session.flush()
        handoff = make_handoff(item, w.function, w.member_x, w.member_x)
        db.session.commit()
        return url_for(endpoint, request_id=item.id, handoff_id=handoff.id)

    return build


def url_about_a_file(endpoint: str):
    """For the access matrices: a file sent with a fresh request of Contact A's."""
    from flask import url_for

    def build(w):
        item = make_request(w.account_a, w.contact_a, status="open")
        db.session.flush()
        attachment = attach(w.contact_a, item)
        db.session.commit()
        return url_for(endpoint, request_id=item.id, attachment_id=attachment.id)

    return build


def url_about_a_procedure(endpoint: str):
    """For the access matrices: a draft procedure of Team X."""
    from flask import url_for

    def build(w):
        procedure = make_procedure(w.team_x, w.member_x)
        db.session.commit()
        return url_for(endpoint, procedure_id=procedure.id)

    return build


def tampered(signed: str) -> str:
    """`signed` (an itsdangerous token or cookie) with its signature's first character
    changed: a full six bits of the signature, so it never still verifies. Changing the last
    characters does not do that: the final base64 character carries spare bits, and one
    time in 256 an edit there decodes to the same signature."""
    head, _, signature = signed.rpartition(".")
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
