"""The procedure pages over HTTP: hidden stances, signed links, fragments, double posts."""

import re
import threading

from flask import url_for
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Stance, StanceChange
from portal.procedures import (
    authoring,
    decisions,
    group_membership,
    review_rounds,
    shared_library,
    stances,
)
from tests import factories
from tests.conftest import outbox

HX = {"HX-Request": "true"}


def _round_with_two(world):
    factories.join_reference_group(world.contact_a, world.account_a)
    other = factories.make_contact(world.account_a, name="Second Contact")
    factories.join_reference_group(other, world.account_a)
    procedure = factories.make_procedure(world.team_x, world.member_x)
    round_ = factories.open_review_round(procedure, world.coach_x)
    db.session.commit()
    return procedure, round_, other


def test_others_stances_are_hidden_until_the_round_closes(client, world, login_as, app):
    procedure, round_, other = _round_with_two(world)
    stances.take_stance(other, round_, "object", "Secret objection text")
    db.session.commit()
    login_as(world.contact_a)
    page = client.get(url_for("reference.round", round_id=round_.id)).get_data(as_text=True)
    assert "Secret objection text" not in page and "Second Contact" not in page
    # The team sees the live tally and every reason.
    staff = app.test_client()
    login_as(world.member_x, on=staff)
    team_url = url_for(
        "procedures.round", team_id=world.team_x.id, procedure_id=procedure.id, round_id=round_.id
    )
    assert "Secret objection text" in staff.get(team_url).get_data(as_text=True)
    review_rounds.close_round(world.coach_x, round_, early=True)
    db.session.commit()
    page = client.get(url_for("reference.round", round_id=round_.id)).get_data(as_text=True)
    assert "Secret objection text" in page


def test_stance_by_post_then_htmx_change_and_reason_required(client, world, login_as, no_csrf):
    _, round_, _ = _round_with_two(world)
    login_as(world.contact_a)
    url = url_for("reference.stance", round_id=round_.id)
    response = client.post(url, data={"kind": "object", "reason": "  "})
    assert response.status_code == 422 and "reason for your objection" in response.get_data(True)
    assert db.session.scalar(select(func.count(Stance.id))) == 0
    response = client.post(url, data={"kind": "object", "reason": "Too slow"})
    assert response.status_code == 303
    response = client.post(url, data={"kind": "concern", "reason": "Workable"}, headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="my-stance"')
    assert "Workable" in body and "HX-Request" in response.headers["Vary"]
    assert db.session.scalar(select(Stance.kind)) == "concern"


def test_closed_round_refuses_a_stance_and_nothing_changes(client, world, login_as, no_csrf):
    _, round_, _ = _round_with_two(world)
    stances.take_stance(world.contact_a, round_, "support", "")
    review_rounds.close_round(world.coach_x, round_, early=True)
    db.session.commit()
    login_as(world.contact_a)
    response = client.post(
        url_for("reference.stance", round_id=round_.id), data={"kind": "object", "reason": "x"}
    )
    assert response.status_code in (409, 422)
    assert db.session.scalar(select(Stance.kind)) == "support"


def _link_from_mail(recipient):
    message = [m for m in outbox(None) if m.recipient == recipient][-1]
    return re.search(r"https?://[^/\s]+(/portal/reference-group/vote/\S+)", message.body).group(1)


def test_signed_link_opens_a_page_only_the_post_records_and_reuse_is_refused(client, world):
    _round_with_two(world)  # only the mail it sends matters here
    link = _link_from_mail(world.contact_a.email)
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my stance" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Stance.id))) == 0  # GET records nothing
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(True))
    token = csrf.group(1) if csrf else ""
    missing = client.post(link, data={"csrf_token": token, "kind": "concern", "reason": ""})
    assert missing.status_code == 422
    done = client.post(link, data={"csrf_token": token, "kind": "concern", "reason": "Slow"})
    assert done.status_code == 200 and "your stance is saved" in done.get_data(as_text=True)
    assert db.session.scalar(select(Stance.reason)) == "Slow"
    again = client.get(link)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert client.get("/portal/reference-group/vote/forged").status_code == 404


def test_a_link_after_the_deadline_says_the_round_closed(client, world):
    _, round_, _ = _round_with_two(world)
    link = _link_from_mail(world.contact_a.email)
    review_rounds.close_round(world.coach_x, round_, early=True)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410 and "review has closed" in response.get_data(True)


def test_outsider_gets_404_on_rounds_and_decisions(client, world, login_as, no_csrf):
    _, round_, _ = _round_with_two(world)
    db.session.commit()
    login_as(world.contact_b)
    for endpoint in ("reference.round", "reference.decision"):
        assert client.get(url_for(endpoint, round_id=round_.id)).status_code == 404
    response = client.post(
        url_for("reference.stance", round_id=round_.id), data={"kind": "support"}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Stance.id))) == 0


