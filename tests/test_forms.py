"""The `field` macro (templates/_macros/forms.html) draws every field of every form so a
screen reader can use it: a label tied to the input, the hint and the errors announced with
it, the input marked invalid, and whatever was typed escaped."""

import importlib
import pkgutil
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from flask import current_app, url_for
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

import portal
from portal.extensions import db
from portal.forms import TYPING_ATTRS
from tests import factories

HOSTILE = "\"><script>alert(1)</script>&amp; ' {{7*7}}"


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


class _Elements(HTMLParser):
    """Every element of a piece of markup, as (tag, attributes), and its text."""

    def __init__(self, markup):
        super().__init__()
        self.elements, self.text = [], []
        self.feed(str(markup))

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def by_id(self, id_):
        found = [a for _, a in self.elements if a.get("id") == id_]
        assert len(found) == 1, (id_, self.elements)
        return found[0]


def _field(f, **kwargs):
    macros = current_app.jinja_env.get_template("_macros/forms.html").module
    return str(macros.field(f, **kwargs))


def _posted(form_class):
    """The form bound to hostile values, validated so that it carries errors."""
    fields = form_class(formdata=None, meta={"csrf": False})
    posted = MultiDict({f.name: HOSTILE for f in fields if f.type != "BooleanField"})
    posted.update({f.name: "y" for f in fields if f.type == "BooleanField"})
    form = form_class(formdata=posted, meta={"csrf": False})
    for f in form:
        if getattr(f, "choices", None) is None and hasattr(f, "choices"):
            f.choices = [("1", HOSTILE)]
    form.validate()
    return form


def _drawn_fields(form):
    return [f for f in form if f.type not in ("HiddenField", "CSRFTokenField")]


def test_every_form_has_fields_to_draw(app):
    assert len(FORMS) > 40
    assert sum(len(_drawn_fields(c(formdata=None))) for c in FORMS) > 100


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_field_is_labelled_described_and_escaped(app, form_class):
    form = _posted(form_class)
    for f in _drawn_fields(form):
        if not f.errors:  # a value this field accepts: an error all the same
            f.errors = ["Not like this & <b>not</b> now."]
        drawn = _field(f, hint="A hint with <b>markup</b>", prefix="p")
        assert "<script>" not in drawn and "<b>" not in drawn, f.name
        page = _Elements(drawn)
        fid = f"p-{f.id}"
        control = page.by_id(fid)
        controls = ("input", "select", "textarea")
        names = {a.get("name") for tag, a in page.elements if tag in controls}
        assert names == {f.name}  # a radio list: each of its inputs
        hint, error = page.by_id(f"{fid}-hint"), page.by_id(f"{fid}-error")
        assert (hint, error) and control["aria-describedby"] == f"{fid}-hint {fid}-error"
        labels = [a for tag, a in page.elements if tag == "label"]
        if f.type == "BooleanField":  # the label wraps its checkbox
            assert page.elements[1][0] == "label" and page.elements[2][1] is control
        else:
            assert labels[0]["for"] == fid  # then a radio list's label for each choice
            assert all(page.by_id(label["for"]) for label in labels)
            assert control["aria-invalid"] == "true"
            assert ("required" in control) is bool(f.flags.required)
        text = "".join(page.text)
        assert str(f.label.text) in text and "A hint with <b>markup</b>" in text
        assert " ".join(f.errors) in text


def test_a_field_without_hint_or_error_describes_nothing(app):
    from portal.auth.forms import SignInForm

    page = _Elements(_field(SignInForm(formdata=None).email))
    control = page.by_id("email")
    assert control["aria-invalid"] == "false" and "aria-describedby" not in control
    assert [a["for"] for tag, a in page.elements if tag == "label"] == ["email"]
    assert "required" in control and control["type"] == "email"


def test_a_posted_value_is_shown_back_escaped(app):
    from portal.auth.forms import SignInForm

    form = SignInForm(formdata=MultiDict({"email": HOSTILE}), meta={"csrf": False})
    form.validate()
    drawn = _field(form.email)
    assert "<script>" not in drawn
    page = _Elements(drawn)
    assert page.by_id("email")["value"] == HOSTILE
    assert page.by_id("email")["aria-invalid"] == "true"
    assert page.by_id("email")["aria-describedby"] == "email-error"
    assert page.by_id("email-error")


def test_a_typing_field_tells_teammates_and_shortcuts_are_declared_only_when_on(app, world):
    from portal.inbox.forms import ReplyForm

    form = ReplyForm(formdata=None)
    control = _Elements(_field(form.body, typing="/here?a=1&b=2", prefix="reply", shortcut="r"))
    body = control.by_id("reply-body")
    assert body["hx-post"] == "/here?a=1&b=2"
    assert {k: body[k] for k in TYPING_ATTRS} == TYPING_ATTRS
    assert "aria-keyshortcuts" not in body  # nobody signed in: shortcuts off


def test_a_select_marks_the_chosen_option_and_escapes_labels(app):
    from portal.inbox.forms import AssignForm

    form = AssignForm(formdata=None, assignee=2)
    form.assignee.choices = [("", "Nobody"), (1, "Ann <a>"), (2, "Bo")]
    drawn = _field(form.assignee, prefix="assign")
    assert "Ann &lt;a&gt;" in drawn and "<a>" not in drawn
    options = [a for tag, a in _Elements(drawn).elements if tag == "option"]
    assert [o["value"] for o in options] == ["", "1", "2"]
    assert ["selected" in o for o in options] == [False, False, True]


def test_the_request_page_declares_shortcuts_on_its_fields_only_when_turned_on(
    client, world, login_as
):
    item = factories.make_request(world.account_a, world.contact_a, status="open")
    db.session.commit()
    login_as(world.member_x)
    url = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
    page = _Elements(client.get(url).text)
    assert "aria-keyshortcuts" not in page.by_id("reply-body")
    world.member_x.keyboard_shortcuts = True
    db.session.commit()
    page = _Elements(client.get(url).text)
    assert page.by_id("reply-body")["aria-keyshortcuts"] == "r"
    assert page.by_id("note-body")["aria-keyshortcuts"] == "n"
    # Several forms on one page, each field's id once.
    ids = [a["id"] for tag, a in page.elements if "id" in a and tag not in ("input",)]
    assert len(ids) == len(set(ids))


def test_when_is_a_machine_readable_time(app):
    when = current_app.jinja_env.get_template("_macros/ui.html").module.when
    for moment in (datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC), datetime(2026, 12, 1)):
        shown = f"{moment.day} {moment:%b %Y, %H:%M} UTC"
        assert str(when(moment)) == f'<time datetime="{moment.isoformat()}">{shown}</time>'


def test_a_sessions_csrf_token_is_accepted_and_anothers_is_not(app, client, world, login_as):
    from tests.auth.helpers import csrf_token

    login_as(world.member_x)
    mine = csrf_token(client, url_for("auth.profile"))
    other = app.test_client()
    login_as(world.member_y, on=other)
    theirs = csrf_token(other, url_for("auth.profile"))
    refused = client.post(url_for("auth.shortcuts"), data={"csrf_token": theirs, "on": "1"})
    assert refused.status_code == 400
    saved = client.post(url_for("auth.shortcuts"), data={"csrf_token": mine, "on": "1", "next": ""})
    assert saved.status_code == 303
