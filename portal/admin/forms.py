"""Admin forms. Choices that come from the database are filled in by `queries.choices_*`."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    AnyOf,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .. import mail_threads
from ..domain.audit_words import SUBJECTS
from ..forms import clean_text, email_field, name_field, zone_field
from ..models import MEMBERSHIP_ROLES, SKILL_LEVELS
from ..web import filter_id
from .services import KEEP_REQUESTS, MOVE_REQUESTS

ROLE_CHOICES = [(role, role.capitalize()) for role in MEMBERSHIP_ROLES]
LEVEL_CHOICES = [(level, f"{level} · {word}") for level, word in SKILL_LEVELS.items()]


def text_field(label: str, max_length: int, description: str = "") -> StringField:
    """An optional line of text with an upper bound."""
    return StringField(
        label,
        validators=[Length(max=max_length, message=f"Use at most {max_length} characters.")],
        filters=[clean_text],
        description=description,
        default="",
    )


def id_field(label: str, message: str, *, optional: bool = False) -> SelectField:
    """A choice of a row by id; an id not offered (or gone) is a form error, not a 500."""
    validators = [Optional()] if optional else [InputRequired(message)]
    return SelectField(
        label,
        coerce=lambda value: int(value) if value not in (None, "") else None,
        validators=validators,
        validate_choice=True,
    )


def role_field(label: str = "Role") -> SelectField:
    return SelectField(
        label,
        choices=ROLE_CHOICES,
        default=MEMBERSHIP_ROLES[0],
        validators=[InputRequired("Choose member or coach.")],
    )


def level_field(label: str = "Level") -> SelectField:
    return SelectField(
        label,
        choices=LEVEL_CHOICES,
        coerce=int,
        default=1,
        validate_choice=False,
        validators=[
            InputRequired("Choose a level."),
            AnyOf(list(SKILL_LEVELS), message="Choose a level from 1 to 3."),
        ],
    )


# --- functions and tiers (edited inline) ---------------------------------------------------


class FunctionForm(FlaskForm):
    name = name_field("Name", 60)
    customer_label = text_field(
        "Customer label", 80, "How a customer would say it, for example “a bill”."
    )
    description = text_field("Description", 300)
    active = BooleanField("Active", default=True)


class TierForm(FlaskForm):
    name = name_field("Name", 40)
    rank = IntegerField(
        "Rank",
        validators=[
            InputRequired("Enter a rank (1 matters most)."),
            NumberRange(1, 999, "Use a whole number from 1 to 999."),
        ],
        description="1 matters most. A taken rank moves that tier and those below down one.",
    )
    description = text_field("Description", 300)


# --- teams and memberships -----------------------------------------------------------------


def team_mail_address(form, field) -> None:
    problem = mail_threads.team_address_problem(field.data)
    if problem:
        raise ValidationError(problem)


class TeamForm(FlaskForm):
    name = name_field("Team name", 80)
    description = text_field("Description", 500)
    timezone = zone_field(
        "Time zone", "Business hours are counted in it; its members' times start in it."
    )
    mail_address = StringField(
        "Mail address",
        default="",
        validators=[
            Optional(),  # blank: the team takes no mail
            Length(max=254, message="An email address has at most 254 characters."),
            Email(
                "Enter an address like support@example.com.",
                check_deliverability=False,
                allow_smtputf8=False,
            ),
            team_mail_address,
        ],
        filters=[clean_text],
        description="Optional: where customers' replies arrive.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class MembershipForm(FlaskForm):
    """Add a membership: from a team's page `other` is a person, from a person's a team."""

    other = id_field("Person or team", "Make a choice.")
    role = role_field()


class RoleForm(FlaskForm):
    role = role_field()


# --- people and skills ---------------------------------------------------------------------


class PersonForm(FlaskForm):
    name = name_field("Name")
    is_admin = BooleanField("Admin: may set up teams, people and accounts")


class SkillForm(FlaskForm):
    function = id_field("Function", "Choose a function.")
    level = level_field()


class SkillLevelForm(FlaskForm):
    level = level_field()


class InviteStaffForm(FlaskForm):
    name = name_field("Name")
    email = email_field("Email")
    team = id_field("Team (optional)", "", optional=True)
    role = role_field("Role in that team")


# --- accounts and contacts -----------------------------------------------------------------


class AccountForm(FlaskForm):
    name = name_field("Account name")
    team = id_field("Owning team", "Choose a team.")
    tier = id_field("Tier", "Choose a tier.")
    shares_visibility = BooleanField("Contacts may see each other's requests (each opts in)")
    timezone = zone_field(
        "Contacts' time zone",
        "Where its contacts' times start; each can choose their own.",
        blank="The owning team's zone",
    )


class AccountEditForm(AccountForm):
    """An account's details; what happens to its open requests counts only when the team
    changes."""

    open_requests = RadioField(
        "Open requests, if the team changes",
        choices=[
            (MOVE_REQUESTS, "Move them to the new team"),
            (KEEP_REQUESTS, "Leave them with the current team"),
        ],
        default=MOVE_REQUESTS,
        description=(
            "Moved requests follow the new team's business hours; an owner outside it gives "
            "way to routing or Unassigned. Resolved and closed requests stay with the team "
            "that handled them, as its record. Either way the contacts leave the current "
            "team's reference group."
        ),
    )


class ContactVisibilityForm(FlaskForm):
    sees_account_requests = BooleanField("Sees the account's requests")


# --- list filters (GET, no CSRF: they change nothing) ----------------------------------------


class PeopleFilter(Form):
    team = SelectField("Team", coerce=filter_id)
    q = SearchField("Name or email", filters=[clean_text], validators=[Length(max=120)])


class AccountFilter(Form):
    team = SelectField("Team", coerce=filter_id)
    tier = SelectField("Tier", coerce=filter_id)
    q = SearchField("Account name", filters=[clean_text], validators=[Length(max=120)])


class InvitationFilter(Form):
    status = SelectField(
        "Status",
        choices=[
            ("", "All"),
            ("pending", "Pending"),
            ("accepted", "Accepted"),
            ("expired", "Expired"),
            ("revoked", "Revoked"),
        ],
    )


def _an_id(form, field) -> None:
    if field.data and filter_id(field.data) is None:
        raise ValidationError("Enter a whole number, the object's id; it was left out.")


class AuditFilter(Form):
    """The audit log's filters. A value that is not one (a non-date, a huge id) is shown as
    an error and left out of the filter, never a failed page."""

    person = SearchField(
        "Person", filters=[clean_text], validators=[Length(max=120)], description="Name or email"
    )
    subject = SelectField(
        "Object type",
        choices=[("", "Any type"), *sorted(SUBJECTS.items(), key=lambda item: item[1].lower())],
        default="",  # no value asked for is "any type", not an invalid choice
        validate_choice=False,
        validators=[AnyOf(["", *SUBJECTS], "Choose a type from the list; it was left out.")],
    )
    subject_id = StringField(
        "Object id", filters=[clean_text], validators=[Length(max=20), _an_id], default=""
    )
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The “To” date is before the “From” date; it was left out.")
