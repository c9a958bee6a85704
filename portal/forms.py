"""Form pieces shared by every feature."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.core import Label
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from .domain.time_zones import is_zone, zone_choices


class EmptyForm(FlaskForm):
    """A button-only post: carries the CSRF token and nothing else."""


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


def zone_field(label: str = "Time zone", description: str = "", blank: str = "") -> SelectField:
    """A time zone picker (never free text), grouped by region with today's offsets.
    `blank`: the words for "no zone of its own" (posted as ""), when that is allowed."""

    def choices():
        groups = dict(zone_choices(datetime.now(UTC)))
        return {"Default": [("", blank)], **groups} if blank else groups

    return SelectField(
        label,
        # Not left out: a post without it would take the default.
        validators=[] if blank else [InputRequired("Choose a time zone from the list.")],
        choices=choices,
        default="" if blank else "Europe/London",
        description=description,
        invalid_choice_message="Choose a time zone from the list.",
    )


def offer_zone(field: SelectField, current: str | None) -> None:
    """Keep a stored zone the picker does not list (an older alias such as US/Eastern, which
    the team form once took as typed) on offer: a form saved for another reason must not
    move it, and "keep" must be possible."""
    if current and not is_zone(current):
        field.choices = {**dict(field.choices), "Current": [(current, current)]}


def form_error(form, error, default: str) -> None:
    """Show a service's refusal (an error with an optional `field`) next to the field it is
    about, or `default`."""
    name = error.field if error.field and error.field in form else default
    form[name].errors.append(str(error))


def prefix_ids(form, prefix: str):
    """Give a form's inputs ids of their own when another form on the page has the same
    field names (ids must be unique; the names posted stay the same)."""
    for f in form:
        f.id = f"{prefix}-{f.name}"
        f.label = Label(f.id, f.label.text)
    return form


def safe_next(target: str | None) -> str | None:
    """A `next` value is followed only when it is a path on this site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def query_args(*drop: str, args=None) -> dict[str, str]:
    """The request's query arguments (or `args`), safe to pass on to url_for: without
    `drop`, and without url_for's own keywords (_external, _scheme, _anchor...), which
    would otherwise let a crafted link build a URL on another host."""
    from flask import request

    return {
        key: value
        for key, value in (request.args if args is None else args).items()
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
