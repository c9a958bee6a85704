from flask import current_app, redirect, send_from_directory, url_for
from flask_login import current_user

from .. import access
from ..access import PUBLIC, SIGNED_IN, policy
from ..htmx import render_page
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


@bp.route("/favicon.ico")
@policy(PUBLIC)
def favicon():
    return send_from_directory(
        current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
