"""Form pieces shared by every feature."""

from __future__ import annotations

import secrets
import time
from functools import lru_cache
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length
from wtforms.widgets import CheckboxInput, FileInput, TextArea, TextInput
from wtforms.widgets.core import clean_key

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


def select_options(field) -> Markup:
    """The `<option>`s of a select, as a Jinja loop over `field.iter_choices()` draws them,
    in one Python pass: pickers of every staff member (150 at scale) cost a millisecond in
    a template loop. The usual (value, label) list is drawn once per distinct list and
    selection and then reused (the key is the whole list, so a renamed or new person is a
    new key, never a stale menu); any other shape of choices takes the plain path."""
    choices = field.choices
    if isinstance(choices, list | tuple):
        try:
            return _pair_options(tuple(choices), field.data, field.coerce)
        except (TypeError, ValueError):  # unhashable data, or a choice that is not a pair
            pass
    return _markup(_option(c.value, c.label, c.selected) for c in field.iter_choices())


@lru_cache(maxsize=256)
def _pair_options(choices: tuple, data, coerce) -> Markup:
    return _markup(_option(value, label, coerce(value) == data) for value, label in choices)


def _option(value, label, selected: bool) -> str:
    value = escape("" if value is None else value)
    return f'<option value="{value}"{" selected" if selected else ""}>{escape(label)}</option>'


def _markup(options) -> Markup:
    return Markup("".join(options))  # noqa: S704 - every value and label escaped in _option


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


def render_field(f, class_="", hint=None, typing=None, prefix=None, shortcut=None) -> Markup:
    """One way to draw a field (the `field` macro in templates/_macros/forms.html): label,
    hint, error tied to the input for screen readers. Drawn here rather than in Jinja, where
    the same steps cost about 70 us a field, a millisecond on a request page of 14 fields.
    `prefix` keeps ids unique when one page holds several forms with the same field names."""
    fid = f"{prefix}-{f.id}" if prefix else f.id
    described = hint or f.description
    errors = f.errors
    describedby = []
    if described:
        describedby.append(f"{fid}-hint")
    if errors:
        describedby.append(f"{fid}-error")
    parts = [f'<div class="field {escape(class_)} {"field-invalid" if errors else ""}">']
    label = escape(f.label.text)
    if f.type == "BooleanField":
        extra = {"aria-describedby": " ".join(describedby)} if describedby else {}
        parts.append(f'<label class="check">{draw_widget(f, {"id": fid, **extra})} {label}</label>')
    else:
        parts.append(f'<label class="label" for="{escape(fid)}">{label}</label>')
    if described:
        parts.append(f'<p class="hint" id="{escape(fid)}-hint">{escape(described)}</p>')
    if f.type != "BooleanField":
        attrs = {"aria-invalid": "true" if errors else "false", "id": fid}
        if describedby:
            attrs["aria-describedby"] = " ".join(describedby)
        if f.flags.required:
            attrs["required"] = "required"
        if shortcut and shortcuts_on():
            attrs["aria-keyshortcuts"] = shortcut
        if typing:
            attrs.update({"hx-post": typing, **TYPING_ATTRS})
        if f.type == "SelectField":
            parts.append(plain_select(f, attrs=attrs))
        else:
            parts.append(draw_widget(f, {"class": "input", **attrs}))
    if errors:
        message = " ".join(str(escape(e)) for e in errors)
        parts.append(
            f'<p class="error" id="{escape(fid)}-error"><span aria-hidden="true">⚠</span> '
            f"{message}</p>"
        )
    parts.append("</div>")
    return Markup("\n".join(parts))  # noqa: S704 - every value escaped above or by WTForms


def plain_select(f, class_="input", attrs=None) -> Markup:
    """A select without WTForms' widget (see `select_options`); the `plain_select` macro."""
    attrs = attrs or {"id": f.id}
    params = "".join(f' {escape(k)}="{escape(v)}"' for k, v in attrs.items() if v is not None)
    return Markup(  # noqa: S704 - the name and every attribute escaped just above
        f'<select class="{escape(class_)}" name="{escape(f.name)}"{params}>'
        f"{select_options(f)}</select>"
    )


_FAST_WIDGETS = (TextInput, FileInput, CheckboxInput, TextArea)


def draw_widget(f, attrs: dict) -> str:
    """`str(f(**attrs))`, the same markup, for the widgets most forms use (text, file,
    checkbox, textarea): WTForms formats each attribute through `Markup.format`, a third of
    a request page's template time. Any other widget, or a case these steps do not
    mirror, is drawn by WTForms itself; tests/test_forms.py compares the two for every
    field of every form."""
    widget = f.widget
    kind = type(widget)
    if kind not in _FAST_WIDGETS or getattr(f, "_datalist", None) is not None:
        return str(f(**attrs))
    # As DefaultMeta.render_field: the field's render_kw under the call's own attributes.
    kw = {clean_key(k): v for k, v in attrs.items()}
    if f.render_kw is not None:
        kw = dict({clean_key(k): v for k, v in f.render_kw.items()}, **kw)
    if "name" in kw:
        return str(f(**attrs))
    flags = vars(f.flags)
    kw.setdefault("id", f.id)
    if kind is TextArea:
        for k in widget.validation_attrs:
            if k in flags and k not in kw:
                kw[k] = flags[k]
        return f"<textarea {_params(name=f.name, **kw)}>\r\n{escape(f._value())}</textarea>"
    if kind is CheckboxInput and getattr(f, "checked", f.data):
        kw.setdefault("checked", True)
    if kind is FileInput:
        kw["value"] = False
        if widget.multiple:
            kw["multiple"] = True
    kw.setdefault("type", widget.input_type)
    if "value" not in kw:
        kw["value"] = f._value()
    for k in widget.validation_attrs:
        if k in flags and k not in kw:
            value = flags[k]
            kw[k] = value() if callable(value) else value
    return f"<input {_params(name=f.name, **kw)}>"


def _params(**kwargs) -> str:
    """wtforms.widgets.html_params, with plain string formatting."""
    params = []
    for k, v in sorted(kwargs.items()):
        k = clean_key(k)
        if v is True:
            params.append(str(escape(k)))
        elif v is not False:
            params.append(f'{escape(k)}="{str(escape(v)).replace(chr(34), "&quot;")}"')
    return " ".join(params)
