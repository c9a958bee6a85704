from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import clean_text

DECISION_CHOICES = [
    ("adopted", "Adopt: the latest version becomes how we work"),
    ("revised", "Revise: change it and open a new round"),
    ("withdrawn", "Withdraw: we will not go ahead"),
]


def _text(label, max_length, required=False, **kwargs):
    validators = [Length(max=max_length, message=f"Use at most {max_length:,} characters.")]
    if required:
        validators.insert(0, DataRequired(kwargs.pop("message", "This is needed.")))
    return TextAreaField(label, validators=validators, filters=[clean_text], **kwargs)


class ProcedureForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[
            DataRequired("Give the procedure a title."),
            Length(max=160, message="Use at most 160 characters."),
        ],
        filters=[clean_text],
        description="For example: Returns collected within two working days",
    )
    function = SelectField("Function it concerns", coerce=int)
    summary = _text("Summary", 500, description="One or two sentences a customer understands.")
    customer_change = _text(
        "What it changes for the customer",
        5000,
        description="Steps saved, waiting time, channels: why a customer would prefer this.",
    )
    body = _text(
        "The procedure",
        50000,
        required=True,
        message="Write the procedure itself.",
        description="One step per line works best: changes are compared line by line. "
        "Markdown: **bold**, lists, links.",
    )


class OpenRoundForm(FlaskForm):
    closes_at = DateTimeLocalField(
        "Closes at",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Choose when the round closes.")],
        description="In the team's time zone.",
    )
    quorum_min = IntegerField(
        "Minimum number of stances (optional)",
        validators=[Optional(), NumberRange(min=0, max=10000, message="Use 0 to 10,000.")],
    )
    quorum_each_tier = BooleanField("Also need a stance from each tier in the group")


class CloseRoundForm(FlaskForm):
    """Closing a round early is two steps: the confirmation page posts `confirm=yes`; a post
    without it (an old page, a stray click) only leads to that page. No default: a default
    would stand in for a missing field and confirm what nobody confirmed."""

    confirm = HiddenField()


class AnswerForm(FlaskForm):
    body = _text("Your answer to the group", 5000, required=True, message="Write the answer.")


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision", choices=DECISION_CHOICES, validators=[InputRequired("Choose a decision.")]
    )
    statement = _text(
        "Statement to the group",
        5000,
        required=True,
        message="Write the decision statement the group will read.",
        description="What you decided and why, in words a customer understands.",
    )


class InviteForm(FlaskForm):
    contact = SelectField("Contact", coerce=int)


class AdoptForm(FlaskForm):
    team = SelectField("Copy into", coerce=int)


class LibraryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", filters=[clean_text], validators=[Optional(), Length(max=100)])
    function = SelectField("Function", coerce=int, validators=[Optional()], default=0)
    team = SelectField("Team", coerce=int, validators=[Optional()], default=0)
