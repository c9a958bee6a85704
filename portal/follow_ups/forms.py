from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length

from ..domain.follow_ups import OUTCOME_MAX
from ..forms import clean_text

# Where a close form was sent from, so the answer is that page: a word, never a URL.
BACK_TO = ("account", "list")


class CloseFollowUpForm(FlaskForm):
    outcome = TextAreaField(
        "What came of it",
        validators=[Length(max=OUTCOME_MAX, message="At most 2,000 characters.")],
        filters=[clean_text],
        description="Who you spoke to and what you agreed. The account keeps it.",
    )
    back = HiddenField(default="account", validators=[AnyOf(BACK_TO)])


class NamedMemberForm(FlaskForm):
    member = SelectField(
        "Named member",
        coerce=int,
        validators=[InputRequired("Choose a member, or No named member.")],
        # The service checks membership and says why (a member of another team, say).
        validate_choice=False,
        description="The person this customer knows by name: owns its follow-ups and is "
        "shown first on the customer's team page.",
    )
