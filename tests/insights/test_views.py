"""Insights pages and writes through the app: goals, the survey by link, per-member
access, internal checks, the weekly review and CSV exports."""

import csv
import io
import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.insights import services
from portal.models import (
    Goal,
    InternalCheck,
    Rating,
    SurveyInvitation,
    SurveyResponse,
    SurveyScore,
    utcnow,
)
from tests import factories
from tests.conftest import outbox
from tests.insights.access_rows import COACH_MEASURES_ROW


def _goal(client, team, **fields):
    data = {
        "measure": "csat",
        "direction": "at_least",
        "target": "4.5",
        "period_kind": "month",
        "first": "2026-01",
        "last": "2026-12",
        "dimension": "",
        **fields,
    }
    return client.post(url_for("insights.add_goal", team_id=team.id), data=data)


def test_coach_sets_a_goal_and_the_dashboard_shows_it(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    response = _goal(client, world.team_x)
    assert response.status_code == 303
    goal = db.session.scalar(select(Goal))
    assert (goal.period_start.isoformat(), goal.period_end.isoformat()) == (
        "2026-01-01",
        "2027-01-01",
    )
    page = client.get(url_for("insights.dashboard", team_id=world.team_x.id))
    assert page.status_code == 200
    assert "CSAT average" in page.text and "each month, Jan 2026 to Dec 2026" in page.text
    assert "<svg" in page.text and "<title id=" in page.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": ""}, "Give the goal a target."),
        ({"first": "2026-06", "last": "2026-05"}, "ends before it starts"),
        ({"measure": "loudest_customer"}, "Not a valid choice"),
        ({"target": "lots"}, "Not a valid decimal value"),
        ({"target": "NaN"}, "Give a target between"),
        ({"target": "-Infinity"}, "Give a target between"),
        ({"target": "1e12"}, "Give a target between"),
    ],
)
def test_bad_goals_are_refused_with_a_message(client, world, login_as, no_csrf, fields, message):
    login_as(world.coach_x)
    response = _goal(client, world.team_x, **fields)
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(select(func.count(Goal.id))) == 0


