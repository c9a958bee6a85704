from flask import abort, current_app, redirect, send_file, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import access, navigation
from ..access import PUBLIC, SIGNED_IN, policy
from ..extensions import db
from ..htmx import render_page
from ..requests import files
from . import bp


@bp.route("/")
@policy(PUBLIC)
def landing():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_page("main/landing.html")


@bp.route("/home")
@policy(SIGNED_IN)
def home():
    endpoint, values = navigation.home_endpoint(current_user)
    return redirect(url_for(endpoint, **values))


@bp.route("/attachments/<int:attachment_id>")
@policy(SIGNED_IN)
def attachment(attachment_id: int):
    """Always a download (files.download)."""
    return files.download(access.get_attachment(attachment_id))


@bp.route("/attachments/<int:attachment_id>/preview")
@policy(SIGNED_IN)
def attachment_preview(attachment_id: int):
    """An image attachment shown inline, as the request pages' thumbnail: the same access
    check as the download, for image types only (anything else is 404, so this never
    renders a PDF, text or markup in the page's origin), with nosniff and a sandbox CSP."""
    item = access.get_attachment(attachment_id)
    path = files.path_of(item)
    if item.content_type not in files.INLINE_TYPES or not path.exists():
        abort(404)
    response = send_file(path, mimetype=item.content_type, max_age=0)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/favicon.ico")
@policy(PUBLIC)
def favicon():
    return send_from_directory(
        current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )


@bp.route("/health")
@policy(PUBLIC)
def health():
    """For the load balancer in front of several app servers: 200 while this server reaches
    its database, 503 when it cannot, so the proxy sends people elsewhere. One `SELECT 1`
    and no session. Redis is not asked: without it rate limits fall back to each process's
    memory (README, "Running several app servers") and the server still serves."""
    headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("health check: the database did not answer")
        return "database unreachable\n", 503, headers
    return "ok\n", 200, headers
