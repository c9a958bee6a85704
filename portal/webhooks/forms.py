from flask import current_app
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import clean_text
from ..models import WEBHOOK_EVENTS
from . import targets
from .targets import MAX_URL


class EventsField(SelectMultipleField):
    """One checkbox per event type (WTForms' documented multi-checkbox recipe)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField(
        "URL",
        validators=[
            DataRequired("Give the address to send to."),
            Length(max=MAX_URL, message=f"At most {MAX_URL} characters."),
        ],
        filters=[clean_text],
        description="Where Onestop posts each event, e.g. https://crm.example.com/hooks/onestop",
    )
    description = StringField(
        "Description",
        validators=[Length(max=200, message="At most 200 characters.")],
        filters=[clean_text],
        description="Optional: what receives it, for the team.",
    )
    events = EventsField(
        "Events",
        choices=list(WEBHOOK_EVENTS.items()),
        validators=[DataRequired("Choose at least one event to send.")],
    )

    def validate_url(self, field):
        """Said beside the field with any other error; the service checks it again."""
        try:
            targets.check_url(field.data, current_app.config["WEBHOOK_ALLOW_LOOPBACK"])
        except targets.TargetError as error:
            raise ValidationError(str(error)) from None
