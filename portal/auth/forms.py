from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import AnyOf, InputRequired

from ..forms import clean_text, email_field, new_password_fields, zone_field


class _EmailForm(FlaskForm):
    @staticmethod
    def filter_email(value):
        """Autofill and phone keyboards add spaces around an address; they are not part of it."""
        return clean_text(value)


class SignInForm(_EmailForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()


class ResetRequestForm(_EmailForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ShortcutsForm(FlaskForm):
    on = HiddenField(validators=[AnyOf(("0", "1"))])
    next = HiddenField()


class MailPreferencesForm(FlaskForm):
    receipts = BooleanField("Email me a receipt when I raise a request")


class TimeZoneForm(FlaskForm):
    timezone = zone_field(
        "Your time zone", "Every time in Onestop, and in its mail to you, is shown in it."
    )
    next = HiddenField()
