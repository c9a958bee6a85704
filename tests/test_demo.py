"""`flask seed-demo` builds the organisation README promises and its sign-ins work; `make demo`
serves it (`flask serve-demo`)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from portal.auth.services import authenticate
from portal.extensions import db
from portal.models import (
    CONTACT,
    STAFF,
    Account,
    Contact,
    Function,
    Membership,
    ReferenceMembership,
    Request,
    Skill,
    Team,
    Tier,
    User,
)
from portal.seeding.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


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

    # Most accounts name a member; every team has open follow-ups and closed ones.
    from portal.models import FollowUp, NamedMember

    assert count(NamedMember) >= count(Account) // 2
    for team_id in db.session.scalars(select(Team.id)):
        assert count(FollowUp, FollowUp.team_id == team_id, FollowUp.closed_at.is_(None)) > 0
        assert count(FollowUp, FollowUp.team_id == team_id, FollowUp.outcome.is_not(None)) > 0

    printed = [
        tuple(line.split()[:2])
        for line in result.output.splitlines()
        if line.startswith("  ") and "@" in line and "mail-try" not in line
    ]
    assert sorted(role for role, _ in printed) == ["admin", "coach", "contact", "contact", "member"]
    # The line to try mail in with, as the first contact, to a team that takes mail.
    first_contact = next(email for role, email in printed if role == "contact")
    assert f"flask mail-try --sender {first_contact} --subject" in result.output
    assert count(Team, Team.mail_address.is_(None)) == 0
    for _, email in printed:
        assert authenticate(email, DEMO_PASSWORD) is not None, email


def test_the_printed_contacts_are_one_reference_group_member_and_one_not(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    contacts = [line for line in result.output.splitlines() if line.startswith("  contact ")]
    in_group = set(
        db.session.scalars(
            select(User.email)
            .join(ReferenceMembership, ReferenceMembership.user_id == User.id)
            .where(ReferenceMembership.left_at.is_(None))
        )
    )
    members = [line for line in contacts if line.split()[1] in in_group]
    others = [line for line in contacts if line.split()[1] not in in_group]
    assert len(members) == 1 and len(others) == 1, contacts
    assert "reference group" in members[0] and "not in a reference group" in others[0]
    # The one outside the group still has requests of their own to look at.
    outsider = db.session.scalar(select(User).where(User.email == others[0].split()[1]))
    assert count(Request, Request.requester_id == outsider.id) > 0


def test_the_demo_queue_has_a_believable_share_of_late_requests(app):
    """A queue with half its rows breached reads as a broken product, not a busy Monday:
    a minority is late, a few more at risk, most on track."""
    from portal.inbox.queries import clocks_for
    from portal.models import utcnow

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    now = utcnow()
    states = []
    for team in db.session.scalars(select(Team)):
        queue = db.session.scalars(
            select(Request).where(
                Request.team_id == team.id,
                Request.status.in_(("new", "open", "waiting_on_customer")),
            )
        ).all()
        states += [view.state for view in clocks_for(queue, team, now).values()]
    assert len(states) >= 150
    breached = states.count("breached") / len(states)
    at_risk = states.count("at risk") / len(states)
    assert 0.05 <= breached <= 0.25, breached
    assert 0.02 <= at_risk <= 0.20, at_risk
    assert states.count("on track") > 2 * states.count("breached")


def test_demo_orders_wait_for_credit_before_delivery(app):
    """The seeds' chain is in the demo: some orders still with credit (delivery waiting),
    some cleared with delivery under way, as the customer's progress line shows them."""
    from portal.requests.handoffs import for_request, progress_line

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    orders = db.session.scalars(
        select(Request)
        .join(Request.function)
        .where(Function.name == "Sales", Request.status.in_(("open", "waiting_on_customer")))
    ).all()
    lines = {progress_line(for_request(item)) for item in orders}
    assert "Credit: in progress → Delivery: waiting" in lines
    assert "Credit: done → Delivery: in progress" in lines


def test_seed_demo_twice_does_not_duplicate(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    people = count(User)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "not seeding again" in second.output
    assert count(User) == people


def _serve_demo(tmp_path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FLASK_APP": "portal",
        "SECRET_KEY": "serve-demo-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    return subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-m", "flask", "serve-demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_demo_says_serving_only_once_its_port_answers(tmp_path):
    """`make demo PORT=…` serves through this command: the address it prints must answer
    the moment it is printed."""
    port = _free_port()
    server = _serve_demo(tmp_path, port)
    try:
        deadline = time.monotonic() + 30
        line = ""
        while "Serving" not in line and time.monotonic() < deadline:
            line = server.stdout.readline()
            assert line or server.poll() is None, "serve-demo ended before serving"
        assert f"Serving on http://127.0.0.1:{port}" in line
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_demo_on_a_taken_port_fails_without_claiming_to_serve(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = _serve_demo(tmp_path, taken.getsockname()[1])
        output, _ = server.communicate(timeout=60)
    assert server.returncode != 0
    assert "Serving" not in output
    assert "in use" in output
