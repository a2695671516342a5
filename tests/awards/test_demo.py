"""The demo shows a running notice (one objection pending, one resolved) and a round with
confirmed awards whose documents all download."""

import pytest
from sqlalchemy import select

from grants.awards.models import Award, AwardNotice, Objection
from grants.demo import data
from grants.rounds.models import Round

pytestmark = pytest.mark.db


def test_demo_notice_objections_and_confirmed_awards(client, session):
    from grants.demo import load

    load.load(session)
    session.commit()
    notices = {n.status: n for n in session.execute(  # the past years' rounds are finished
        select(AwardNotice).join(Round, Round.id == AwardNotice.round_id)
        .where(Round.status != "finished")).scalars()}
    assert set(notices) == {"published", "confirmed"}
    running = notices["published"]
    statuses = sorted(o.status for o in session.execute(select(Objection).where(
        Objection.notice_id == running.id)).scalars())
    assert statuses == ["dismissed", "lodged"]
    assert session.get(Round, notices["confirmed"].round_id).status == "decided"
    confirmed = session.execute(select(Award).where(
        Award.notice_id == notices["confirmed"].id, Award.status == "confirmed")
        .order_by(Award.position)).scalars().all()
    assert len(confirmed) >= 2 and len({a.level for a in confirmed}) == len(confirmed)
    assert client.get(f"/public/notices/{running.id}").status_code == 200
    client.login("organiser", data.DEMO_PASSWORD)
    round_id = notices["confirmed"].round_id
    page = client.get(f"/rounds/{round_id}/awards").text
    assert "All certificates (PDF)" in page or "全部证书" in page
    for url in (f"/rounds/{round_id}/awards/list.pdf", f"/rounds/{round_id}/awards/certificates.pdf",
                f"/awards/{confirmed[0].id}/letter.pdf", f"/awards/{confirmed[0].id}/agreement.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-"), url
