from flask_wtf import FlaskForm

from ..forms import email_field, name_field


class InviteContactForm(FlaskForm):
    name = name_field("Contact's name")
    email = email_field("Contact's email")
