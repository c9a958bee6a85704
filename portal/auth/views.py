from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from .. import navigation
from ..access import PUBLIC, SIGNED_IN, STAFF, policy
from ..extensions import db, limiter
from ..forms import EmptyForm, offer_zone, safe_next
from ..htmx import redirect_after_post, render_page
from ..limits import per_person
from ..models import normalize_email
from ..web import session_token, start_session
from . import bp, services
from .forms import (
    ChangePasswordForm,
    MailPreferencesForm,
    ResetPasswordForm,
    ResetRequestForm,
    ShortcutsForm,
    SignInForm,
    TimeZoneForm,
)


def _email_key() -> str:
    """Rate-limit key per account, so spreading attempts over many IPs does not help."""
    return "email:" + normalize_email(request.form.get("email", ""))[:254]


# Set on the first sign-in, while the person's zone is the one they started with: pages
# offer to keep it or take the browser's, until they choose.
ZONE_OFFER = "zone_offer"


def sign_in(user) -> None:
    """Start a session for `user` in this browser; the caller commits (the session's row)."""
    new_zone = services.settle_zone(user)
    start_session(user, services.open_session(user))
    login_user(user)
    if new_zone:
        session[ZONE_OFFER] = True


def sign_out() -> None:
    """This browser's session ends, on the server too; the caller commits."""
    services.end_session(session_token())
    logout_user()
    session.clear()


def _home_url(user) -> str:
    endpoint, values = navigation.home_endpoint(user)
    return url_for(endpoint, **values)


def _refused(response) -> bool:
    """Only refused sign-ins count toward the limits: colleagues behind one office address
    signing in at nine o'clock are not an attack."""
    return response.status_code == 422


@bp.route("/sign-in", methods=["GET", "POST"])
@policy(PUBLIC)
@limiter.limit("20 per minute", methods=["POST"], deduct_when=_refused)
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=_email_key, deduct_when=_refused)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home_url(current_user))
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            sign_in(user)
            db.session.commit()
            return redirect_after_post(safe_next(form.next.data) or _home_url(user))
        form.password.errors.append("That email and password do not match an active account.")
    status = 422 if request.method == "POST" else 200
    return render_page("auth/login.html", status=status, form=form)


@bp.route("/sign-out", methods=["POST"])
@policy(SIGNED_IN)
def logout():
    sign_out()
    db.session.commit()
    flash("You are signed out.", "success")
    return redirect_after_post(url_for("main.landing"))


@bp.route("/me", methods=["GET", "POST"])
@policy(SIGNED_IN)
# Changing the password checks the current one: a borrowed session must not guess it.
@limiter.limit("10 per 15 minutes", key_func=per_person, methods=["POST"])
def profile():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AuthError as error:
            getattr(form, error.field or "password").errors.append(str(error))
        else:
            # This browser carries on in a new session; every other one was revoked.
            # The real user, not the `current_user` proxy: Flask-Login stores what it is given
            # as the current user, and a proxy to itself recurses forever (a 500).
            sign_in(current_user._get_current_object())
            db.session.commit()
            flash("Your password is changed. Other sessions were signed out.", "success")
            return redirect_after_post(url_for("auth.profile"))
    return _profile_page(form=form)


def _profile_page(form=None, zone_form=None):
    """The profile; a form given is one just posted, shown with its errors (422)."""
    posted = form if form is not None else zone_form
    if zone_form is None:
        zone_form = TimeZoneForm(formdata=None, timezone=current_user.timezone)
        offer_zone(zone_form.timezone, current_user.timezone)
    return render_page(
        "auth/profile.html",
        "auth/_password_form.html",
        status=422 if posted is not None and posted.errors else 200,
        form=form or ChangePasswordForm(formdata=None),
        zone_form=zone_form,
        signout_form=EmptyForm(),
        mail_form=MailPreferencesForm(formdata=None, receipts=not current_user.mute_receipts),
    )


@bp.route("/me/time-zone", methods=["POST"])
@policy(SIGNED_IN)
def time_zone():
    """The person's zone, from the profile's picker or the first sign-in's offer."""
    form = TimeZoneForm()
    offer_zone(form.timezone, current_user.timezone)
    if not form.validate_on_submit():
        return _profile_page(zone_form=form)
    services.set_zone(current_user, form.timezone.data)
    session.pop(ZONE_OFFER, None)
    # The polls' ETags are the requests' versions, not the reader's zone: a new cookie
    # (they vary on it) keeps the browser from reusing a fragment drawn on the old clock.
    session["zone"] = form.timezone.data
    db.session.commit()
    zone = form.timezone.data
    flash(f"Times are shown in {zone}{' time' if zone != 'UTC' else ''}.", "success")
    return redirect_after_post(safe_next(form.next.data) or url_for("auth.profile"))


@bp.route("/me/mail", methods=["POST"])
@policy(SIGNED_IN)
def mail_preferences():
    form = MailPreferencesForm()
    if form.validate_on_submit():
        current_user.mute_receipts = not form.receipts.data
        db.session.commit()
        flash("Your mail preferences are saved.", "success")
    return redirect_after_post(url_for("auth.profile"))


@bp.route("/me/shortcuts", methods=["POST"])
@policy(STAFF)
def shortcuts():
    """Keyboard shortcuts on or off, for this person on every device."""
    form = ShortcutsForm()
    if not form.validate_on_submit():
        abort(400)
    current_user.keyboard_shortcuts = form.on.data == "1"
    db.session.commit()
    flash(
        "Keyboard shortcuts are on: press ? for the list."
        if current_user.keyboard_shortcuts
        else "Keyboard shortcuts are off.",
        "success",
    )
    return redirect_after_post(safe_next(form.next.data) or url_for("workspace.index"))


@bp.route("/me/sign-out-everywhere", methods=["POST"])
@policy(SIGNED_IN)
def sign_out_everywhere():
    services.revoke_sessions(current_user)
    sign_out()
    db.session.commit()
    flash("You are signed out on every device.", "success")
    return redirect_after_post(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@policy(PUBLIC)
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=_email_key)
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_reset(form.email.data)
        db.session.commit()
        flash(
            "If that address belongs to an account, a reset link is on its way. "
            f"It works once, for {current_app.config['PASSWORD_RESET_MINUTES']} minutes.",
            "success",
        )
        return redirect_after_post(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_page("auth/reset_request.html", status=status, form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
@limiter.limit("20 per minute", methods=["POST"])
def reset_password(token: str):
    if services.reset_for_token(token) is None:
        return render_page("auth/reset_invalid.html", status=404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except services.AuthError as error:
            form.password.errors.append(str(error))
        else:
            sign_in(user)
            db.session.commit()
            flash("Your new password is set and you are signed in.", "success")
            return redirect_after_post(_home_url(user))
    status = 422 if form.errors else 200
    return render_page("auth/reset_password.html", status=status, form=form, token=token)
