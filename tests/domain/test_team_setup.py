"""A new team's set-up checklist: which steps are done, and when the list goes away."""

from dataclasses import replace

import pytest

from portal.domain.team_setup import SetupFacts, checklist, setup_steps

NOTHING = SetupFacts(False, False, False, False, False)
EVERYTHING = SetupFacts(True, True, True, True, True)
FIELD_OF = {
    "accounts": "has_accounts",
    "contacts": "has_contacts",
    "skills": "members_have_skills",
    "service_levels": "has_service_levels",
    "hours": "has_working_hours",
}


def test_a_new_team_has_every_step_to_do():
    steps = checklist(NOTHING)
    assert [s.key for s in steps] == ["accounts", "skills", "hours", "service_levels", "contacts"]
    assert not any(s.done for s in steps)


def test_a_team_with_every_step_done_has_no_checklist():
    assert checklist(EVERYTHING) is None


@pytest.mark.parametrize("key", sorted(FIELD_OF))
def test_each_fact_marks_its_own_step_done_and_no_other(key):
    steps = checklist(replace(NOTHING, **{FIELD_OF[key]: True}))
    assert {s.key for s in steps if s.done} == {key}


@pytest.mark.parametrize("key", sorted(FIELD_OF))
def test_one_step_left_keeps_the_checklist(key):
    steps = checklist(replace(EVERYTHING, **{FIELD_OF[key]: False}))
    assert steps is not None
    assert [s.key for s in steps if not s.done] == [key]


def test_only_inviting_contacts_is_for_the_team_itself():
    assert [s.key for s in setup_steps(NOTHING) if not s.admin_only] == ["contacts"]
