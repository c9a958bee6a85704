"""A request's files through the API: the list, and each file, as the web serves it (a
download with nosniff and a sandbox CSP). A contact's token sees the files on public
entries only, as the contact does on the web."""

from __future__ import annotations

from flask import abort, url_for
from sqlalchemy import select

from ..access import API_READ, policy
from ..api_auth import api_person
from ..extensions import db
from ..headers import PRIVATE_NO_STORE
from ..models import Attachment
from ..requests import files
from . import COMMON_ERRORS, bp
from .requests_views import NOT_FOUND, visible_request
from .schemas import AttachmentList

FILE = {
    "description": "The file, as it was uploaded.",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}


def _files(request_id: int):
    item = visible_request(request_id)
    query = select(Attachment).where(Attachment.request_id == item.id)
    if not api_person().is_staff:
        query = query.where(Attachment.public.is_(True))
    return query


@bp.get("/requests/<int:request_id>/attachments")
@bp.output(AttachmentList)
@bp.doc(operation_id="listAttachments", tags=["Files"], responses={**COMMON_ERRORS, **NOT_FOUND})
@policy(API_READ)
def list_attachments(request_id: int):
    """The files sent with a request and its entries, oldest first."""
    rows = db.session.scalars(_files(request_id).order_by(Attachment.id))
    return {
        "items": [
            {
                "id": a.id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "public": a.public,
                "entry_id": a.entry_id,
                "created_at": a.created_at,
                "download": url_for(".get_attachment", request_id=request_id, attachment_id=a.id),
            }
            for a in rows
        ]
    }


@bp.get("/requests/<int:request_id>/attachments/<int:attachment_id>")
@bp.doc(
    operation_id="getAttachment",
    tags=["Files"],
    responses={200: FILE, **COMMON_ERRORS, **NOT_FOUND},
)
@policy(API_READ)
def get_attachment(request_id: int, attachment_id: int):
    """One file, always as a download."""
    attachment = db.session.scalar(_files(request_id).where(Attachment.id == attachment_id))
    if attachment is None:
        abort(404, "No such file on this request that this token may see.")
    response = files.download(attachment)
    response.headers["Cache-Control"] = PRIVATE_NO_STORE
    return response
