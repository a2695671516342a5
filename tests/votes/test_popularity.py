"""The 人气奖: publishing a vote names it (the organiser breaks a tie with a recorded reason),
with a certificate whose code /verify recognises."""

from __future__ import annotations

import subprocess

from sqlalchemy import select
from sqlmodel import Session

from grants.audit import AuditEvent
from grants.organisations.models import Organisation
from grants.votes import services
from grants.votes.models import VoteAward
from tests import factories
from tests.votes.factories import token_for, vote, voting_round


def _voted(session: Session, setup, apps, counts: list[int]) -> None:
    """`counts[i]` votes for apps[i], each from its own voter."""
    n = 0
    for app, many in zip(apps, counts, strict=True):
        for _ in range(many):
            n += 1
            device = f"device-{n:012d}"
            token = token_for(session, setup, f"voter{n}@example.org", device, f"10.2.{n}.1")
            vote(session, setup, app.id, token, device, f"10.2.{n}.1")
    setup.status = "closed"
    session.commit()


def _award(session: Session, round_id: int) -> VoteAward | None:
    session.expire_all()
    return services.award_of(session, round_id)


def test_a_single_leader_is_named_with_a_certificate_its_members_can_fetch(
        client, session: Session) -> None:
    round_, setup, apps = voting_round(session)
    _voted(session, setup, apps, [1, 3, 2])
    factories.user(session, "organiser", username="org-pop")
    winner_member = factories.user(session, "applicant", username="winner-member",
                                   organisation=session.get(Organisation, apps[1].organisation_id))
    factories.user(session, "applicant", username="other-member",
                   organisation=session.get(Organisation, apps[0].organisation_id))
    session.commit()
    client.login("org-pop")
    results = client.get(f"/rounds/{round_.id}/vote/results").text
    assert 'id="publish-vote"' in results and 'name="winner"' not in results
    assert client.post_form(f"/rounds/{round_.id}/vote/move/publish",
                            {"from": "results"}).status_code == 303
    award = _award(session, round_.id)
    assert award is not None
    assert (award.application_id, award.organisation_id, award.counted, award.tied_with,
            award.reason) == (apps[1].id, apps[1].organisation_id, 3, [], "")
    assert services.setup_for(session, round_.id).status == "published"
    assert session.execute(select(AuditEvent).where(AuditEvent.action == "vote.award")).first()
    page = client.get(f"/rounds/{round_.id}/vote/results").text
    assert award.code in page and "社区项目2" in page.split('id="popularity-award"')[1]
    public = client.get(f"/vote/{round_.id}").text
    assert "社区项目2" in public.split('id="popularity-award"')[1].split("</section>")[0]
    verified = client.get(f"/verify/{award.code}")
    assert verified.status_code == 200 and 'id="verify-valid"' in verified.text
    assert "社区项目2" in verified.text
    pdf = client.get(f"/rounds/{round_.id}/vote/certificate.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf.content,
                          capture_output=True, check=True).stdout.decode()
    assert "人气奖" in text and "社区项目2" in text and award.code in text
    client.cookies.clear()
    client.login("winner-member")
    assert client.get(f"/rounds/{round_.id}/vote/certificate.pdf").status_code == 200
    client.cookies.clear()
    client.login("other-member")
    assert client.get(f"/rounds/{round_.id}/vote/certificate.pdf").status_code in (403, 404)
    assert winner_member.id


def test_a_tie_needs_the_organisers_choice_and_reason(client, session: Session) -> None:
    round_, setup, apps = voting_round(session)
    _voted(session, setup, apps, [2, 2, 1])
    factories.user(session, "organiser", username="org-tie")
    session.commit()
    client.login("org-tie")
    page = client.get(f"/rounds/{round_.id}/vote/results").text
    assert 'name="winner"' in page and f'value="{apps[2].id}"' not in page.split(
        'id="publish-vote"')[1].split("</form>")[0]
    url = f"/rounds/{round_.id}/vote/move/publish"
    for form in ({}, {"winner": str(apps[2].id), "reason": "第三名"},
                 {"winner": str(apps[1].id), "reason": ""}, {"winner": "x1", "reason": "r"},
                 {"winner": str(apps[1].id), "reason": "a\x07b"}):
        assert client.post_form(url, form).status_code == 303
        assert _award(session, round_.id) is None
        assert services.setup_for(session, round_.id).status == "closed"
    refused = client.get(f"/rounds/{round_.id}/vote/results").text
    assert refused.count("flash-error") >= 1
    assert client.post_form(url, {"winner": str(apps[1].id),
                                  "reason": "评审会议决定：线下活动参与人数更多"}).status_code == 303
    award = _award(session, round_.id)
    assert award is not None and award.application_id == apps[1].id
    assert award.tied_with == [apps[0].id] and award.reason.startswith("评审会议决定")
    page = client.get(f"/rounds/{round_.id}/vote/results").text
    assert "社区项目1" in page.split('id="popularity-award"')[1].split("</section>")[0]


def test_no_votes_publish_without_naming_anyone(session: Session) -> None:
    from grants import audit

    round_, setup, apps = voting_round(session)
    setup.status = "closed"
    assert services.publish(session, audit.SYSTEM, None, setup) is None
    assert setup.status == "published" and services.award_of(session, round_.id) is None
    assert apps


def test_a_score_vote_names_no_popularity_award(session: Session) -> None:
    from grants import audit

    round_, setup, apps = voting_round(session, use="score", weight_pct=20)
    _voted(session, setup, apps, [1, 0, 0])
    assert services.publish(session, audit.SYSTEM, None, setup) is None
    assert services.award_of(session, round_.id) is None


def test_after_publishing_the_count_is_final_and_odd_input_changes_nothing(client, session):
    round_, setup, apps = voting_round(session)
    _voted(session, setup, apps, [2, 2, 1])
    factories.user(session, "organiser", username="org-final")
    session.commit()
    client.login("org-final")
    url = f"/rounds/{round_.id}/vote/move/publish"
    for raw in ("²", "١", "99999999999999999999"):
        assert client.post_form(url, {"winner": raw, "reason": "r"}).status_code == 303
        assert _award(session, round_.id) is None
    for raw in ("²", "99999999999999999999"):
        answer = client.post_form(f"/rounds/{round_.id}/vote/exclude",
                                  {"vote_ids": raw, "reason": "测试"})
        assert answer.status_code == 400
    assert client.post_form(url, {"winner": str(apps[0].id), "reason": "抽签"}).status_code == 303
    from grants.votes.models import Vote

    vote_id = session.execute(select(Vote.id).where(Vote.round_id == round_.id)).scalars().first()
    refused = client.post_form(f"/rounds/{round_.id}/vote/exclude",
                               {"vote_ids": str(vote_id), "reason": "公布后剔除"})
    assert refused.status_code == 400 and "published" in refused.text
    assert services.excluded_ids(session, round_.id) == set()
