"""Form pieces shared by every feature."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from .store import Store

# Signed CSRF tokens by the session's raw token: signing one (an HMAC and a timestamp) cost
# ~20 us of every signed-in page, and a page needs the same token its last page had.
_signed_tokens = Store(4096)


# Stands for the token in markup drawn once for every reader (portal/inbox/drawn_forms.py),
# replaced by each reader's own when served: random, so no drawn value can contain it.
CSRF_PLACEHOLDER = "csrf-" + secrets.token_hex(16)


def csrf_token() -> str:
    """`generate_csrf()`, the `csrf_token` template global: the session's token, signed,
    once a request (as Flask-WTF keeps it in `g`). With WTF_CSRF_TIME_LIMIT unset (ours:
    the token lives as long as the session) a token signed earlier validates exactly as a
    new one; with a limit set, one signed within the last minute is reused, so a token's
    life is at most a minute shorter."""
    from flask import g

    if g.get("csrf_placeholder"):
        return CSRF_PLACEHOLDER
    signed = g.get("csrf_signed")  # a page prints it many times
    if signed is None:
        signed = g.csrf_signed = _signed_token()
    return signed


def _signed_token() -> str:
    from flask import current_app, session
    from flask_wtf.csrf import generate_csrf

    raw = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if raw is None:
        return generate_csrf()  # the session's first: made and kept in the session
    limited = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None
    key = (current_app.secret_key, raw, int(time.time() // 60) if limited else None)
    return _signed_tokens.remembered(key, generate_csrf)


class EmptyForm(FlaskForm):
    """A button-only post: carries the CSRF token and nothing else."""


def display_form(form_class, **data):
    """A form built only to be drawn, never validated (the request page draws eight on
    every view): without its CSRF field, whose construction was about half the cost of a
    small form. `hidden_fields` draws the same token input from csrf_token() instead, when
    CSRF is on. A posted form is always built the ordinary way, so nothing it checks
    changes."""
    form = form_class(formdata=None, meta={"csrf": False}, **data)
    meta = type(form.meta)()  # the class's own settings, before the override above
    if meta.csrf:
        form.csrf_input = meta.csrf_field_name
    return form


def hidden_fields(form) -> Markup:
    """A form's hidden fields, the `hidden_fields` macro: the markup `form.hidden_tag()`
    gives, without its per-attribute formatting, and a display_form's token where its CSRF
    field would have drawn it (last). Drawn here: the Jinja loop cost ~10 us a form."""
    parts = [
        f'<input id="{escape(f.id)}" name="{escape(f.name)}" type="hidden" '
        f'value="{escape(f._value())}">'
        for f in form
        if getattr(f.widget, "input_type", None) == "hidden"
    ]
    name = getattr(form, "csrf_input", None)
    if name:
        parts.append(
            f'<input id="{escape(name)}" name="{escape(name)}" type="hidden" '
            f'value="{escape(csrf_token())}">'
        )
    return Markup("".join(parts))  # noqa: S704 - every value escaped just above


def clean_text(value):
    """Trim and drop NUL characters, which PostgreSQL refuses in text (a 500 otherwise)."""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    return value


def email_field(label: str = "Email") -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired("Enter an email address."),
            Length(max=254, message="An email address has at most 254 characters."),
            Email("Enter an email address like name@example.com.", check_deliverability=False),
        ],
        filters=[clean_text],  # autofill and phone keyboards add spaces
        render_kw={"autocomplete": "email"},
    )


def name_field(label: str = "Name", max_length: int = 120) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired("Enter a name."),
            Length(max=max_length, message=f"Use at most {max_length} characters."),
        ],
        filters=[clean_text],
    )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a password.")],
        description="At least 8 characters. A short sentence is easy to remember, hard to guess.",
        render_kw={"autocomplete": "new-password", "maxlength": 128},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            InputRequired("Repeat the password."),
            EqualTo("password", "The two passwords do not match."),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": 128},
    )
    return password, confirm


def safe_next(target: str | None) -> str | None:
    """A `next` value is followed only when it is a path on this site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def query_args(*drop: str) -> dict[str, str]:
    """The request's query arguments, safe to pass on to url_for: without `drop`, and
    without url_for's own keywords (_external, _scheme, _anchor...), which would otherwise
    let a crafted link build a URL on another host."""
    from flask import request

    return {
        key: value
        for key, value in request.args.items()
        if key not in drop and not key.startswith("_") and key not in ("team_id", "request_id")
    }


# Tell teammates someone is writing here (collision detection), at most every 5 s.
TYPING_ATTRS = {
    "hx-trigger": "input changed throttle:5s",
    "hx-vals": '{"state": "typing"}',
    "hx-swap": "none",
    "hx-params": "csrf_token,state",
}


def shortcuts_on() -> bool:
    """Whether this person turned the workspace's keyboard shortcuts on (a template global
    too): only then do fields declare their keys and pages load keys.js."""
    from flask_login import current_user

    return bool(current_user.is_authenticated and current_user.keyboard_shortcuts)
