from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import clean_text, name_field

MAX_NOTES = 20_000


def _text(label: str, max_length: int, required: str | None = None, **kwargs) -> StringField:
    validators = [Length(max=max_length, message=f"Use at most {max_length:,} characters.")]
    if required:
        validators.insert(0, DataRequired(required))
    return StringField(label, validators=validators, filters=[clean_text], **kwargs)


class KeyPersonForm(FlaskForm):
    name = name_field()
    role = _text(
        "Role",
        120,
        "Say what they do for the customer.",
        description="e.g. Head of purchasing, signs off credit",
    )
    email = StringField(
        "Email",
        validators=[
            Optional(),
            Length(max=254, message="An email address has at most 254 characters."),
            Email("Enter an email address like name@example.com.", check_deliverability=False),
        ],
        filters=[clean_text],
    )
    phone = _text("Phone", 40)
    note = _text("Worth knowing", 500, description="e.g. prefers a call before noon")


class MeetingForm(FlaskForm):
    held_on = DateField("Held on", validators=[DataRequired("Choose the day it was held.")])
    title = _text("Subject", 200, "Say what the meeting was about.")
    attendees = _text("Who took part", 500)
    notes = TextAreaField(
        "Notes",
        description="Markdown: what was said, decided and promised.",
        validators=[Length(max=MAX_NOTES, message=f"Use at most {MAX_NOTES:,} characters.")],
        filters=[clean_text],
    )


class PlanForm(FlaskForm):
    what = _text("What we agreed", 300, "Say what was agreed.")
    owner = SelectField("Owner", coerce=int, validators=[DataRequired("Choose an owner.")])
    due_on = DateField("Due", validators=[DataRequired("Choose a due date.")])
    meeting = SelectField("Agreed at", coerce=int, validators=[Optional()])


class ClosePlanForm(FlaskForm):
    status = RadioField(
        "How it ended",
        choices=[("done", "Done"), ("dropped", "Dropped")],
        default="done",
        validators=[DataRequired("Choose done or dropped.")],
    )
    outcome = TextAreaField(
        "What came of it",
        validators=[
            DataRequired("Say what came of it, or why it was dropped."),
            Length(max=2000, message="Use at most 2,000 characters."),
        ],
        filters=[clean_text],
    )
