from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from ..forms import clean_text, name_field
from ..models import STATUSES
from ..models.request import STAFF_STATUS, STAFF_URGENCY
from ..requests.files import ACCEPT
from ..web import MAX_ID
from .queries import VIEWS

STATUS_LABELS = STAFF_STATUS  # the team's words, as on every staff page


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


class InboxFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    view = SelectField("View", choices=list(VIEWS.items()), default="open")
    function = SelectField("Function", coerce=_optional_int, validators=[Optional()])
    tier = SelectField("Tier", coerce=_optional_int, validators=[Optional()])
    urgency = SelectField(
        "Urgency", choices=[("", "Any urgency"), *STAFF_URGENCY.items()], validators=[Optional()]
    )
    assignee = SelectField("Assignee", coerce=_optional_int, validators=[Optional()])
    # Five hundred accounts made a 23 KB menu on every inbox load: the account is typed
    # instead (any part of its name). A link can still narrow to one account by id.
    account = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, MAX_ID)])
    account_name = StringField(
        "Account", validators=[Optional(), Length(max=120)], filters=[clean_text]
    )
    status = SelectField(
        "Status",
        choices=[("", "Any status"), *((s, STATUS_LABELS[s]) for s in STATUSES)],
        validators=[Optional()],
    )
    q = StringField("Search", validators=[Optional(), Length(max=200)], filters=[clean_text])


class SaveViewForm(FlaskForm):
    name = name_field("Name this view", 60)
    # The inbox's filters as its query string; checked again like the inbox's own.
    query = HiddenField(validators=[Length(max=4000)])


class VersionedForm(FlaskForm):
    """Every change to a request says which version the person saw."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class ReplyForm(VersionedForm):
    body = TextAreaField(
        "Reply to the customer",
        validators=[
            DataRequired("Write the reply first."),
            Length(max=20000, message="Use at most 20,000 characters."),
        ],
        filters=[clean_text],
    )
    wait_for_customer = BooleanField("Ask and wait for the customer (stops the clock)")
    attachments = MultipleFileField("Attach files (optional)", render_kw={"accept": ACCEPT})


class NoteForm(VersionedForm):
    body = TextAreaField(
        "Internal note (the customer never sees it)",
        validators=[
            DataRequired("Write the note first."),
            Length(max=20000, message="Use at most 20,000 characters."),
        ],
        filters=[clean_text],
    )
    attachments = MultipleFileField(
        "Attach files (internal, optional)", render_kw={"accept": ACCEPT}
    )


def _status_field() -> SelectField:
    return SelectField(
        "Status",
        choices=[
            (s, STATUS_LABELS[s]) for s in ("open", "waiting_on_customer", "resolved", "closed")
        ],
    )


class StatusForm(VersionedForm):
    status = _status_field()


class AssignForm(VersionedForm):
    assignee = SelectField("Owner", coerce=_optional_int)


class PropertiesForm(VersionedForm):
    """The pane's properties, saved together (requests.services.update_properties)."""

    assignee = SelectField("Owner", coerce=_optional_int)
    status = _status_field()
    function = SelectField("Function", coerce=_optional_int)
    urgency = SelectField("Urgency", choices=list(STAFF_URGENCY.items()))


def _id_list(value) -> list[int]:
    """The page's ids as the rows list them ("52,98,…"); anything else is no id. At most a
    page and a bit: a crafted list cannot make the service read more."""
    ids = [int(part) for part in str(value or "").split(",") if part.isascii() and part.isdigit()]
    return [i for i in ids if i <= MAX_ID][:100]


class BulkForm(FlaskForm):
    # Which ids may be changed is decided by the service's scoped query, not by choices.
    ids = SelectMultipleField("Selected requests", coerce=int, choices=[], validate_choice=False)
    # "Every request on this page" works without JavaScript: the page lists its own ids.
    every = BooleanField("Every request on this page")
    page_ids = HiddenField(filters=[_id_list])
    assignee = SelectField("Assign to", coerce=_optional_int, validators=[Optional()])
    status = SelectField(
        "Set status",
        choices=[
            ("", "Keep status"),
            *((s, STATUS_LABELS[s]) for s in ("open", "waiting_on_customer", "resolved", "closed")),
        ],
        validators=[Optional()],
    )


class HandoffForm(FlaskForm):
    function = SelectField("Hand to function", coerce=int)
    owner = SelectField("Handoff owner", coerce=_optional_int, validators=[Optional()])
    what_is_needed = TextAreaField(
        "What is needed",
        validators=[
            DataRequired("Say what the other function should do."),
            Length(max=2000, message="Use at most 2,000 characters."),
        ],
        filters=[clean_text],
    )
    due_in_hours = SelectField(
        "Due within",
        coerce=int,
        choices=[
            (2, "2 business hours"),
            (4, "4 business hours"),
            (8, "1 business day"),
            (16, "2 business days"),
            (40, "1 business week"),
        ],
        default=8,
    )
    waits_for = SelectField(
        "Starts",
        coerce=_optional_int,
        validators=[Optional()],
        description="Delivery can wait for credit: its clock starts when that one is done.",
    )


class HandoffDoneForm(FlaskForm):
    outcome = TextAreaField(
        "Outcome",
        validators=[
            DataRequired("Say what was done."),
            Length(max=2000, message="Use at most 2,000 characters."),
        ],
        filters=[clean_text],
    )


class CannedReplyForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give it a title."), Length(max=80, message="At most 80.")],
        filters=[clean_text],
    )
    body = TextAreaField(
        "Reply text",
        validators=[
            DataRequired("Write the reply."),
            Length(max=20000, message="Use at most 20,000 characters."),
        ],
        filters=[clean_text],
        description="Placeholders: {customer}, {reference}, {me}, {team}, {account}.",
    )


class MergeForm(VersionedForm):
    into = StringField(
        "Merge this request into (reference)",
        validators=[DataRequired("Give the reference of the request to keep, like R-1042.")],
        filters=[clean_text],
        render_kw={"placeholder": "R-1042"},
    )


class LogRequestForm(FlaskForm):
    """A request a member takes down for a customer: a call, a visit, a forwarded mail."""

    contact = SelectField(
        "For whom?", coerce=int, validators=[InputRequired("Choose the customer.")]
    )
    channel = SelectField(
        "How did they reach you?",
        choices=[("phone", "Phone call"), ("visit", "In person"), ("email", "A mail sent to me")],
        default="phone",
        validators=[InputRequired("Choose how they reached you.")],
    )
    function = SelectField("Function", coerce=_optional_int, validators=[Optional()])
    urgency = SelectField("Urgency", choices=list(STAFF_URGENCY.items()), default="normal")
    subject = StringField(
        "Subject",
        validators=[
            DataRequired("Give the request a short title."),
            Length(max=200, message="Use at most 200 characters."),
        ],
        filters=[clean_text],
    )
    description = TextAreaField(
        "What they need, in their words",
        validators=[
            DataRequired("Write down what they asked for."),
            Length(max=20000, message="Use at most 20,000 characters."),
        ],
        filters=[clean_text],
    )
    # A double click or a retried post raises one request (raising.raise_request).
    idempotency_key = HiddenField(
        validators=[InputRequired(), Regexp(r"^[0-9a-f]{32}$", message="Reload the form.")]
    )