def test_a_goal_post_from_htmx_answers_the_goals_fragment(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    response = client.post(
        url_for("insights.add_goal", team_id=world.team_x.id),
        data={
            "measure": "received",
            "direction": "at_most",
            "target": "50",
            "period_kind": "quarter",
            "first": "2026-01",
            "last": "2026-06",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="goals"')
    assert "HX-Request" in response.headers["Vary"]


def test_members_may_not_set_goals_and_other_teams_do_not_see_them(
    client, world, login_as, no_csrf
):
    login_as(world.member_x)
    assert _goal(client, world.team_x).status_code == 403
    login_as(world.coach_x)
    _goal(client, world.team_x)
    goal = db.session.scalar(select(Goal))
    coach_y = factories.make_member(world.team_y, role="coach")
    login_as(coach_y)
    url = url_for("insights.delete_goal", team_id=world.team_y.id, goal_id=goal.id)
    assert client.post(url).status_code == 404  # not Team Y's goal
    assert db.session.get(Goal, goal.id) is not None


def _send(client, world):
    client.post(
        url_for("insights.send_survey", team_id=world.team_x.id),
        data={"account": world.account_a.id},
    )
    return [re.search(r"/surveys/(\S+)", m.body).group(1) for m in outbox(None)]


def test_survey_sent_answered_once_and_counted(client, world, login_as, no_csrf):
    second = factories.make_contact(world.account_a, name="Second Contact")
    login_as(world.coach_x)
    tokens = _send(client, world)
    assert len(tokens) == 2
    assert db.session.scalar(select(func.count(SurveyInvitation.id))) == 2
    visitor = client.application.test_client()
    page = visitor.get(url_for("insights.survey", token=tokens[0]))
    assert page.status_code == 200 and "What you expect" in page.text
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0  # GET changes nothing
    dims = services.dimensions()
    answers = {f"expect-{d.id}": "6" for d in dims} | {f"experience-{d.id}": "4" for d in dims}
    done = visitor.post(
        url_for("insights.survey", token=tokens[0]), data={**answers, "comment": "=cmd"}
    )
    assert done.status_code == 200 and "Thank you" in done.text
    again = visitor.post(url_for("insights.survey", token=tokens[0]), data=answers)
    assert again.status_code == 410 and "already answered" in again.text
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1
    assert db.session.scalar(select(func.count(SurveyScore.id))) == len(dims)
    page = client.get(url_for("insights.surveys", team_id=world.team_x.id))
    assert "-2.00" in page.text and "=cmd" in page.text
    del second


@pytest.mark.parametrize("bad", ["0", "8", "", "4.5", "x"])
def test_scores_outside_the_scale_change_nothing(client, world, login_as, no_csrf, bad):
    login_as(world.coach_x)
    (token,) = _send(client, world)
    dims = services.dimensions()
    answers = {f"expect-{d.id}": "5" for d in dims} | {f"experience-{d.id}": "5" for d in dims}
    answers[f"experience-{dims[2].id}"] = bad
    visitor = client.application.test_client()
    response = visitor.post(url_for("insights.survey", token=token), data=answers)
    assert response.status_code == 422
    assert "from 1 to 7" in response.text
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0
    invitation = db.session.scalar(select(SurveyInvitation))
    assert invitation.used_at is None


def test_expired_and_forged_links(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    (token,) = _send(client, world)
    invitation = db.session.scalar(select(SurveyInvitation))
    invitation.survey.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    visitor = client.application.test_client()
    assert visitor.get(url_for("insights.survey", token=token)).status_code == 410
    response = visitor.post(url_for("insights.survey", token=token), data={})
    assert response.status_code == 410 and "closed" in response.text
    assert visitor.get(url_for("insights.survey", token=token + "x")).status_code == 404


def test_a_contact_of_another_account_gets_404(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    (token,) = _send(client, world)
    other = client.application.test_client()
    login_as(world.contact_b, on=other)
    assert other.get(url_for("insights.survey", token=token)).status_code == 404
    assert other.post(url_for("insights.survey", token=token), data={}).status_code == 404
    login_as(world.contact_a, on=other)
    assert other.get(url_for("insights.survey", token=token)).status_code == 200


def test_survey_for_an_account_with_no_contacts_is_refused(client, world, login_as, no_csrf):
    empty = factories.make_account(world.team_x, world.tier, "Empty Ltd")
    login_as(world.coach_x)
    response = client.post(
        url_for("insights.send_survey", team_id=world.team_x.id), data={"account": empty.id}
    )
    assert response.status_code == 422 and "no active contacts" in response.text
    # Another team's account is not even a choice.
    response = client.post(
        url_for("insights.send_survey", team_id=world.team_x.id),
        data={"account": world.account_b.id},
    )
    assert response.status_code == 422 and outbox(None) == []


def test_member_measures_are_for_oneself_or_the_coach(app, world, login_as):
    _method, build, expected = COACH_MEASURES_ROW
    for role, answer in expected.items():
        client = app.test_client()
        if role != "visitor":
            login_as(getattr(world, role), on=client)
        response = client.get(build(world))
        got = "login" if response.status_code == 302 else response.status_code
        assert got == answer, role


def test_internal_check_recorded_once_and_feeds_member_measures(client, world, login_as, no_csrf):
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        status="resolved",
        # Last week: this week's sample is drawn from what was resolved before it began.
        resolved_at=utcnow() - timedelta(days=8),
        assignee_id=world.member_x.id,
    )
    login_as(world.coach_x)
    page = client.get(url_for("insights.checks", team_id=world.team_x.id))
    assert item.reference in page.text
    url = url_for("insights.record_check", team_id=world.team_x.id, request_id=item.id)
    prefix = f"c{item.id}-"
    data = {
        prefix + "answered_question": "y",
        prefix + "correct": "y",
        prefix + "tone": "y",
        prefix + "note": "Say when the next update comes.",
    }
    assert client.post(url, data=data).status_code == 303
    check = db.session.scalar(select(InternalCheck))
    assert (check.passed, check.kept_informed, check.member_id) == (False, False, world.member_x.id)
    again = client.post(url, data=data)
    assert again.status_code == 422 and "already been checked" in again.text
    login_as(world.member_x)
    own = client.get(url_for("insights.member", team_id=world.team_x.id, user_id=world.member_x.id))
    assert "Say when the next update comes." in own.text and "0%" in own.text


def test_weekly_review_lists_what_needs_attention(client, world, login_as):
    late = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        subject="Late delivery",
        next_at_risk_at=utcnow() - timedelta(hours=1),
        next_due_at=utcnow() - timedelta(minutes=5),
    )
    fine = factories.make_request(
        world.account_a,
        world.contact_a,
        status="open",
        subject="All fine",
        next_at_risk_at=utcnow() + timedelta(days=1),
    )
    rated = factories.make_request(
        world.account_a, world.contact_a, status="resolved", resolved_at=utcnow(), subject="Grumpy"
    )
    db.session.add(
        Rating(
            request_id=rated.id,
            contact_id=world.contact_a.id,
            score=1,
            comment="Nobody called back",
        )
    )
    login_as(world.member_x)
    page = client.get(url_for("insights.review", team_id=world.team_x.id))
    assert page.status_code == 200
    assert late.reference in page.text and "Breached" in page.text
    assert fine.reference not in page.text
    assert "Nobody called back" in page.text
    printable = client.get(url_for("insights.review", team_id=world.team_x.id, print=1))
    assert printable.status_code == 200 and "Print" in printable.text
    assert 'class="mainnav"' not in printable.text


def test_csv_exports_neutralise_formulas(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    (token,) = _send(client, world)
    dims = services.dimensions()
    answers = {f"expect-{d.id}": "6" for d in dims} | {f"experience-{d.id}": "3" for d in dims}
    client.application.test_client().post(
        url_for("insights.survey", token=token),
        data={**answers, "comment": '=HYPERLINK("http://evil")'},
    )
    response = client.get(
        url_for("insights.export", team_id=world.team_x.id, name="survey-responses")
    )
    assert response.status_code == 200
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["Answered (UTC)", "Account", "Contact", "Dimension"]
    assert len(rows) == 1 + len(dims)
    assert rows[1][-1] == '\'=HYPERLINK("http://evil")' and rows[1][-2] == "-3"
    for name in (
        "measures",
        "sla-by-tier",
        "gap-by-dimension",
        "csat",
        "volumes",
        "goals",
        "members",
    ):
        assert (
            client.get(url_for("insights.export", team_id=world.team_x.id, name=name)).status_code
            == 200
        ), name
    assert (
        client.get(url_for("insights.export", team_id=world.team_x.id, name="secrets")).status_code
        == 404
    )
    login_as(world.member_x)
    assert (
        client.get(url_for("insights.export", team_id=world.team_x.id, name="members")).status_code
        == 403
    )


def test_admin_side_by_side_and_dimensions(client, world, login_as, no_csrf):
    services.ensure_dimensions()
    db.session.commit()
    login_as(world.admin)
    page = client.get(url_for("insights.overview"))
    assert page.status_code == 200 and "Team X" in page.text and "Team Y" in page.text
    response = client.post(
        url_for("insights.add_dimension"), data={"name": "Reliability", "description": ""}
    )
    assert response.status_code == 422 and "already a dimension" in response.text
    response = client.post(
        url_for("insights.add_dimension"), data={"name": "Keeping promises", "active": "y"}
    )
    assert response.status_code == 303
    assert "Keeping promises" in [d.name for d in services.dimensions()]


def test_tier_schedule_sends_surveys_from_tick_once(app, client, world, login_as, no_csrf):
    login_as(world.admin)
    bad = client.post(url_for("insights.save_schedules"), data={f"tier-{world.tier.id}": "3"})
    assert bad.status_code == 422 and "7 to 730 days" in bad.text
    ok = client.post(url_for("insights.save_schedules"), data={f"tier-{world.tier.id}": "90"})
    assert ok.status_code == 303
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "surveys sent: 3" in result.output  # Accounts A, A2 and B, one contact each
    again = app.test_cli_runner().invoke(args=["tick"])
    assert "surveys sent: 0" in again.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(SurveyInvitation.id))) == 3


def test_export_file_names_are_plain_whatever_the_team_is_called(client, world, login_as):
    world.team_x.name = 'Équipe "Nord" 团队'
    login_as(world.member_x)
    response = client.get(url_for("insights.export", team_id=world.team_x.id, name="csat"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="quipe-nord-csat.csv"'


def test_hostile_survey_comment_is_shown_as_text(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    (token,) = _send(client, world)
    dims = services.dimensions()
    answers = {f"expect-{d.id}": "4" for d in dims} | {f"experience-{d.id}": "4" for d in dims}
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2) hx-get="/x">{{7*7}}'
    client.application.test_client().post(
        url_for("insights.survey", token=token), data={**answers, "comment": hostile}
    )
    page = client.get(url_for("insights.surveys", team_id=world.team_x.id))
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text
    assert "<img src=x" not in page.text and "{{7*7}}" in page.text  # not run as a template


def test_backfill_records_business_minutes_of_old_first_replies(app, world):
    from datetime import UTC, datetime

    # Raised on Monday 5 January at 09:00 London time (UTC in winter), answered at 11:30:
    # 150 business minutes.
    item = factories.make_request(
        world.account_a,
        world.contact_a,
        created_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        first_response_at=datetime(2026, 1, 5, 11, 30, tzinfo=UTC),
    )
    untouched = factories.make_request(world.account_a, world.contact_a)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["backfill-first-responses"])
    assert result.exit_code == 0 and "requests filled: 1" in result.output
    db.session.expire_all()
    assert db.session.get(type(item), item.id).first_response_minutes == 150
    assert db.session.get(type(item), untouched.id).first_response_minutes is None


def test_signed_in_contact_answers_from_their_home_page(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    _send(client, world)
    invitation = db.session.scalar(select(SurveyInvitation))
    login_as(world.contact_a)
    home = client.get(url_for("customer.home"))
    url = url_for("insights.my_survey", invitation_id=invitation.id)
    assert url in home.text and "two-minute survey" in home.text
    dims = services.dimensions()
    answers = {f"expect-{d.id}": "7" for d in dims} | {f"experience-{d.id}": "6" for d in dims}
    assert client.post(url, data=answers).status_code == 200
    assert client.post(url, data=answers).status_code == 410  # once only
    assert url not in client.get(url_for("customer.home")).text
    other = client.application.test_client()
    login_as(world.contact_b, on=other)
    assert other.get(url).status_code == 404
    assert other.post(url, data=answers).status_code == 404
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_weekly_review_lists_objections_and_concerns_still_unanswered(client, world, login_as):
    from portal.procedures import stances

    contact_b2 = factories.make_contact(world.account_a, name="Second Contact")
    for contact in (world.contact_a, contact_b2):
        factories.join_reference_group(contact, world.account_a)
    procedure = factories.make_procedure(world.team_x, world.member_x, title="Returns in 2 days")
    round_ = factories.open_review_round(procedure, world.coach_x)
    objection = stances.take_stance(world.contact_a, round_, "object", "Two days is too slow")
    concern = stances.take_stance(contact_b2, round_, "concern", "Who pays the courier?")
    stances.answer(world.member_x, concern, "We do, always.")
    factories.join_reference_group(world.contact_b, world.account_b)
    other_team = factories.make_procedure(world.team_y, world.member_y, title="Team Y only")
    other_round = factories.open_review_round(other_team, world.member_y)
    stances.take_stance(world.contact_b, other_round, "object", "Team Y's objection")
    db.session.commit()

    login_as(world.member_x)
    url = url_for("insights.review", team_id=world.team_x.id)
    page = client.get(url).text
    assert "Two days is too slow" in page
    assert "Who pays the courier?" not in page  # answered
    assert "Team Y only" not in page and "Team Y's objection" not in page

    # The member rewords the concern: the old answer no longer covers it.
    stances.take_stance(contact_b2, round_, "concern", "Who pays the courier, and when?")
    stances.answer(world.member_x, objection, "We will offer next-day slots.")
    db.session.commit()
    page = client.get(url).text
    assert "Who pays the courier, and when?" in page
    assert "Two days is too slow" not in page
