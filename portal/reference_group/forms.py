from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ..forms import clean_text


class StanceForm(FlaskForm):
    kind = RadioField(
        "Where do you stand?",
        choices=[
            ("support", "Support: this works for us"),
            ("concern", "Concern: it could work, but something worries us"),
            ("object", "Object: this would make things worse for us"),
        ],
        validators=[InputRequired("Choose support, concern or object.")],
    )
    reason = TextAreaField(
        "Why? (needed for a concern or an objection)",
        validators=[Length(max=5000, message="Use at most 5,000 characters.")],
        filters=[clean_text],
        description="The team answers every concern and objection, and tells you what it did.",
    )

    def validate_reason(self, field):
        if self.kind.data in ("concern", "object") and not field.data:
            word = "concern" if self.kind.data == "concern" else "objection"
            raise ValidationError(f"Tell the team the reason for your {word}: it has to answer it.")


class JoinForm(FlaskForm):
    account = IntegerField(validators=[InputRequired()])


class LeaveForm(FlaskForm):
    team = IntegerField(validators=[InputRequired()])
