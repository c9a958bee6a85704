"""Attachments: allow-listed by name and content, stored privately, served as downloads."""

import io
import os
import uuid

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, Request
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name, data):
    return (io.BytesIO(data), name)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def raise_form(world, files):
    return {
        "account": str(world.account_a.id),
        "about": "other",
        "subject": "See attached",
        "description": "The delivery note is attached.",
        "urgency": "normal",
        "idempotency_key": uuid.uuid4().hex,
        "attachments": files,
    }


@pytest.fixture
def contact(client, world, login_as, no_csrf):
    login_as(world.contact_a)
    return world.contact_a


def test_files_sent_with_a_request_are_stored_privately_and_served_as_downloads(
    client, world, contact, app
):
    response = client.post(
        url_for("customer.new_request"),
        data=raise_form(world, [upload("delivery note.pdf", PDF), upload("photo.PNG", PNG)]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    stored = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [a.filename for a in stored] == ["delivery note.pdf", "photo.PNG"]
    assert all(a.public and a.entry_id is None for a in stored)
    path = os.path.join(app.config["UPLOAD_FOLDER"], stored[0].stored_name)
    with open(path, "rb") as stored_file:
        assert stored_file.read() == PDF
    assert "static" not in path and "delivery" not in stored[0].stored_name

    page = client.get(response.headers["Location"]).text
    assert "delivery note.pdf" in page
    download = client.get(url_for("main.attachment", attachment_id=stored[0].id))
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("drawing.svg", b"<svg onload=alert(1)></svg>", "not accepted"),
        ("page.html", b"<script>alert(1)</script>", "not accepted"),
        ("report.pdf", b"<html><script>alert(1)</script></html>", "does not match"),
        ("photo.png", PDF, "does not match"),
        ("notes.txt", b"\x00\x01binary", "does not match"),
        ("empty.pdf", b"", "empty"),
        ("no-extension", PDF, "not accepted"),
    ],
)
def test_refused_files_refuse_the_whole_request(client, world, contact, name, data, message):
    response = client.post(
        url_for("customer.new_request"),
        data=raise_form(world, [upload("fine.pdf", PDF), upload(name, data)]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.text
    assert count(Request) == 0 and count(Attachment) == 0


def test_size_and_count_limits(client, world, contact, app):
    too_many = [upload(f"f{i}.pdf", PDF) for i in range(6)]
    response = client.post(
        url_for("customer.new_request"),
        data=raise_form(world, too_many),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "at most 5 files" in response.text
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    try:
        big = [upload("big.pdf", PDF + b"x" * 200)]
        response = client.post(
            url_for("customer.new_request"),
            data=raise_form(world, big),
            content_type="multipart/form-data",
        )
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = limit
    assert response.status_code == 422 and "at most" in response.text
    assert count(Request) == 0


def test_files_on_internal_notes_never_reach_the_customer(client, world, login_as, no_csrf):
    item = factories.make_request(world.account_a, world.contact_a)
    login_as(world.member_x)
    client.post(
        url_for("inbox.note", team_id=world.team_x.id, request_id=item.id),
        data={
            "body": "Credit report",
            "version": item.version,
            "attachments": [upload("credit-report.pdf", PDF)],
        },
        content_type="multipart/form-data",
    )
    note_file = db.session.scalar(select(Attachment))
    assert note_file is not None and note_file.public is False
    assert client.get(url_for("main.attachment", attachment_id=note_file.id)).status_code == 200

    login_as(world.contact_a)
    assert (
        "credit-report.pdf" not in client.get(url_for("customer.request", request_id=item.id)).text
    )
    assert client.get(url_for("main.attachment", attachment_id=note_file.id)).status_code == 404


def test_another_accounts_contact_cannot_download(client, world, login_as, no_csrf):
    login_as(world.contact_a)
    client.post(
        url_for("customer.new_request"),
        data=raise_form(world, [upload("a.pdf", PDF)]),
        content_type="multipart/form-data",
    )
    attachment = db.session.scalar(select(Attachment))
    login_as(world.contact_b)
    assert client.get(url_for("main.attachment", attachment_id=attachment.id)).status_code == 404
    login_as(world.member_y)
    assert client.get(url_for("main.attachment", attachment_id=attachment.id)).status_code == 404


def test_a_reply_can_carry_files(client, world, contact):
    item = factories.make_request(world.account_a, world.contact_a)
    response = client.post(
        url_for("customer.reply", request_id=item.id),
        data={"body": "Here is the PO", "attachments": [upload("po.csv", b"line,qty\nA,2\n")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    stored = db.session.scalar(select(Attachment))
    assert stored.entry_id is not None and stored.content_type == "text/csv"


def _raise_with_files(client, world, *named):
    client.post(
        url_for("customer.new_request"),
        data=raise_form(world, [upload(name, data) for name, data in named]),
        content_type="multipart/form-data",
    )
    return db.session.scalars(select(Attachment).order_by(Attachment.id)).all()


def test_an_image_gets_a_thumbnail_served_inline_and_access_checked(
    client, world, login_as, no_csrf
):
    login_as(world.contact_a)
    image, pdf = _raise_with_files(client, world, ("pallet.png", PNG), ("note.pdf", PDF))
    preview = url_for("main.attachment_preview", attachment_id=image.id)

    shown = client.get(preview)
    assert shown.status_code == 200 and shown.data == PNG
    assert shown.mimetype == "image/png"
    assert shown.headers["Content-Disposition"] == "inline"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert shown.headers["Content-Security-Policy"].startswith("sandbox")
    assert "no-store" in shown.headers["Cache-Control"]
    # Only images are ever shown inline: a PDF (or anything else) stays a download.
    assert client.get(url_for("main.attachment_preview", attachment_id=pdf.id)).status_code == 404

    page = client.get(url_for("customer.request", request_id=image.request_id)).text
    assert f'src="{preview}"' in page and 'width="96" height="72"' in page
    assert url_for("main.attachment_preview", attachment_id=pdf.id) not in page
    login_as(world.member_x)
    staff_page = client.get(
        url_for("inbox.detail", team_id=world.team_x.id, request_id=image.request_id)
    ).text
    assert f'src="{preview}"' in staff_page

    # Another account's contact, and a member of another team, learn nothing.
    for outsider in (world.contact_b, world.member_y):
        login_as(outsider)
        assert client.get(preview).status_code == 404


def test_an_image_on_an_internal_note_is_no_thumbnail_for_the_customer(
    client, world, login_as, no_csrf
):
    item = factories.make_request(world.account_a, world.contact_a)
    login_as(world.member_x)
    client.post(
        url_for("inbox.note", team_id=world.team_x.id, request_id=item.id),
        data={
            "body": "Photo of the dock",
            "version": item.version,
            "attachments": [upload("dock.png", PNG)],
        },
        content_type="multipart/form-data",
    )
    image = db.session.scalar(select(Attachment))
    preview = url_for("main.attachment_preview", attachment_id=image.id)
    assert client.get(preview).status_code == 200
    login_as(world.contact_a)
    assert client.get(preview).status_code == 404
    assert preview not in client.get(url_for("customer.request", request_id=item.id)).text


def test_the_request_pages_draw_icons_from_the_sprite(client, world, login_as, no_csrf):
    """Files and statuses show SVG icons from the vendored sprite, each one it holds."""
    import re

    from tests.test_static import SPRITE, sprite_icons

    login_as(world.contact_a)
    image, _ = _raise_with_files(client, world, ("pallet.png", PNG), ("note.pdf", PDF))
    pages = [client.get(url_for("customer.request", request_id=image.request_id)).text]
    login_as(world.member_x)
    pages.append(
        client.get(
            url_for("inbox.detail", team_id=world.team_x.id, request_id=image.request_id)
        ).text
    )
    for page in pages:
        used = set(re.findall(rf'<use href="/static/vendor/{SPRITE}#([\w-]+)"', page))
        assert {"file-image", "file-text"} <= used
        assert used <= sprite_icons(), used - sprite_icons()
