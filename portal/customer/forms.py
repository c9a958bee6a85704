from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from ..forms import clean_text
from ..models import FEEDBACK_KINDS, SCORES, URGENCIES
from ..requests.files import ACCEPT

OTHER = "other"


class RaiseRequestForm(FlaskForm):
    account = SelectField("For which account?", coerce=int)
    about = RadioField("What is it about?", validators=[InputRequired("Choose what it is about.")])
    subject = StringField(
        "In a few words",
        validators=[
            DataRequired("Give your request a short title."),
            Length(max=200, message="Use at most 200 characters."),
        ],
        filters=[clean_text],
        description="For example: Invoice 4471 charges the old price",
    )
    description = TextAreaField(
        "Tell us more",
        validators=[
            DataRequired("Describe what you need."),
            Length(max=20000, message="Use at most 20,000 characters."),
        ],
        filters=[clean_text],
        description="Plain words are best. You can use **bold**, lists and links.",
    )
    urgency = RadioField(
        "How much does this affect you?",
        choices=list(URGENCIES.items()),
        default="normal",
        validators=[InputRequired("Say how much this affects you.")],
    )
    expected_by = DateField(
        "By when do you need this? (optional)",
        validators=[Optional()],
        description="We use this to check we met your expectation.",
    )
    expected_outcome = TextAreaField(
        "What would a good outcome be? (optional)",
        validators=[Optional(), Length(max=1000, message="Use at most 1,000 characters.")],
        filters=[clean_text],
    )
    attachments = MultipleFileField(
        "Attach files (optional)",
        description="Up to 5 files: PDF, pictures, text, spreadsheets or documents, 8 MB each.",
        render_kw={"accept": ACCEPT},
    )
    idempotency_key = HiddenField(
        validators=[InputRequired(), Regexp(r"^[0-9a-f]{32}$", message="Reload the form.")]
    )

    def validate_expected_by(self, field):
        if field.data and field.data < date.today():
            raise ValidationError("Choose today or a later date.")


class ReplyForm(FlaskForm):
    body = TextAreaField(
        "Your reply",
        validators=[
            DataRequired("Write your reply first."),
            Length(max=20000, message="Use at most 20,000 characters."),
        ],
        filters=[clean_text],
    )
    attachments = MultipleFileField("Attach files (optional)", render_kw={"accept": ACCEPT})


class RequestFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    show = SelectField(
        "Show",
        choices=[("open", "Open requests"), ("closed", "Resolved and closed"), ("all", "All")],
        default="open",
        validators=[Optional()],
    )
    q = StringField("Search", validators=[Optional(), Length(max=200)], filters=[clean_text])


class RatingForm(FlaskForm):
    score = RadioField(
        "How did we do?",
        choices=[(str(n), f"{n}: {label}") for n, label in SCORES.items()],
        validators=[InputRequired("Choose a rating from 1 to 5.")],
    )
    comment = TextAreaField(
        "Anything to add? (optional)",
        validators=[Optional(), Length(max=2000, message="Use at most 2,000 characters.")],
        filters=[clean_text],
    )


class FeedbackForm(FlaskForm):
    account = SelectField("About your account", coerce=int)
    kind = RadioField(
        "What would you like to tell us?",
        choices=list(FEEDBACK_KINDS.items()),
        validators=[InputRequired("Choose praise, a complaint or an idea.")],
    )
    body = TextAreaField(
        "Your words",
        validators=[
            DataRequired("Write your feedback first."),
            Length(max=4000, message="Use at most 4,000 characters."),
        ],
        filters=[clean_text],
    )
