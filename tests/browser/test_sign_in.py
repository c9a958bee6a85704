"""Each role signs in through the real form and lands on its own home."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("admin", "Admin"),
        ("coach_x", "Team X"),
        ("member_x", "Team X"),
        ("contact_a", "Your requests"),
    ],
)
def test_each_role_lands_on_its_home(page, world, sign_in, console_errors, role, heading):
    sign_in(getattr(world, role))
    assert page.get_by_role("heading", level=1).inner_text().startswith(heading)
    assert axe_violations(page) == []
    assert console_errors == []


def test_wrong_password_is_refused_with_a_message(page, world, sign_in, console_errors):
    sign_in(world.member_x, password="not the password at all")
    assert "/sign-in" in page.url
    expect(page.get_by_text("do not match an active account")).to_be_visible()
    assert axe_violations(page) == []
    assert console_errors == []
