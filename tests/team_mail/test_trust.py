"""What a sender cannot make mail do: land on another team's or account's request, post
as a contact whose From they forged (when the mail server checks DMARC), reopen a request
that is not theirs, flag an address with a made-up bounce; and odd shapes that must still
be stored (a huge Message-ID, a long diagnostic, a huge id in a URL)."""

from __future__ import annotations

import re
from email.utils import make_msgid

import sqlalchemy as sa
from flask import url_for

from portal.extensions import db
from portal.models import InboundMail, Request, User
from portal.models.request import OPEN, RESOLVED
from portal.requests import services as request_services
from tests import factories
from tests.team_mail.test_intake import (  # noqa: F401 (mailboxes is a fixture)
    NORTH,
    SOUTH,
    _dsn,
    mail,
    mailboxes,
    receipt_of,
    receive,
)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_a_tag_of_another_teams_request_lands_there_and_is_filed_under_that_team(mailboxes):  # noqa: F811
    w = mailboxes
    theirs = factories.raise_request(w.contact_b, w.account_b, subject="Team Y secret")
    db.session.commit()

    own = receive(mail(w.contact_b.email, to=NORTH, subject=f"Re: [{theirs.reference}]"))
    stranger = receive(
        mail("stranger@else.example", to=NORTH, References=receipt_of(theirs).message_id)
    )

    assert (own.outcome, own.request_id, own.team_id) == ("replied", theirs.id, w.team_y.id)
    assert (stranger.outcome, stranger.team_id, stranger.request_id) == (
        "unrecognised",
        w.team_x.id,
        None,  # Team X's page must not link to Team Y's request
    )


def test_with_dmarc_checked_only_a_verified_from_or_a_signed_reply_address_lands(
    app,
    mailboxes,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setitem(app.config, "MAIL_AUTHSERV_ID", "mx.support.example")
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()

    forged = receive(mail(w.contact_a.email, subject=f"Re: [{item.reference}] pay to IBAN X"))
    foreign_verdict = receive(
        mail(
            w.contact_a.email,
            Authentication_Results="mx.attacker.example; dmarc=pass header.from=example.com",
        )
    )
    failed = receive(
        mail(w.contact_a.email, Authentication_Results="mx.support.example; dmarc=fail")
    )
    verified = receive(
        mail(
            w.contact_a.email,
            subject="Verified",
            Authentication_Results="mx.support.example; spf=pass; dmarc=pass header.from=x",
        )
    )
    signed = receive(mail(w.contact_a.email, to=receipt_of(item).reply_to, subject="Re: hi"))

    assert forged.outcome == foreign_verdict.outcome == failed.outcome == "unrecognised"
    assert "could not be verified" in forged.reason
    assert (verified.outcome, signed.outcome) == ("raised", "replied")


def test_a_colleague_cannot_reopen_by_mail_and_the_requesters_reopening_is_no_chase(
    mailboxes,  # noqa: F811
):
    w = mailboxes
    w.account_a.shares_visibility = True
    colleague = factories.make_contact(w.account_a, sees_account_requests=True, name="Colleague")
    item = factories.raise_request(w.contact_a, w.account_a)
    request_services.change_status(w.member_x, item, RESOLVED)
    db.session.commit()

    by_colleague = receive(mail(colleague.email, subject=f"Re: [{item.reference}] still broken"))
    assert by_colleague.outcome == "raised" and by_colleague.request_id != item.id
    assert db.session.get(Request, item.id).status == RESOLVED

    by_requester = receive(mail(w.contact_a.email, subject=f"Re: [{item.reference}] indeed"))
    reopened = db.session.get(Request, item.id)
    assert (by_requester.outcome, reopened.status, reopened.chase_count) == ("replied", OPEN, 0)


def test_a_huge_message_id_is_stored_once(mailboxes):  # noqa: F811
    huge = f"Message-ID: <{'x' * 600}@acme.example>".encode()
    raw = re.sub(rb"Message-ID: <[^>]*>", huge, mail(mailboxes.contact_a.email), count=1)

    first = receive(raw)
    second = receive(raw)

    assert first.id == second.id and first.outcome == "raised"
    assert count(InboundMail) == 1


def test_a_made_up_bounce_flags_nobody_and_a_long_diagnostic_fits(mailboxes):  # noqa: F811
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()
    receipt = receipt_of(item)

    about_nothing = receive(_dsn(w.contact_a2.email, make_msgid(domain="made.up")))
    not_its_recipient = receive(_dsn(w.contact_a2.email, receipt.message_id))
    real = receive(
        _dsn(w.contact_a.email, receipt.message_id).replace(
            b"Recipient address rejected", b"Recipient address rejected " + b"y" * 900
        )
    )

    assert about_nothing.reason == "A delivery report about no mail of ours: nothing flagged."
    assert not_its_recipient.reason == "A delay or delivery report: nothing to do."
    assert db.session.get(User, w.contact_a2.id).mail_bounced_at is None
    assert real.outcome == "bounce" and len(real.reason) <= 300
    assert db.session.get(User, w.contact_a.id).mail_bounced_at is not None


def test_mail_to_two_teams_is_each_teams(mailboxes):  # noqa: F811
    w = mailboxes
    stored = receive(mail(w.contact_a.email, to=f"{NORTH}, {SOUTH}"))

    rows = db.session.execute(sa.select(InboundMail.team_id, InboundMail.outcome)).all()
    assert stored.team_id == w.team_x.id
    assert sorted(rows) == sorted([(w.team_x.id, "raised"), (w.team_y.id, "unrecognised")])


def test_a_member_racing_another_finds_the_mail_dealt_with(client, login_as, no_csrf, mailboxes):  # noqa: F811
    from portal.team_mail import services

    stored = receive(mail("stranger@else.example"))
    services.discard(mailboxes.member_x, stored)  # the other member, first
    db.session.commit()
    login_as(mailboxes.coach_x)

    url = url_for("team_mail.attach", team_id=stored.team_id, mail_id=stored.id)
    response = client.post(url, data={"contact": mailboxes.contact_a.id})

    assert response.status_code == 409
    assert count(Request) == 0


def test_an_id_no_row_can_have_in_the_query_is_ignored(client, login_as, mailboxes):  # noqa: F811
    login_as(mailboxes.member_x)
    url = url_for("team_mail.index", team_id=mailboxes.team_x.id)

    for query in ("before=99999999999999999999", "request=-1", "before=abc"):
        assert client.get(f"{url}?{query}").status_code == 200
