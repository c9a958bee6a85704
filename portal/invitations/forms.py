from flask_wtf import FlaskForm

from ..forms import name_field, new_password_fields


class AcceptInvitationForm(FlaskForm):
    name = name_field("Your name")
    password, confirm = new_password_fields()
