"""The team's mail page: a member attaches unrecognised mail to a contact, invites its
sender or discards it; nothing of another team's is reachable, and nothing is lost."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from portal.extensions import db
from portal.models import AuditEvent, Entry, InboundMail, Invitation, Request
from portal.team_mail import intake
from tests import factories
from tests.invitations.test_accept import accept
from tests.team_mail.test_intake import mail, mailboxes  # noqa: F401 (a fixture)


def waiting(sender="stranger@elsewhere.example", **kwargs) -> InboundMail:
    received = intake.receive(mail(sender, **kwargs), source="lmtp")
    stored = db.session.get(InboundMail, received.mail_id)
    assert stored.outcome == "unrecognised"
    return stored


def page_of(stored: InboundMail, team=None) -> str:
    return url_for("team_mail.message", team_id=team or stored.team_id, mail_id=stored.id)


def action(stored: InboundMail, name: str) -> str:
    return url_for(f"team_mail.{name}", team_id=stored.team_id, mail_id=stored.id)


def test_the_waiting_list_shows_the_mail_and_why(client, login_as, mailboxes):  # noqa: F811
    stored = waiting(subject="Who handles invoices?")
    login_as(mailboxes.member_x)

    page = client.get(url_for("team_mail.index", team_id=mailboxes.team_x.id)).text

    assert "Who handles invoices?" in page
    assert "stranger@elsewhere.example is not a contact of any of this team&#39;s accounts." in page
    assert 'Waiting for you <span class="count">1</span>' in page
    message = client.get(page_of(stored)).text
    assert "The printer jams on every page." in message
    assert "Attach it to a contact" in message and "Invite stranger@elsewhere.example" in message


def test_another_teams_mail_is_not_found(client, login_as, mailboxes):  # noqa: F811
    stored = waiting(to="south@support.example")  # Team Y's
    login_as(mailboxes.member_x)

    assert client.get(page_of(stored, team=mailboxes.team_x.id)).status_code == 404
    assert client.get(page_of(stored)).status_code == 404  # Team Y's page: not theirs
    assert (
        client.get(
            url_for("team_mail.original", team_id=mailboxes.team_x.id, mail_id=stored.id)
        ).status_code
        == 404
    )


def test_attaching_to_a_contact_raises_their_request(client, login_as, no_csrf, mailboxes):  # noqa: F811
    w = mailboxes
    stored = waiting()
    login_as(w.member_x)

    response = client.post(action(stored, "attach"), data={"contact": w.contact_a.id})

    assert response.status_code == 303
    db.session.refresh(stored)
    assert (stored.outcome, stored.handled_by_id) == ("raised", w.member_x.id)
    item = stored.request
    assert (item.requester_id, item.account_id, item.channel) == (
        w.contact_a.id,
        w.account_a.id,
        "email",
    )
    assert stored.reason == f"Raised {item.reference}, attached by Member X."
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.subject_id == stored.id)
    ) == ("mail.attached")
    # Dealt with: a second attach (another member, a double click) changes nothing.
    again = client.post(action(stored, "attach"), data={"contact": w.contact_a2.id})
    assert again.status_code == 409 and "Someone has already dealt with this mail" in again.text
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 1


def test_attaching_as_a_reply_needs_a_request_the_contact_may_see(
    client,
    login_as,
    no_csrf,
    mailboxes,  # noqa: F811
):
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()
    stored = waiting(body="About my ticket: tray 2.")
    login_as(w.member_x)

    refused = client.post(
        action(stored, "attach"), data={"contact": w.contact_a2.id, "reference": item.reference}
    )
    assert refused.status_code == 422
    assert f"Contact A2 may not see {item.reference}." in refused.text
    db.session.refresh(stored)
    assert stored.outcome == "unrecognised"

    done = client.post(
        action(stored, "attach"), data={"contact": w.contact_a.id, "reference": item.reference}
    )
    assert done.status_code == 303
    db.session.refresh(stored)
    assert (stored.outcome, stored.request_id) == ("replied", item.id)
    entry = db.session.get(Entry, stored.entry_id)
    assert (entry.author_id, entry.body) == (w.contact_a.id, "About my ticket: tray 2.")


def test_a_made_up_reference_is_a_form_error(client, login_as, no_csrf, mailboxes):  # noqa: F811
    stored = waiting()
    login_as(mailboxes.member_x)

    response = client.post(
        action(stored, "attach"), data={"contact": mailboxes.contact_a.id, "reference": "R-99999"}
    )

    assert response.status_code == 422
    assert "This team has no request R-99999." in response.text


def test_inviting_the_sender_lands_their_mail_when_they_join(
    app,
    client,
    login_as,
    no_csrf,
    mailboxes,  # noqa: F811
):
    w = mailboxes
    stored = waiting("grace@newcustomer.example", subject="Can you help us?")
    login_as(w.member_x)

    response = client.post(
        action(stored, "invite"), data={"account": w.account_a.id, "name": "Grace Hopper"}
    )

    assert response.status_code == 303
    invitation = db.session.scalar(sa.select(Invitation))
    assert (invitation.email, invitation.account_id) == (
        "grace@newcustomer.example",
        w.account_a.id,
    )
    db.session.refresh(stored)
    assert stored.outcome == "unrecognised" and "when they accept" in stored.reason

    # The invitee accepts (a fresh link for the test; the mailed one is hashed).
    _, token = factories.make_invitation(account=w.account_a, email="grace@newcustomer.example")
    db.session.delete(invitation)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    joined = accept(app.test_client(), token, name="Grace Hopper")

    assert joined.status_code == 303
    db.session.refresh(stored)
    assert stored.outcome == "raised"
    item = stored.request
    assert (item.subject, item.requester.email) == ("Can you help us?", "grace@newcustomer.example")


def test_discarding_keeps_the_mail_under_discarded(client, login_as, no_csrf, mailboxes):  # noqa: F811
    stored = waiting()
    login_as(mailboxes.member_x)

    assert client.post(action(stored, "discard")).status_code == 303

    db.session.refresh(stored)
    assert (stored.outcome, stored.reason) == ("discarded", "Discarded by Member X.")
    listed = client.get(
        url_for("team_mail.index", team_id=mailboxes.team_x.id, show="discarded")
    ).text
    assert stored.subject in listed
    assert client.post(action(stored, "discard")).status_code == 409


def test_the_original_downloads_as_it_arrived(client, login_as, mailboxes):  # noqa: F811
    stored = waiting()
    login_as(mailboxes.member_x)

    response = client.get(action(stored, "original"))

    assert response.data == stored.raw
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.mimetype == "message/rfc822"


def test_a_landed_reply_links_to_its_mail_from_the_timeline(client, login_as, mailboxes):  # noqa: F811
    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()
    intake.receive(
        mail(w.contact_a.email, subject=f"Re: [{item.reference}]", body="Tray 2."),
        source="lmtp",
    )
    stored = db.session.scalar(sa.select(InboundMail))
    login_as(w.member_x)

    staff_page = client.get(url_for("inbox.detail", team_id=w.team_x.id, request_id=item.id)).text
    assert f'href="{page_of(stored)}">by mail</a>' in staff_page
    login_as(w.contact_a)
    customer_page = client.get(url_for("customer.request", request_id=item.id)).text
    assert "· by mail" in customer_page


def test_an_admin_sends_mail_that_reached_no_team_to_a_team(
    client,
    login_as,
    no_csrf,
    mailboxes,  # noqa: F811
):
    stored = intake.receive(
        mail("someone@elsewhere.example", to="sales@elsewhere.example", subject="Lost"),
        source="lmtp",
    )
    item = db.session.get(InboundMail, stored.mail_id)
    assert item.team_id is None
    login_as(mailboxes.admin)
    assert "Lost" in client.get(url_for("admin.unaddressed_mail")).text

    refused = client.post(url_for("admin.send_mail_to_team", mail_id=item.id), data={"team": 2**40})
    sent = client.post(
        url_for("admin.send_mail_to_team", mail_id=item.id), data={"team": mailboxes.team_y.id}
    )

    assert (refused.status_code, sent.status_code) == (400, 303)
    db.session.refresh(item)
    assert (item.team_id, item.outcome) == (mailboxes.team_y.id, "unrecognised")
    assert item.reason.startswith("Sent to Team Y by Admin.")
    login_as(mailboxes.member_y)
    assert "Lost" in client.get(url_for("team_mail.index", team_id=mailboxes.team_y.id)).text


def test_staff_see_that_mail_to_the_requester_bounced(client, login_as, mailboxes):  # noqa: F811
    from tests.team_mail.test_intake import _dsn, receipt_of

    w = mailboxes
    item = factories.raise_request(w.contact_a, w.account_a)
    db.session.commit()
    intake.receive(_dsn(w.contact_a.email, receipt_of(item).message_id), source="lmtp")
    login_as(w.member_x)

    page = client.get(url_for("inbox.detail", team_id=w.team_x.id, request_id=item.id)).text

    assert "Mail to them bounced on" in page and "5.1.1" in page
    assert "<dt>Came by</dt><dd>The portal</dd>" in page
