"""A write through app server A is what server B shows on the very next request.

Each test signs people in through HAProxy, then addresses the two servers directly: the pages
are read first on both (so whatever a server keeps per process is warm), the write goes
through A's real form, and B's pages are read again, several times, so each of B's workers
answers. A page that still shows the old state is named in the failure, with whether A
(which took the write) is behind too: then the cause is a cache key, not the second server.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

import pytest
from flask import url_for

from portal.extensions import db
from portal.models import COACH
from tests import factories

from .conftest import browser_at
from .web import Browser

pytestmark = pytest.mark.cluster

READS = 4  # per page on B: with 2 sync workers, enough that both answer in practice


@dataclass
class Org:
    tag: str
    team: object
    tier: object
    account: object
    contact: object
    member: object
    coach: object
    admin: object
    request: object


@pytest.fixture
def org(app) -> Org:
    tag = uuid.uuid4().hex[:8]
    team = factories.make_team(f"Team {tag}")
    tier = factories.make_tier(f"Tier {tag}")
    account = factories.make_account(team, tier, f"Account {tag}")
    contact = factories.make_contact(account, name=f"Contact {tag}")
    member = factories.make_member(team, name=f"Member {tag}")
    coach = factories.make_member(team, role=COACH, name=f"Coach {tag}")
    admin = factories.make_user(is_admin=True, name=f"Admin {tag}")
    item = factories.make_request(account, contact, status="open", subject=f"Pallets {tag}")
    db.session.commit()
    return Org(tag, team, tier, account, contact, member, coach, admin, item)


def signed_in(cluster, person) -> Browser:
    return Browser(cluster.url).sign_in(person.email)


def read_on_b(cluster, pages: dict[str, tuple[Browser, str]], expected: str, gone: str | None):
    """Every page, READS times on server B: the ones that do not show `expected` (or still
    show `gone`), each with whether server A (which took the write) is behind as well."""
    stale = _stale(cluster, "b", pages, expected, gone)
    if stale:
        on_a = _stale(cluster, "a", pages, expected, gone)
        stale = {name: "on A as well" if name in on_a else "A is up to date" for name in stale}
    return stale


def _stale(cluster, server, pages, expected, gone):
    stale = {}
    for name, (person, path) in pages.items():
        at_b = browser_at(cluster, server, person)
        for _ in range(READS):
            response = at_b.get(path)
            if (
                response.status != 200
                or expected not in response.text
                or (gone is not None and gone in response.text)
            ):
                stale[name] = response.status
                break
    return stale


def warm(cluster, pages: dict[str, tuple[Browser, str]], showing: str) -> None:
    """Read every page on both servers first, as people would have: whatever a server keeps
    per process now holds the state before the write."""
    for name, (person, path) in pages.items():
        for server in ("a", "b"):
            at = browser_at(cluster, server, person)
            for _ in range(READS):
                response = at.get(path)
                assert response.status == 200, f"{name}: {response.status}"
                assert showing in response.text, f"{name} does not show {showing!r} at first"


def test_an_account_renamed_through_a_shows_its_new_name_through_b(cluster, org):
    admin, member, contact = (signed_in(cluster, p) for p in (org.admin, org.member, org.contact))
    # The inbox keeps its rows per minute too: warm, write and read within one minute, or a
    # stale row could pass this test by the clock alone (at most a 12 s wait).
    seconds = time.time() % 60
    if seconds > 48:
        time.sleep(60 - seconds + 0.1)
    old, new = org.account.name, f"Renamed {org.tag}"
    pages = {
        "admin's account page": (admin, url_for("admin.account", account_id=org.account.id)),
        "team inbox": (member, url_for("inbox.index", team_id=org.team.id)),
        "team workspace": (member, url_for("workspace.team_home", team_id=org.team.id)),
        "customer's team page": (contact, url_for("customer.team")),
    }
    warm(cluster, pages, old)

    at_a = browser_at(cluster, "a", admin)
    action = url_for("admin.update_account", account_id=org.account.id)
    form = at_a.form(url_for("admin.account", account_id=org.account.id), action)
    assert at_a.submit(form.set("name", new)).status == 303

    stale = read_on_b(cluster, pages, new, old)
    assert not stale, f"still the old name on server B: {stale}"


def test_a_member_added_through_a_can_be_chosen_through_b(cluster, org):
    newcomer = factories.make_user(name=f"Newcomer {org.tag}")
    db.session.commit()
    admin, coach = signed_in(cluster, org.admin), signed_in(cluster, org.coach)
    request_page = url_for("inbox.detail", team_id=org.team.id, request_id=org.request.id)
    # The owner picker is in the request's properties form (one Save for them all).
    assign = url_for("inbox.properties", team_id=org.team.id, request_id=org.request.id)
    coach_at_b = browser_at(cluster, "b", coach)
    warm(cluster, {"request page": (coach, request_page)}, org.request.subject)

    at_a = browser_at(cluster, "a", admin)
    form = at_a.form(
        url_for("admin.team", team_id=org.team.id), url_for("admin.add_member", team_id=org.team.id)
    )
    assert at_a.submit(form.set("other", newcomer.id).set("role", "member")).status == 303

    # On B: the newcomer is offered as an owner, and choosing them is accepted.
    forms = [coach_at_b.form(request_page, assign) for _ in range(READS)]
    missing = [
        i for i, form in enumerate(forms) if str(newcomer.id) not in form.options["assignee"]
    ]
    answer = coach_at_b.submit(forms[0].set("assignee", newcomer.id))
    assert (missing, answer.status) == ([], 303), (
        f"server B: the newcomer is missing from the owner picker on reads {missing} of "
        f"{READS}; assigning them answered {answer.status}"
        + (f" ({_errors(answer.text)})" if answer.status != 303 else "")
    )
    # And the newcomer works the team's inbox through B at once.
    newcomer_at_b = browser_at(cluster, "b", signed_in(cluster, newcomer))
    assert newcomer_at_b.get(url_for("inbox.index", team_id=org.team.id)).status == 200


def test_a_service_level_changed_through_a_is_promised_through_b(cluster, org):
    admin, contact = signed_in(cluster, org.admin), signed_in(cluster, org.contact)
    page = url_for("admin.service_levels")
    at_a = browser_at(cluster, "a", admin)
    key = f"{org.tier.id}-normal"
    form = at_a.form(page, page).set(f"fr-{key}", "3").set(f"rs-{key}", "24")
    assert at_a.submit(form).status == 303
    pages = {"customer's team page": (contact, url_for("customer.team"))}
    warm(cluster, pages, "3 business hours")

    form = at_a.form(page, page).set(f"fr-{key}", "5").set(f"rs-{key}", "40")
    assert at_a.submit(form).status == 303

    stale = read_on_b(cluster, pages, "5 business hours", "3 business hours")
    assert not stale, f"server B still promises the old service level: {stale}"


def test_a_reply_through_a_is_on_the_request_through_b(cluster, org):
    member, colleague = signed_in(cluster, org.member), signed_in(cluster, org.coach)
    customer = signed_in(cluster, org.contact)
    staff_page = url_for("inbox.detail", team_id=org.team.id, request_id=org.request.id)
    customer_page = url_for("customer.request", request_id=org.request.id)
    pages = {
        "customer's request page": (customer, customer_page),
        "colleague's request page": (colleague, staff_page),
    }
    warm(cluster, pages, org.request.subject)

    at_a = browser_at(cluster, "a", member)
    reply = f"The pallets leave on Tuesday {org.tag}"
    action = url_for("inbox.reply", team_id=org.team.id, request_id=org.request.id)
    assert at_a.submit(at_a.form(staff_page, action).set("body", reply)).status == 303

    stale = read_on_b(cluster, pages, reply, None)
    assert not stale, f"the reply is missing on server B: {stale}"


def test_a_stance_taken_through_a_is_counted_through_b(cluster, org):
    factories.join_reference_group(org.contact, org.account)
    procedure = factories.make_procedure(org.team, org.coach, title=f"Returns {org.tag}")
    round_ = factories.open_review_round(procedure, org.coach)
    db.session.commit()
    contact, coach = signed_in(cluster, org.contact), signed_in(cluster, org.coach)
    team_round = url_for(
        "procedures.round", team_id=org.team.id, procedure_id=procedure.id, round_id=round_.id
    )
    pages = {"team's round page": (coach, team_round)}
    warm(cluster, pages, f"Returns {org.tag}")

    at_a = browser_at(cluster, "a", contact)
    reason = f"Two days is too slow for us {org.tag}"
    form = at_a.form(
        url_for("reference.round", round_id=round_.id),
        url_for("reference.stance", round_id=round_.id),
    )
    assert at_a.submit(form.set("kind", "concern").set("reason", reason)).status == 303

    stale = read_on_b(cluster, pages, reason, None)
    assert not stale, f"the stance is missing on server B: {stale}"


def test_who_else_is_on_a_request_is_seen_across_servers(cluster, org):
    """Presence: a heartbeat through A is in the poll through B (both read PostgreSQL)."""
    member, coach = signed_in(cluster, org.member), signed_in(cluster, org.coach)
    here = url_for("inbox.here", team_id=org.team.id, request_id=org.request.id)
    page = url_for("inbox.detail", team_id=org.team.id, request_id=org.request.id)
    at_a = browser_at(cluster, "a", member)
    form = at_a.form(page, here).set("state", "typing")
    assert at_a.submit(form).status == 204

    poll = url_for("inbox.who_else", team_id=org.team.id, request_id=org.request.id)
    answer = browser_at(cluster, "b", coach).get(poll, headers={"HX-Request": "true"})
    assert answer.status == 200
    assert f"{org.member.name} is typing a reply" in answer.text


def _errors(html: str) -> str:
    found = re.findall(r"(Not a valid choice[^<]*|[^<>]*(?:changed|choose)[^<>]*)<", html)
    return "; ".join(dict.fromkeys(t.strip() for t in found)) or "no message"
