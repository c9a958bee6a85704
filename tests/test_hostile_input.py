"""The hostile-input corpus through every free-text field that reaches a mail header, a file
name, a CSV cell, an ETag or a URL: never a 500, nothing stored twice, nothing lost, and
every mail it causes still goes out (on SQLite and on PostgreSQL alike)."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal import mail
from portal.extensions import db
from portal.models import Attachment, OutboxMessage, Request, ServiceDimension
from tests import factories
from tests.conftest import outbox
from tests.hostile import CORPUS, printable

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HX = {"HX-Request": "true"}
IDS = [f"h{n}" for n in range(len(CORPUS))]


def _every_mail_went_out():
    """Deliver what is queued (console backend): nothing may stay behind or fail."""
    mail.deliver_pending()
    db.session.expire_all()
    stuck = [m.subject for m in outbox(None) if m.sent_at is None]
    assert stuck == []
    for message in outbox(None):
        assert not re.search(r"[\r\n\x0b\x0c\x85\u2028\u2029]", message.subject)


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_a_hostile_request_is_stored_once_and_its_mail_still_goes(
    client, world, login_as, no_csrf, text
):
    login_as(world.contact_a)
    form = {
        "account": str(world.account_a.id),
        "about": str(world.function.id),
        "subject": text,
        "description": text,
        "urgency": "normal",
        "expected_by": "",
        "expected_outcome": text,
        "idempotency_key": uuid.uuid4().hex,
    }
    first = client.post(url_for("customer.new_request"), data=form)
    again = client.post(url_for("customer.new_request"), data=form)  # a double click
    assert first.status_code in (303, 422), first.status_code
    assert again.status_code == first.status_code
    stored = db.session.scalars(select(Request)).all()
    if first.status_code == 422:  # too long for the subject: a form error, nothing stored
        assert stored == [] and "characters" in first.text
        return
    assert len(stored) == 1
    assert stored[0].description == printable(text).strip()
    assert client.get(first.headers["Location"]).status_code == 200
    _every_mail_went_out()


def as_a_browser_sends(name: str) -> str:
    """A file name as a browser puts it in a multipart body (HTML's form encoding): quotes
    and line breaks percent-encoded, so they cannot end the part's header."""
    return name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_a_hostile_file_name_is_kept_as_text_and_downloads_as_a_plain_attachment(
    client, world, login_as, no_csrf, text
):
    login_as(world.contact_a)
    response = client.post(
        url_for("customer.new_request"),
        data={
            "account": str(world.account_a.id),
            "about": "other",
            "subject": "See attached",
            "description": "Attached.",
            "urgency": "normal",
            "idempotency_key": uuid.uuid4().hex,
            "attachments": [(io.BytesIO(PDF), f"{as_a_browser_sends(text)}.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (303, 422), response.status_code
    files = db.session.scalars(select(Attachment)).all()
    if response.status_code == 422:
        assert files == [] and db.session.scalar(select(func.count(Request.id))) == 0
        return
    assert len(files) == 1
    download = client.get(url_for("main.attachment", attachment_id=files[0].id))
    assert download.status_code == 200 and download.data == PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert not re.search(r"[\r\n\x00]", disposition)


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_hostile_titles_and_team_names_reach_mail_subjects_safely(app, world, text):
    """A procedure's title and a team's name are printed in mail subjects."""
    from portal.insights import services as insights
    from portal.procedures import group_membership

    world.team_x.name = printable(text)[:80]
    factories.join_reference_group(world.contact_a, world.account_a)
    procedure = factories.make_procedure(world.team_x, world.coach_x, title=printable(text)[:160])
    factories.open_review_round(procedure, world.coach_x)
    group_membership.invite(world.coach_x, world.team_x, world.contact_a2)
    insights.send_survey(world.coach_x, world.team_x, world.account_a2)
    db.session.commit()
    assert len(outbox(None)) >= 3
    _every_mail_went_out()


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_hostile_survey_comments_export_as_inert_cells(client, world, login_as, no_csrf, text):
    login_as(world.coach_x)
    client.post(
        url_for("insights.send_survey", team_id=world.team_x.id),
        data={"account": world.account_a.id},
    )
    token = re.search(r"/surveys/(\S+)", outbox(None)[0].body).group(1)
    dims = db.session.scalars(select(ServiceDimension)).all()
    answers = {f"expect-{d.id}": "4" for d in dims} | {f"experience-{d.id}": "3" for d in dims}
    visitor = client.application.test_client()
    answered = visitor.post(
        url_for("insights.survey", token=token), data={**answers, "comment": text}
    )
    assert answered.status_code in (200, 303, 422), answered.status_code
    export = client.get(
        url_for("insights.export", team_id=world.team_x.id, name="survey-responses")
    )
    assert export.status_code == 200
    for row in csv.reader(io.StringIO(export.get_data(as_text=True))):
        for cell in row:
            number = re.fullmatch(r"-?\d+(\.\d+)?", cell)
            assert number or not cell.startswith(("=", "+", "-", "@")), cell


POLLS = {
    "customer.request_updates": lambda w, item: url_for(
        "customer.request_updates", request_id=item.id
    ),
    "customer.list_updates": lambda w, item: url_for("customer.list_updates"),
    "inbox.updates": lambda w, item: url_for("inbox.updates", team_id=w.team_x.id),
    "inbox.who_else": lambda w, item: url_for(
        "inbox.who_else", team_id=w.team_x.id, request_id=item.id
    ),
}


@pytest.mark.parametrize("endpoint", sorted(POLLS))
def test_hostile_etags_and_query_values_never_break_a_poll(client, world, login_as, endpoint):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.contact_a if endpoint.startswith("customer") else world.member_x)
    base = POLLS[endpoint](world, item)
    for text in CORPUS:
        for url, headers in (
            # A header cannot carry a line break (HTTP forbids it, clients refuse it).
            (base, {**HX, "If-None-Match": re.sub(r"[\r\n]", " ", printable(text))[:500]}),
            (f"{base}?{'&'.join(f'{k}={text[:300]}' for k in ('seen', 'version', 'after'))}", HX),
        ):
            response = client.get(url, headers=headers)
            assert response.status_code in (200, 204, 304, 400), (url, response.status_code)


@pytest.mark.parametrize("text", CORPUS, ids=IDS)
def test_hostile_urls_are_refused_or_ignored(client, world, login_as, no_csrf, text):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.member_x)
    inbox = client.get(
        url_for("inbox.index", team_id=world.team_x.id),
        query_string={"q": text[:300], "account": text[:300], "after": text[:300]},
    )
    assert inbox.status_code in (200, 400)
    merge = client.post(
        url_for("inbox.merge", team_id=world.team_x.id, request_id=item.id),
        data={"into": text, "version": item.version},
    )
    assert merge.status_code == 422
    signed_out = client.application.test_client()
    login = signed_out.get(url_for("auth.login"), query_string={"next": text})
    assert login.status_code == 200
    posted = signed_out.post(
        url_for("auth.login", next=text),
        data={"email": world.member_x.email, "password": factories.PASSWORD},
    )
    assert posted.status_code in (302, 303)
    assert posted.headers["Location"].startswith("/")
    assert not posted.headers["Location"].startswith("//")
    assert db.session.get(Request, item.id).merged_into_id is None
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
