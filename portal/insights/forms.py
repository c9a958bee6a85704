from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    MonthField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..domain.insights import add_months
from ..forms import clean_text
from ..models import DIRECTIONS, PERIOD_KINDS, utcnow


# A goal runs from this month for a year unless the coach says otherwise: blank months made
# the first "Set goal" fail with "Give the first month".
def this_month() -> date:
    return utcnow().date().replace(day=1)


def a_year_on() -> date:
    return add_months(this_month(), 11)


class GoalForm(FlaskForm):
    measure = SelectField("Measure", validators=[InputRequired("Choose a measure.")])
    dimension = SelectField(
        "Dimension (satisfaction gap only)",
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
    )
    direction = SelectField("The goal is", choices=list(DIRECTIONS.items()))
    target = DecimalField(
        "Target",
        places=None,
        validators=[InputRequired("Give the goal a target.")],
        description="In the measure's unit: a percentage, hours, a score…",
    )
    period_kind = RadioField(
        "Checked",
        choices=list(PERIOD_KINDS.items()),
        default="month",
        validators=[InputRequired("Choose monthly or quarterly.")],
    )
    first = MonthField(
        "From", default=this_month, validators=[InputRequired("Give the first month.")]
    )
    last = MonthField(
        "Until", default=a_year_on, validators=[InputRequired("Give the last month.")]
    )


class SendSurveyForm(FlaskForm):
    account = SelectField("Account", coerce=int, validators=[InputRequired("Choose an account.")])


class CheckForm(FlaskForm):
    answered_question = BooleanField("Answered the actual question")
    correct = BooleanField("Correct and complete")
    kept_informed = BooleanField("Kept the customer informed")
    tone = BooleanField("Tone: friendly, plain, respectful")
    note = TextAreaField(
        "Note for the member",
        validators=[Length(max=2000, message="Use at most 2,000 characters.")],
        filters=[clean_text],
    )


def check_form(points, **kwargs) -> CheckForm:
    """The check form for a team: the fixed checklist, one box per worst-rated dimension
    (internal_checks.Point), and which of those it asked, so a post answering an older
    checklist is told instead of recorded."""

    class TeamCheckForm(CheckForm):
        asked = HiddenField(default=",".join(str(p.dimension_id) for p in points))

    for point in points:
        setattr(TeamCheckForm, point.field, BooleanField(point.label))
    return TeamCheckForm(**kwargs)


class DimensionForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Give the dimension a name."), Length(max=60)],
        filters=[clean_text],
    )
    description = StringField(
        "What it means to a customer", validators=[Length(max=300)], filters=[clean_text]
    )
    active = BooleanField("Asked in new surveys", default=True)


class ActionForm(FlaskForm):
    about = SelectField("About", validators=[DataRequired("Choose what it is about.")])
    title = StringField(
        "What we will do",
        validators=[
            DataRequired("Say what will be done."),
            Length(max=300, message="At most 300 characters."),
        ],
        filters=[clean_text],
    )
    owner = SelectField("Owner", coerce=int, validators=[DataRequired("Choose an owner.")])
    due_on = DateField("Due", validators=[DataRequired("Choose a due date.")])


class CloseActionForm(FlaskForm):
    outcome = TextAreaField(
        "What came of it",
        validators=[
            DataRequired("Say what came of it: the next review reads it."),
            Length(max=2000, message="At most 2,000 characters."),
        ],
        filters=[clean_text],
    )


# --- skills, cross-training, members' targets ----------------------------------------------


def _id_or_none(value):
    """A chosen row id; blank is None. Anything else that is not a number is WTForms'
    "could not coerce" error (a form error, never a 500)."""
    return int(value) if value not in (None, "", "None") else None


LEVEL_WORDS = [(1, "1 · Learning"), (2, "2 · Capable"), (3, "3 · Expert")]


class SetSkillForm(FlaskForm):
    member = SelectField(
        "Member", coerce=_id_or_none, validators=[InputRequired("Choose a member.")]
    )
    function = SelectField(
        "Function", coerce=_id_or_none, validators=[InputRequired("Choose a function.")]
    )
    level = SelectField(
        "Level",
        coerce=_id_or_none,
        choices=[("", "No skill (remove)"), *LEVEL_WORDS],
        default=2,
        validators=[Optional()],
    )


class LearningForm(FlaskForm):
    member = SelectField(
        "Member", coerce=_id_or_none, validators=[InputRequired("Choose a member.")]
    )
    function = SelectField(
        "Function", coerce=_id_or_none, validators=[InputRequired("Choose a function.")]
    )
    target_level = SelectField(
        "Target level",
        coerce=_id_or_none,
        choices=LEVEL_WORDS,
        default=2,
        validators=[InputRequired("Choose a target level.")],
    )
    target_on = DateField("By", validators=[InputRequired("Choose a target date.")])
    note = StringField(
        "Note",
        validators=[Length(max=500, message="At most 500 characters.")],
        filters=[clean_text],
        description="How they will learn it: shadowing, a course, who coaches them.",
    )


class TargetForm(FlaskForm):
    measure = SelectField("Measure", validators=[InputRequired("Choose a measure.")])
    direction = SelectField("The target is", choices=list(DIRECTIONS.items()))
    target = DecimalField(
        "Target", places=None, validators=[InputRequired("Give the target a value.")]
    )
    period_kind = RadioField(
        "For",
        choices=[("month", "A month"), ("quarter", "A quarter")],
        default="month",
        validators=[InputRequired("Choose a month or a quarter.")],
    )
    month = MonthField(
        "Month (or a month of the quarter)",
        default=this_month,
        validators=[InputRequired("Give the month.")],
    )
    note = StringField(
        "Note",
        validators=[Length(max=500, message="At most 500 characters.")],
        filters=[clean_text],
    )
