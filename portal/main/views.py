from flask import abort, current_app, redirect, send_file, send_from_directory, url_for
from flask_login import current_user

from .. import access
from ..access import PUBLIC, SIGNED_IN, policy
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
    endpoint, values = access.home_endpoint(current_user)
    return redirect(url_for(endpoint, **values))


@bp.route("/attachments/<int:attachment_id>")
@policy(SIGNED_IN)
def attachment(attachment_id: int):
    """Always a download, never rendered here: nosniff plus a sandbox CSP. Never stored
    either: like every signed-in answer it leaves with `private, no-store`
    (web._security_headers replaces what `send_file` says)."""
    item = access.get_attachment(attachment_id)
    path = files.path_of(item)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/favicon.ico")
@policy(PUBLIC)
def favicon():
    return send_from_directory(
        current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
