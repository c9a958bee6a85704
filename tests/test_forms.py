"""Fields drawn without WTForms' widgets (portal/forms.py) give exactly WTForms' markup."""

import importlib
import pkgutil
from datetime import UTC

import pytest
from flask import current_app, url_for
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

import portal
from portal.forms import _FAST_WIDGETS, display_form, draw_widget, plain_select, select_options

HOSTILE = "\"><script>alert(1)</script>&amp; ' {{7*7}}"
ATTRS = [
    {},
    {"class": "input", "aria-invalid": "false", "id": "reply-body"},
    {
        "class": "input",
        "aria-invalid": "true",
        "id": "x-body",
        "aria-describedby": "x-body-hint x-body-error",
        "required": "required",
        "aria-keyshortcuts": "r",
        "hx-post": "/teams/1/requests/2/here?a=1&b=2",
        "hx-trigger": "input changed throttle:5s",
        "hx-vals": '{"state": "typing"}',
        "hx-swap": "none",
        "hx-params": "csrf_token,state",
    },
    {"id": HOSTILE, "placeholder": HOSTILE, "data_thing": "x", "disabled": True, "x": False},
]


def _form_classes():
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("portal.") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


FORMS = _form_classes()


def _forms(form_class):
    yield form_class(formdata=None)
    # Posted values, hostile ones included, and every checkbox ticked.
    fields = form_class(formdata=None)
    posted = MultiDict({f.name: HOSTILE for f in fields if f.type != "BooleanField"})
    posted.update({f.name: "y" for f in fields if f.type == "BooleanField"})
    yield form_class(formdata=posted)


def test_the_fast_widgets_cover_most_fields(app):
    fields = [f for c in FORMS for f in c(formdata=None)]
    fast = [f for f in fields if type(f.widget) in _FAST_WIDGETS]
    assert len(FORMS) > 40 and len(fast) > 40


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_field_draws_as_wtforms_draws_it(app, form_class):
    for form in _forms(form_class):
        for f in form:
            if type(f.widget) not in _FAST_WIDGETS:
                continue
            for attrs in ATTRS:
                assert draw_widget(f, dict(attrs)) == str(f(**attrs)), (f.name, attrs)
        assert hidden_fields(form) == form.hidden_tag().replace("\n", "")


def hidden_fields(form) -> str:
    macros = current_app.jinja_env.get_template("_macros/forms.html").module
    return str(macros.hidden_fields(form))


def test_select_options_are_the_choices_wtforms_marks():
    from wtforms import Form, SelectField

    class Picker(Form):
        who = SelectField(coerce=lambda v: None if v in ("", None) else int(v))
        what = SelectField(choices=[("a", "A & B", {}), ("c", HOSTILE, {})])

    form = Picker(data={"who": 2, "what": "c"})
    form.who.choices = [("", "Nobody"), (1, "Ann <a>"), (2, "Bo")]
    expected = "".join(
        f'<option value="{"" if c.value is None else c.value}"'
        f"{' selected' if c.selected else ''}>{c.label}</option>"
        for c in form.who.iter_choices()
    )
    assert str(select_options(form.who)) == expected.replace("<a>", "&lt;a&gt;")
    assert select_options(form.who) == select_options(form.who)  # drawn once, then reused
    form.who.choices = [*form.who.choices[:2], (2, "Bo renamed")]
    assert "Bo renamed</option>" in select_options(form.who)  # a new list, a new menu
    form.who.data = 1
    assert '<option value="1" selected>' in select_options(form.who)
    assert '<option value="2">' in select_options(form.who)
    # Choices that are not (value, label) pairs take the plain path, escaped all the same.
    drawn = str(plain_select(form.what, attrs={"id": 'x"y'}))
    assert drawn.startswith('<select class="input" name="what" id="x&#34;y">')
    assert "&lt;script&gt;" in drawn and "<script>" not in drawn
    assert '<option value="c" selected>' in drawn


@pytest.mark.parametrize("csrf_on", [True, False])
@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_a_display_form_draws_the_hidden_fields_the_full_form_draws(app, form_class, csrf_on):
    """`display_form` leaves the CSRF field out and `hidden_fields` draws its token: the
    same markup, with CSRF on or off, and the same value csrf_token() gives the page."""
    app.config["WTF_CSRF_ENABLED"] = csrf_on
    full, shown = form_class(formdata=None), display_form(form_class)
    assert hidden_fields(shown) == hidden_fields(full) == full.hidden_tag().replace("\n", "")
    assert "csrf_token" not in shown._fields  # nothing to validate: never posted to
    assert ("csrf_token" in hidden_fields(shown)) is ("csrf_token" in full._fields)


def test_when_draws_the_markup_its_jinja_version_drew(app):
    """The `when` macro is drawn by portal/drawn.py `time_tag`; the same markup as the
    Jinja it replaced, for aware and naive moments."""
    from datetime import datetime

    old = current_app.jinja_env.from_string(
        "<time datetime=\"{{ m.isoformat() }}\">{{ m.strftime('%d %b %Y, %H:%M') }} UTC</time>"
    )
    when = current_app.jinja_env.get_template("_macros/ui.html").module.when
    for moment in (datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC), datetime(2026, 12, 1)):
        assert str(when(moment)) == old.render(m=moment)


def test_a_session_keeps_one_signed_csrf_token_and_it_is_accepted(app, client, world, login_as):
    from tests.auth.helpers import csrf_token

    login_as(world.member_x)
    first = csrf_token(client, url_for("auth.profile"))
    assert csrf_token(client, url_for("auth.profile")) == first  # remembered, not re-signed
    other = app.test_client()
    login_as(world.member_y, on=other)
    assert csrf_token(other, url_for("auth.profile")) != first
    saved = client.post(
        url_for("auth.shortcuts"), data={"csrf_token": first, "on": "1", "next": ""}
    )
    assert saved.status_code == 303
