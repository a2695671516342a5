"""Whether an organisation may apply is said up front — on the round page, the apply page and
the home page — and enforced when a draft starts: eligibility rules, and the per-organisation
limit counted with drafts."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.applications.models import Application
from tests import factories
from tests.applications import factories as af


def _drafts(session, round_id: int) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(Application).where(
        Application.round_id == round_id)).scalar_one()


def test_an_organisation_outside_the_rounds_communities_is_told_before_typing(client, session):
    allowed = factories.community(session, name="荔林社区")
    rnd = af.round_(session, eligibility={"community_ids": [allowed.id]})
    user = af.applicant(session)
    session.commit()
    client.login(user.username)
    page = client.get(f"/rounds/{rnd.id}").text
    standing = page.split('id="standing"')[1].split("</section>")[0]
    assert "cannot apply" in standing and "荔林社区" in standing and "yours is based in" in standing
    assert f'href="/rounds/{rnd.id}/apply"' not in page
    apply_page = client.get(f"/rounds/{rnd.id}/apply").text
    assert "荔林社区" in apply_page
    assert 'name="title"' not in apply_page  # no form that can only be refused
    assert "Please correct the marked fields" not in apply_page
    listed = client.get("/rounds/open").text.split(f'id="open-round-{rnd.id}"')[1][:3000]
    assert "荔林社区" in listed.split(f'id="standing-{rnd.id}"')[1][:400]
    assert f'href="/rounds/{rnd.id}/apply"' not in listed
    track = af.track_of(session, rnd)
    refused = client.post_form(f"/rounds/{rnd.id}/apply",
                               {"title": "长者饭堂", "track_id": str(track.id)})
    assert refused.status_code == 400 and "荔林社区" in refused.text
    assert _drafts(session, rnd.id) == 0


def test_an_eligible_organisation_sees_it_may_apply(client, session):
    rnd = af.round_(session)
    user = af.applicant(session)
    session.commit()
    client.login(user.username)
    page = client.get(f"/rounds/{rnd.id}").text
    assert "may apply to this round" in page.split('id="standing"')[1]
    assert f'href="/rounds/{rnd.id}/apply"' in page


def test_the_limit_counts_drafts_when_a_draft_starts(client, session):
    rnd = af.round_(session, max_applications_per_org=2)
    user = af.applicant(session)
    af.application(session, rnd, user, title="第一个")
    session.commit()
    client.login(user.username)
    track = af.track_of(session, rnd)
    second = client.post_form(f"/rounds/{rnd.id}/apply",
                              {"title": "第二个", "track_id": str(track.id)})
    assert second.status_code == 303 and _drafts(session, rnd.id) == 2
    third = client.post_form(f"/rounds/{rnd.id}/apply",
                             {"title": "第三个", "track_id": str(track.id)})
    assert third.status_code == 400
    assert "already has 2 applications in this round (drafts included)" in third.text
    assert _drafts(session, rnd.id) == 2


def test_my_applications_offers_apply_only_where_the_organisation_may(client, session):
    allowed = factories.community(session)
    closed_to_us = af.round_(session, eligibility={"community_ids": [allowed.id]})
    open_to_us = af.round_(session)
    user = af.applicant(session)
    session.commit()
    client.login(user.username)
    page = client.get("/applications/mine").text
    assert f'href="/rounds/{open_to_us.id}/apply"' in page
    assert f'href="/rounds/{closed_to_us.id}/apply"' not in page
    assert "cannot apply" in page.split(f'id="standing-{closed_to_us.id}"')[1][:400]


def test_the_form_offers_only_the_rounds_communities_to_serve(client, session):
    ours = factories.community(session, name="荔林社区")
    elsewhere = factories.community(session, name="滨城社区")
    rnd = af.round_(session, eligibility={"community_ids": [ours.id]})
    user = af.applicant(session, community=ours)
    app = af.application(session, rnd, user, community_ids=[ours.id])
    session.commit()
    client.login(user.username)
    page = client.get(f"/applications/{app.id}/edit").text
    assert "荔林社区" in page and "滨城社区" not in page
    assert elsewhere.id != ours.id
