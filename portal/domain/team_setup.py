"""A new team's set-up checklist: which steps are done, in the order they are best done.

Pure: the facts come from one query (portal/workspace/services.py `setup_facts`); the
workspace page draws the steps and hides the list once every step is done."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SetupFacts:
    has_accounts: bool
    has_contacts: bool
    members_have_skills: bool
    has_service_levels: bool
    has_working_hours: bool


@dataclass(frozen=True)
class Step:
    key: str  # the template links each key to where the step is done
    label: str
    done: bool
    admin_only: bool  # only an admin can do it; others are told to ask one


def setup_steps(facts: SetupFacts) -> list[Step]:
    return [
        Step("accounts", "Give the team its accounts", facts.has_accounts, True),
        Step(
            "skills",
            "Record the members' skills (work is routed by them)",
            facts.members_have_skills,
            True,
        ),
        Step(
            "hours",
            "Set the team's working hours (service clocks count only them)",
            facts.has_working_hours,
            True,
        ),
        Step(
            "service_levels",
            "Agree service levels for each tier",
            facts.has_service_levels,
            True,
        ),
        Step("contacts", "Invite the first contacts of an account", facts.has_contacts, False),
    ]


def checklist(facts: SetupFacts) -> list[Step] | None:
    """The steps while any is left to do; None once the team is set up."""
    steps = setup_steps(facts)
    return None if all(step.done for step in steps) else steps
