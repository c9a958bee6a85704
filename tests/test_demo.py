"""`flask seed-demo` builds the organisation README promises and its sign-ins work."""

from sqlalchemy import func, select

from portal.auth.services import authenticate
from portal.extensions import db
from portal.models import (
    CONTACT,
    STAFF,
    Account,
    Contact,
    Membership,
    Request,
    Skill,
    Team,
    Tier,
    User,
)
from portal.seeding.demo import DEMO_PASSWORD


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_demo_builds_a_realistic_organisation_and_prints_working_sign_ins(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output

    assert count(Team) >= 3
    assert count(User, User.kind == STAFF, User.is_admin.is_(False)) >= 12
    assert count(Account) >= 30
    assert count(User, User.kind == CONTACT) >= 60
    assert count(Contact) >= 60
    assert count(Tier) >= 3
    # Varied skills: every level is used, and nobody is without one.
    levels = set(db.session.scalars(select(Skill.level)))
    assert levels == {1, 2, 3}
    staff_without_skill = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(~Membership.user_id.in_(select(Skill.user_id)))
    )
    assert staff_without_skill == 0
    # Requests in every open state, with running service clocks, for the inbox to show.
    states = set(db.session.scalars(select(Request.status)))
    assert {"new", "open", "waiting_on_customer", "resolved"} <= states
    assert count(Request, Request.next_due_at.is_not(None)) > 0
    # A Monday's worth of work: hundreds of requests, some handed off, some late.
    from portal.models import Entry, Handoff

    assert count(Request) >= 300
    assert count(Handoff) > 0
    assert count(Entry, Entry.event == "breach") > 0
    # The printed demo contact has a request in every status, with a timeline.
    demo_contact = db.session.scalar(select(User).where(User.kind == CONTACT).order_by(User.id))
    mine = set(
        db.session.scalars(select(Request.status).where(Request.requester_id == demo_contact.id))
    )
    assert mine == {"new", "open", "waiting_on_customer", "resolved", "closed"}
    # Every tier has accounts, every team has a coach.
    assert count(Tier, ~Tier.id.in_(select(Account.tier_id))) == 0
    assert (
        count(Team, ~Team.id.in_(select(Membership.team_id).where(Membership.role == "coach"))) == 0
    )

    printed = {
        line.split()[0]: line.split()[1]
        for line in result.output.splitlines()
        if line.startswith("  ") and "@" in line and "mail-try" not in line
    }
    assert set(printed) == {"admin", "coach", "member", "contact"}
    # The line to try mail in with, as that contact, to a team that takes mail.
    assert f"flask mail-try --sender {printed['contact']}" in result.output
    assert count(Team, Team.mail_address.is_(None)) == 0
    for email in printed.values():
        assert authenticate(email, DEMO_PASSWORD) is not None, email


def test_seed_demo_twice_does_not_duplicate(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    people = count(User)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "not seeding again" in second.output
    assert count(User) == people
