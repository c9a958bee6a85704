"""The notifications list, its badge, and the settings."""

from flask import flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField

from .. import notify
from ..access import STAFF, policy
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import after_write, conditional_poll, render_page
from ..models.notification import MODES, NOTIFICATION_KINDS
from . import bp


class SettingsForm(FlaskForm):
    pass


for _kind, _label in NOTIFICATION_KINDS.items():
    setattr(SettingsForm, _kind, SelectField(_label, choices=list(MODES.items())))


@bp.route("")
@policy(STAFF)
def index():
    return _list_page()


def _list_page():
    return render_page(
        "notifications/index.html",
        "notifications/_list.html",
        notifications=notify.recent(current_user),
        unread=notify.unread_count(current_user),
        read_form=EmptyForm(),
    )


@bp.route("/badge")
@policy(STAFF)
def badge():
    """The count in the bar, fetched after the page (htmx), so no page waits for it; a
    poll, so it answers 304 while the count stands and never keeps a session awake."""
    unread = notify.unread_count(current_user)
    return conditional_poll(
        f"notifications-{current_user.id}-{unread}",
        lambda: render_page("notifications/_badge.html", unread=unread),
    )


@bp.route("/read", methods=["POST"])
@policy(STAFF)
def read_all():
    if EmptyForm().validate_on_submit():
        notify.mark_read(current_user)
        db.session.commit()
    return after_write(url_for("notifications.index"), _list_page)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@policy(STAFF)
def read_one(notification_id: int):
    if EmptyForm().validate_on_submit():
        notify.mark_read(current_user, notification_id)
        db.session.commit()
    return after_write(url_for("notifications.index"), _list_page)


@bp.route("/settings", methods=["GET", "POST"])
@policy(STAFF)
def settings():
    form = SettingsForm(data=notify.settings_of(current_user))
    if form.validate_on_submit():
        notify.save_settings(current_user, {kind: form[kind].data for kind in NOTIFICATION_KINDS})
        db.session.commit()
        flash("Notification settings saved.", "success")
        return after_write(url_for("notifications.settings"), lambda: _settings_page(form))
    return _settings_page(form, status=422 if form.errors else 200)


def _settings_page(form, status=200):
    return render_page(
        "notifications/settings.html", status=status, form=form, kinds=NOTIFICATION_KINDS
    )
