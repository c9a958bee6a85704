"""Every time on the reader's clock (issue 16): where a person's zone starts, the offer on a
first sign-in, the picker, pages and caches per reader, and mail on the recipient's clock."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import url_for
from sqlalchemy import select

from portal.domain import time_words
from portal.extensions import db
from portal.models import Account, AuditEvent, User
from tests import factories
from tests.auth.helpers import csrf_token
from tests.auth.test_sign_in import post_sign_in
from tests.conftest import outbox

OFFER = 'class="zone-offer"'


def _with_service_level(world) -> None:
    """Requests get due times only under a service level."""
    factories.make_service_level(world.tier, first_response=240, resolution=2400)


def _zone_of(user) -> str | None:
    return db.session.get(User, user.id).timezone


def test_a_first_sign_in_starts_staff_on_their_team_s_clock_and_offers_another(client, world):
    world.team_x.timezone = "Europe/Amsterdam"
    db.session.commit()
    home = post_sign_in(client, world.member_x.email, factories.PASSWORD).headers["Location"]
    assert _zone_of(world.member_x) == "Europe/Amsterdam"
    page = client.get(home).text
    assert OFFER in page and "<strong>Europe/Amsterdam</strong>" in page
    assert "Keep Europe/Amsterdam" in page and 'src="/static/zone.js' in page

    keep = client.post(
        url_for("auth.time_zone"),
        data={"csrf_token": csrf_token(client, home), "timezone": "Europe/Amsterdam", "next": home},
    )
    assert keep.status_code == 303 and keep.headers["Location"] == home
    page = client.get(home).text
    assert OFFER not in page and "zone.js" not in page


def test_a_contact_starts_on_their_account_s_clock_or_else_their_team_s(client, world):
    world.account_a.timezone = "Europe/Berlin"
    world.team_x.timezone = "Europe/Amsterdam"
    db.session.commit()
    post_sign_in(client, world.contact_a.email, factories.PASSWORD)
    assert _zone_of(world.contact_a) == "Europe/Berlin"
    other = client.application.test_client()
    post_sign_in(other, world.contact_a2.email, factories.PASSWORD)
    assert _zone_of(world.contact_a2) == "Europe/Amsterdam"


def test_a_chosen_zone_stays_and_is_not_offered_again(client, world):
    world.member_x.timezone = "Asia/Tokyo"
    db.session.commit()
    home = post_sign_in(client, world.member_x.email, factories.PASSWORD).headers["Location"]
    assert _zone_of(world.member_x) == "Asia/Tokyo"
    assert OFFER not in client.get(home).text


def test_the_profile_picker_saves_a_listed_zone_and_refuses_anything_else(client, world, login_as):
    login_as(world.contact_a)
    profile = client.get(url_for("auth.profile")).text
    assert "<select" in profile and '<optgroup label="Europe">' in profile
    assert '<option value="Europe/Berlin">Berlin (UTC+' in profile

    token = csrf_token(client, url_for("auth.profile"))
    for bad in ("Mars/Olympus", "", "Etc/GMT+3", "<script>"):
        response = client.post(
            url_for("auth.time_zone"), data={"csrf_token": token, "timezone": bad}
        )
        assert response.status_code == 422, bad
        assert "Choose a time zone from the list." in response.text
    assert _zone_of(world.contact_a) is None

    response = client.post(
        url_for("auth.time_zone"), data={"csrf_token": token, "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == url_for("auth.profile")
    assert _zone_of(world.contact_a) == "Europe/Berlin"
    assert "Times are shown in Europe/Berlin time." in client.get(url_for("auth.profile")).text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.timezone"))


def test_the_offer_never_sends_anyone_to_another_site(client, world, login_as):
    login_as(world.contact_a)
    token = csrf_token(client, url_for("auth.profile"))
    response = client.post(
        url_for("auth.time_zone"),
        data={"csrf_token": token, "timezone": "UTC", "next": "//evil.example/"},
    )
    assert response.headers["Location"] == url_for("auth.profile")


def test_a_contact_in_berlin_sees_the_team_s_promise_on_berlin_s_clock(client, world, login_as):
    world.contact_a.timezone = "Europe/Berlin"
    _with_service_level(world)
    item = factories.raise_request(world.contact_a, world.account_a, subject="Invoice wrong")
    db.session.commit()
    due = item.first_response_due_at
    login_as(world.contact_a)
    page = client.get(url_for("customer.request", request_id=item.id)).text
    berlin = time_words.deadline(due, ZoneInfo("Europe/Berlin"))
    assert f"Expect an answer by {berlin}" in page
    assert berlin.endswith(("CET", "CEST"))
    # The timeline's entries are on the same clock, the zone named.
    assert time_words.exact(item.created_at, ZoneInfo("Europe/Berlin")) in page


def test_two_members_of_one_team_each_read_the_shared_inbox_on_their_own_clock(
    app, world, login_as
):
    """The inbox rows and the request's facts are cached per team: the reader's zone is
    part of the key, so one member's clock never reaches a teammate."""
    world.member_x.timezone = "Europe/London"
    world.coach_x.timezone = "Asia/Tokyo"
    _with_service_level(world)
    item = factories.raise_request(world.contact_a, world.account_a, subject="Pallet missing")
    db.session.commit()
    london, tokyo = app.test_client(), app.test_client()
    login_as(world.member_x, on=london)
    login_as(world.coach_x, on=tokyo)
    inbox = url_for("inbox.index", team_id=world.team_x.id)
    detail = url_for("inbox.detail", team_id=world.team_x.id, request_id=item.id)
    due = item.first_response_due_at
    for client, zone in (
        (london, "Europe/London"),
        (tokyo, "Asia/Tokyo"),
        (london, "Europe/London"),
    ):
        exact = time_words.exact(item.last_activity_at, ZoneInfo(zone))
        assert f'title="{exact}"' in client.get(inbox).text, zone
        page = client.get(detail).text
        assert time_words.exact(due, ZoneInfo(zone)) in page, zone
        assert time_words.exact(item.created_at, ZoneInfo(zone)) in page, zone