def test_answer_by_htmx_returns_the_comment_fragment(client, world, login_as, no_csrf):
    procedure, round_, _ = _round_with_two(world)
    stance = stances.take_stance(world.contact_a, round_, "object", "Too slow")
    db.session.commit()
    login_as(world.member_x)
    url = url_for(
        "procedures.answer",
        team_id=world.team_x.id,
        procedure_id=procedure.id,
        round_id=round_.id,
        stance_id=stance.id,
    )
    empty = client.post(url, data={"body": ""}, headers=HX)
    assert empty.status_code == 422 and "Write the answer" in empty.get_data(True)
    response = client.post(url, data={"body": "We will collect in two days."}, headers=HX)
    assert response.status_code == 200
    assert response.get_data(True).lstrip().startswith(f'<li id="stance-{stance.id}"')
    assert "Answered by Member X" in response.get_data(True)


def test_decide_adopt_refused_with_an_unanswered_objection(client, world, login_as, no_csrf):
    procedure, round_, _ = _round_with_two(world)
    stances.take_stance(world.contact_a, round_, "object", "Too slow")
    review_rounds.close_round(world.coach_x, round_, early=True)
    db.session.commit()
    login_as(world.coach_x)
    url = url_for(
        "procedures.decide", team_id=world.team_x.id, procedure_id=procedure.id, round_id=round_.id
    )
    response = client.post(url, data={"decision": "adopted", "statement": "Yes"})
    assert response.status_code == 422 and "no answer yet" in response.get_data(as_text=True)
    db.session.refresh(procedure)
    assert procedure.status == "in_review"


def test_compare_shows_a_word_diff(client, world, login_as):
    procedure, _, _ = _round_with_two(world)
    v1 = procedure.versions[0]
    authoring.edit_procedure(
        world.member_x,
        procedure,
        None,
        title=v1.title,
        summary=v1.summary,
        customer_change=v1.customer_change,
        body="Call or write to us.\nWe collect within 2 working days.",
    )
    db.session.commit()
    login_as(world.member_x)
    page = client.get(
        url_for("procedures.compare", team_id=world.team_x.id, procedure_id=procedure.id)
    ).get_data(as_text=True)
    assert "<del>5</del>" in page and "<ins>2</ins>" in page
    bad = client.get(
        url_for("procedures.compare", team_id=world.team_x.id, procedure_id=procedure.id, a=9)
    )
    assert bad.status_code == 404


def test_library_lists_only_adopted_and_filters(client, world, login_as):
    _procedure, round_, _ = _round_with_two(world)
    review_rounds.close_round(world.coach_x, round_, early=True)
    decisions.decide(world.coach_x, round_, "adopted", "Adopted.")
    draft = factories.make_procedure(world.team_x, world.member_x, title="Secret draft")
    db.session.commit()
    login_as(world.member_y)
    page = client.get(url_for("procedures.library")).get_data(as_text=True)
    assert "Returns collected in two days" in page and "Secret draft" not in page
    fragment = client.get(url_for("procedures.library", q="nothing-like-it"), headers=HX)
    assert fragment.get_data(True).lstrip().startswith('<section id="library-results"')
    assert "Returns collected" not in fragment.get_data(True)
    assert client.get(url_for("procedures.library_item", procedure_id=draft.id)).status_code == 404
    # A "%" or "_" is a character to look for, not a wildcard that matches everything.
    assert "Returns collected" not in client.get(url_for("procedures.library", q="%")).text
    assert "Returns collected" in client.get(url_for("procedures.library", q="COLLECTED")).text


def test_concurrent_double_posts_store_one_stance(app, world, login_as):
    _, round_, _ = _round_with_two(world)
    app.config["WTF_CSRF_ENABLED"] = False
    url = url_for("reference.stance", round_id=round_.id)
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        login_as(world.contact_a, on=c)
    barrier = threading.Barrier(len(clients))
    statuses = []

    def post(c):
        barrier.wait()
        statuses.append(c.post(url, data={"kind": "object", "reason": "Too slow"}).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [303] * len(clients)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Stance.id))) == 1
    assert db.session.scalar(select(func.count(StanceChange.id))) == 1


def test_join_and_leave_from_the_team_page(client, world, login_as):
    login_as(world.contact_a)
    team_page = client.get(url_for("customer.team")).get_data(as_text=True)
    assert "Join the reference group" in team_page
    token = re.search(r'name="csrf_token" value="([^"]+)"', team_page).group(1)
    response = client.post(
        url_for("reference.join"), data={"csrf_token": token, "account": world.account_a.id}
    )
    assert response.status_code == 303
    assert "You are in Team X" in client.get(url_for("customer.team")).get_data(as_text=True)
    foreign = client.post(
        url_for("reference.join"), data={"csrf_token": token, "account": world.account_b.id}
    )
    assert foreign.status_code == 404
    client.post(url_for("reference.leave"), data={"csrf_token": token, "team": world.team_x.id})
    assert group_membership.current_membership(world.contact_a, world.team_x.id) is None


