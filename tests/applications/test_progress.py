"""An applicant's list and an application's page say how far a funded project has gone (its
award and agreement), not only "passed screening"."""

from __future__ import annotations

from bs4 import BeautifulSoup

from grants.awards.models import Award, AwardNotice
from grants.disbursements.models import Agreement
from tests.applications import factories as af
from tests.querycount import count_queries


def _funded(session, user, award_status=None, agreement_status=None):
    """An application that passed screening, with an award and perhaps an agreement."""
    rnd = af.round_(session)
    app = af.application(session, rnd, user, title=f"项目{award_status}{agreement_status}")
    app.status = "eligible"
    rnd.status = "running"
    if award_status is None:
        session.flush()
        return app
    notice = AwardNotice(round_id=rnd.id)
    session.add(notice)
    session.flush()
    award = Award(round_id=rnd.id, notice_id=notice.id, application_id=app.id,
                  organisation_id=app.organisation_id, status=award_status,
                  amount_fen=2_000_000, code=f"C{app.id:06d}")
    session.add(award)
    session.flush()
    if agreement_status:
        session.add(Agreement(award_id=award.id, round_id=rnd.id,
                              organisation_id=app.organisation_id, status=agreement_status,
                              number=f"XY-{app.id}", amount_fen=2_000_000))
    session.flush()
    return app


def _statuses(page) -> dict[str, str]:
    rows = BeautifulSoup(page.text, "html.parser").select("#applications tbody tr")
    return {row.select("td")[0].get_text(strip=True): row.select("td")[2].get_text(strip=True)
            for row in rows}


def test_my_applications_show_the_furthest_stage(zh_client, session):
    user = af.applicant(session)
    plain = _funded(session, user)
    _funded(session, user, "proposed")
    _funded(session, user, "confirmed")
    _funded(session, user, "confirmed", "draft")
    signed = _funded(session, user, "confirmed", "signed")
    _funded(session, user, "confirmed", "terminated")
    _funded(session, user, "revoked", "signed")
    session.commit()
    zh_client.login(user.username)
    found = _statuses(zh_client.get("/applications/mine"))
    assert found[plain.title] == "资格审查通过"
    assert sorted(found.values()) == sorted(
        ["资格审查通过", "拟资助", "已立项", "已立项", "协议已签署", "已终止", "资助已撤销"])
    assert found[signed.title] == "协议已签署"
    detail = zh_client.get(f"/applications/{signed.id}")
    status = BeautifulSoup(detail.text, "html.parser").select_one("#app-status")
    assert status.get_text(strip=True) == "协议已签署"


def test_the_stages_cost_one_query_for_the_page(client, session, engine):
    user = af.applicant(session)
    _funded(session, user, "confirmed", "signed")
    session.commit()
    client.login(user.username)
    with count_queries(engine) as small:
        assert client.get("/applications/mine").status_code == 200
    for status in ("proposed", "confirmed", "revoked"):
        _funded(session, user, status, "signed" if status != "proposed" else None)
    session.commit()
    with count_queries(engine) as large:
        page = client.get("/applications/mine")
    assert page.status_code == 200 and "Agreement signed" in page.text
    assert len(large) == len(small)