def test_mail_shows_each_recipient_s_own_clock(world):
    world.contact_a.timezone = "Europe/Berlin"
    world.contact_a2.timezone = "America/New_York"
    for contact, account in (
        (world.contact_a, world.account_a),
        (world.contact_a2, world.account_a2),
    ):
        factories.join_reference_group(contact, account)
    procedure = factories.make_procedure(world.team_x, world.coach_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    db.session.commit()
    bodies = {m.recipient: m.body for m in outbox(None) if "Your view" in m.subject}
    for contact, zone in (
        (world.contact_a, "Europe/Berlin"),
        (world.contact_a2, "America/New_York"),
    ):
        assert time_words.exact(round_.closes_at, ZoneInfo(zone)) in bodies[contact.email]


def test_an_account_s_zone_is_picked_from_the_list_or_left_to_its_team(
    client, world, login_as, no_csrf
):
    login_as(world.admin)
    url = url_for("admin.update_account", account_id=world.account_a.id)
    data = {"name": "Account A", "team": world.team_x.id, "tier": world.tier.id}
    assert client.post(url, data=data | {"timezone": "Europe/Berlin"}).status_code == 303
    assert db.session.get(Account, world.account_a.id).timezone == "Europe/Berlin"
    assert client.post(url, data=data | {"timezone": "Moon/Base"}).status_code == 422
    assert db.session.get(Account, world.account_a.id).timezone == "Europe/Berlin"
    assert client.post(url, data=data | {"timezone": ""}).status_code == 303
    assert db.session.get(Account, world.account_a.id).timezone is None
    page = client.get(url_for("admin.account", account_id=world.account_a.id)).text
    assert "The owning team&#39;s zone" in page or "The owning team's zone" in page


def test_a_reader_who_changes_zone_sees_the_new_clock_at_once(client, world, login_as):
    """The same reader, before and after: every cached piece the page is drawn from keys on
    the zone, and the change writes a new session cookie, which the polls vary on."""
    _with_service_level(world)
    item = factories.raise_request(world.contact_a, world.account_a, subject="Invoice wrong")
    db.session.commit()
    login_as(world.contact_a)
    page = url_for("customer.request", request_id=item.id)
    due = item.first_response_due_at
    assert time_words.deadline(due, ZoneInfo("UTC")) in client.get(page).text
    token = csrf_token(client, url_for("auth.profile"))
    before = client.get_cookie("__Host-onestop").value
    client.post(url_for("auth.time_zone"), data={"csrf_token": token, "timezone": "Asia/Tokyo"})
    assert client.get_cookie("__Host-onestop").value != before
    text = client.get(page).text
    assert time_words.deadline(due, ZoneInfo("Asia/Tokyo")) in text
    assert time_words.exact(item.created_at, ZoneInfo("Asia/Tokyo")) in text
    listing = client.get(url_for("customer.home")).text
    assert time_words.exact(item.last_activity_at, ZoneInfo("Asia/Tokyo")) in listing


def test_a_zone_the_picker_does_not_list_is_kept_not_moved(client, world, login_as, no_csrf):
    """Teams once typed their zone; an older alias such as US/Eastern stays on offer."""
    world.team_x.timezone = "US/Eastern"
    world.member_x.timezone = "US/Eastern"
    db.session.commit()
    login_as(world.admin)
    url = url_for("admin.update_team", team_id=world.team_x.id)
    assert (
        '<option selected value="US/Eastern">'
        in client.get(url_for("admin.team", team_id=world.team_x.id)).text
    )
    response = client.post(url, data={"name": "Team X renamed", "timezone": "US/Eastern"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (world.team_x.name, world.team_x.timezone) == ("Team X renamed", "US/Eastern")
    login_as(world.member_x)
    keep = client.post(url_for("auth.time_zone"), data={"timezone": "US/Eastern"})
    assert keep.status_code == 303 and _zone_of(world.member_x) == "US/Eastern"
    # Another unlisted name is still refused.
    assert (
        client.post(url_for("auth.time_zone"), data={"timezone": "US/Pacific"}).status_code == 422
    )


def test_mail_to_someone_who_never_signed_in_is_on_the_clock_they_will_start_on(world):
    from portal.insights import services as insights
    from portal.invitations import services as invitations

    world.account_a.timezone = "Pacific/Kiritimati"  # UTC+14: its day is often UTC's next
    db.session.commit()
    invitation = invitations.invite_contact(
        world.coach_x, world.account_a, email="new@a.example", name="New Contact"
    )
    survey, _ = insights.send_survey(world.coach_x, world.team_x, world.account_a)
    db.session.commit()
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    mails = {m.recipient: m.body for m in outbox(None)}
    assert time_words.day(invitation.expires_at, kiritimati) in mails["new@a.example"]
    assert time_words.day(survey.expires_at, kiritimati) in mails[world.contact_a.email]