def test_coach_invites_a_contact_by_mail(client, world, login_as, no_csrf):
    login_as(world.coach_x)
    response = client.post(
        url_for("procedures.invite", team_id=world.team_x.id),
        data={"contact": world.contact_a.id},
    )
    assert response.status_code == 303
    mail = outbox(None)[-1]
    assert mail.recipient == world.contact_a.email and "/portal/reference-group" in mail.body
    # Contact B is another team's customer: not a choice.
    refused = client.post(
        url_for("procedures.invite", team_id=world.team_x.id),
        data={"contact": world.contact_b.id},
    )
    assert refused.status_code == 422


HOSTILE = (
    '<script>alert(1)</script> <img src=x onerror=alert(2)> <a hx-get="/x">h</a> '
    "[link](javascript:alert(3)) {{7*7}} \u202eevil"
)


def test_hostile_text_is_shown_inert_everywhere(client, world, login_as, no_csrf):
    factories.join_reference_group(world.contact_a, world.account_a)
    procedure = factories.make_procedure(
        world.team_x, world.member_x, title=HOSTILE[:150], body=HOSTILE, summary=HOSTILE
    )
    round_ = factories.open_review_round(procedure, world.coach_x)
    stance = stances.take_stance(world.contact_a, round_, "object", HOSTILE)
    stances.answer(world.member_x, stance, HOSTILE)
    db.session.commit()
    login_as(world.member_x)
    pages = [
        url_for("procedures.show", team_id=world.team_x.id, procedure_id=procedure.id),
        url_for(
            "procedures.round",
            team_id=world.team_x.id,
            procedure_id=procedure.id,
            round_id=round_.id,
        ),
    ]
    bodies = [client.get(url).get_data(as_text=True) for url in pages]
    login_as(world.contact_a)
    bodies.append(client.get(url_for("reference.round", round_id=round_.id)).get_data(True))
    for body in bodies:
        assert "<script>alert" not in body and "<img" not in body
        assert "<a hx-get" not in body and 'href="javascript' not in body
        assert "{{7*7}}" in body  # shown as typed, never evaluated


def test_coach_withdraws_a_draft_but_not_a_procedure_under_review(client, world, login_as, no_csrf):
    procedure, _, _ = _round_with_two(world)
    draft = factories.make_procedure(world.team_x, world.member_x, title="Not needed")
    db.session.commit()
    login_as(world.coach_x)
    for item in (draft, procedure):
        url = url_for("procedures.withdraw", team_id=world.team_x.id, procedure_id=item.id)
        assert client.post(url).status_code == 303
    db.session.refresh(draft)
    db.session.refresh(procedure)
    assert draft.status == "withdrawn" and procedure.status == "in_review"


def test_live_tally_poll_answers_the_tally_fragment(client, world, login_as):
    procedure, round_, other = _round_with_two(world)
    stances.take_stance(other, round_, "support", "Fine by us")
    db.session.commit()
    login_as(world.member_x)
    url = url_for(
        "procedures.round", team_id=world.team_x.id, procedure_id=procedure.id, round_id=round_.id
    )
    response = client.get(url, headers=HX)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="round-tally"')
    assert "Fine by us" in body and "HX-Request" in response.headers["Vary"]


def test_lists_show_only_the_contacts_own_groups_and_teams(client, world, login_as):
    procedure, round_, _ = _round_with_two(world)
    review_rounds.close_round(world.coach_x, round_, early=True)
    decisions.decide(world.coach_x, round_, "adopted", "Adopted.")
    factories.join_reference_group(world.contact_b, world.account_b)
    theirs = factories.make_procedure(world.team_y, world.member_y, title="Team Y slots")
    factories.open_review_round(theirs, world.member_y)
    db.session.commit()
    mine = review_rounds.open_rounds_for(world.contact_b)
    assert [r.procedure_id for r, _ in mine] == [theirs.id]
    assert shared_library.how_we_work(world.contact_b) == []
    assert [p.id for p, _ in shared_library.how_we_work(world.contact_a)] == [procedure.id]
    login_as(world.contact_b)
    page = client.get(url_for("reference.index")).get_data(as_text=True)
    assert "Team Y slots" in page and "Returns collected" not in page
    page = client.get(url_for("reference.how_we_work")).get_data(as_text=True)
    assert "Returns collected" not in page
    other = url_for("reference.how_we_work_item", procedure_id=procedure.id)
    assert client.get(other).status_code == 404
