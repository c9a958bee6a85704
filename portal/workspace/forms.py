from flask_wtf import FlaskForm
from wtforms import RadioField

from ..forms import email_field, name_field


class InviteContactForm(FlaskForm):
    name = name_field("Contact's name")
    email = email_field("Contact's email")


class RoutingForm(FlaskForm):
    automatic_routing = RadioField(
        "How new requests reach people",
        choices=[
            ("auto", "Automatically: the best-skilled member with the lightest load"),
            ("manual", "By claim: new requests wait in Unassigned"),
        ],
    )
