from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import DateField, FloatField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..domain.economics_csv import MAX_BYTES, MAX_MONEY
from ..forms import clean_text


class EconomicsForm(FlaskForm):
    yearly_revenue = IntegerField(
        "Yearly revenue",
        validators=[Optional(), NumberRange(0, MAX_MONEY, "From 0 up, in whole units.")],
        description="What the account buys in a year, in whole units of your currency.",
    )
    gross_margin = FloatField(
        "Gross margin (%)",
        validators=[Optional(), NumberRange(-100, 100, "A percentage from -100 to 100.")],
    )
    order_volume = IntegerField(
        "Orders a year",
        validators=[Optional(), NumberRange(0, 10**9, "From 0 up.")],
    )
    customer_since = DateField("Customer since", validators=[Optional()])
    renewal_on = DateField(
        "Renewal date", validators=[Optional()], description="Optional: when the contract renews."
    )


class TierDecisionForm(FlaskForm):
    tier = SelectField("Tier", coerce=int, validators=[DataRequired("Choose a tier.")])
    reason = TextAreaField(
        "Reason",
        validators=[Length(max=1000, message="At most 1,000 characters.")],
        filters=[clean_text],
        description="Needed when you choose another tier than the rule suggests.",
    )


class ThresholdsForm(FlaskForm):
    """One tier's conditions; empty: the tier does not ask it."""

    min_gross_margin = FloatField(
        "Gross margin at least (%)",
        validators=[Optional(), NumberRange(-100, 100, "A percentage from -100 to 100.")],
    )
    min_years = IntegerField(
        "Years as a customer at least",
        validators=[Optional(), NumberRange(0, 200, "From 0 to 200.")],
    )
    min_revenue = IntegerField(
        "Yearly revenue at least",
        validators=[Optional(), NumberRange(0, MAX_MONEY, "From 0 up.")],
    )


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[
            FileAllowed(["csv", "txt"], "A .csv file, please."),
            FileSize(MAX_BYTES, message="At most 400 KB: split the file."),
        ],
        description="account, then any of yearly_revenue, gross_margin, order_volume, "
        "customer_since, renewal_on. An empty cell leaves that figure as it is.",
    )
    text = TextAreaField(
        "Or paste the rows",
        validators=[Length(max=MAX_BYTES, message="At most 400 KB: split it.")],
    )


class ApplyImportForm(FlaskForm):
    """The previewed file, sent back to be read again and saved."""

    text = HiddenField(validators=[DataRequired(), Length(max=MAX_BYTES)])
