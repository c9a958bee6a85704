from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import clean_text
from ..models import utcnow

ACCESS = [("read", "Read only"), ("write", "Read and write")]
# How long a new token lasts; "never" is there for integrations that cannot rotate.
LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("365", "One year"), ("never", "No expiry")]


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Say what uses it."), Length(max=60, message="At most 60.")],
        filters=[clean_text],
        description="What uses it, e.g. “CRM sync”: shown beside everything it does.",
    )
    access = RadioField("Access", choices=ACCESS, default="read")
    lifetime = SelectField("Expires", choices=LIFETIMES, default="90")

    def expires_at(self):
        if self.lifetime.data == "never":
            return None
        return utcnow() + timedelta(days=int(self.lifetime.data))


class PersonalTokenForm(TokenForm):
    account = SelectField("Account", coerce=int)
