"""The forms of the team's mail page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import clean_text, name_field


class AttachForm(FlaskForm):
    contact = SelectField(
        "Whose mail is it?", coerce=int, validators=[InputRequired("Choose the contact.")]
    )
    reference = StringField(
        "Add it to a request (optional)",
        validators=[Optional(), Length(max=20, message="A reference looks like R-1042.")],
        filters=[clean_text],
        description="Leave empty to raise a new request; give a reference like R-1042 to add "
        "the mail to it as the contact's reply.",
    )

    def with_contacts(self, choices) -> AttachForm:
        self.contact.choices = choices  # requests.contacts.choices: grouped by account
        return self


class InviteForm(FlaskForm):
    account = SelectField(
        "To which account?", coerce=int, validators=[InputRequired("Choose the account.")]
    )
    name = name_field("Their name")

    def with_accounts(self, accounts) -> InviteForm:
        self.account.choices = [(account.id, account.name) for account in accounts]
        return self
