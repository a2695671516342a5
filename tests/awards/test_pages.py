"""The award pages as people use them: the organiser proposes, publishes, a member of the
public objects without logging in, the organiser resolves and confirms; documents download
for those allowed and for nobody else; public pages show no personal data."""

import shutil
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select

from grants.awards import services as awards
from grants.awards import workflow
from grants.awards.models import Award, AwardNotice, Objection
from grants.organisations.models import Organisation
from tests.awards.factories import judged
from tests.conftest import Client

pytestmark = pytest.mark.db


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True)
    return done.stdout.decode("utf-8")


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils (make system-deps) not installed")


def _walk_to_published(client, session, w, monkeypatch):
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    client.login(w.organiser.username)
    odd = client.post_form(f"/rounds/{w.round.id}/awards/propose", {"first": "²"})
    assert odd.status_code == 400  # a superscript digit is not a number here, nor a 500
    page = client.get(f"/rounds/{w.round.id}/awards")
    assert page.status_code == 200 and 'id="propose-button"' in page.text
    response = client.post_form(f"/rounds/{w.round.id}/awards/propose",
                                {"first": "1", "second": "1", "third": "", "excellence": "1"})
    assert response.status_code == 303
    page = client.get(f"/rounds/{w.round.id}/awards").text
    assert "First prize" in page and "项目1" in page
    bad = client.post_form(f"/rounds/{w.round.id}/awards/publish",
                           {"title": "", "contact": "", "working_days": "abc"})
    assert bad.status_code == 400 and "Enter a whole number" in bad.text
    response = client.post_form(f"/rounds/{w.round.id}/awards/publish",
                                {"title": "2026年测试街道公益创投拟资助项目公示",
                                 "contact": "测试街道 0755-0000", "working_days": "5"})
    assert response.status_code == 303
    session.expire_all()
    return session.execute(select(AwardNotice).where(
        AwardNotice.round_id == w.round.id)).scalar_one()


def test_the_whole_walk_from_proposal_to_confirmed_documents(app, client, session, monkeypatch):
    w = judged(session)
    notice = _walk_to_published(client, session, w, monkeypatch)
    assert notice.window_end == date(2026, 9, 24)
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as public:
        index = public.get("/public").text
        assert "2026年测试街道公益创投拟资助项目公示" in index
        page = public.get(f"/public/notices/{notice.id}")
        assert page.status_code == 200 and 'id="objection-form"' in page.text
        sent = public.post_form(f"/public/notices/{notice.id}/objections",
                                {"name": "赵六", "contact": "zhao@example.org",
                                 "reasons": "项目1的实施地点与申报不符，请核实。",
                                 "application_id": str(w.apps[0].id)},
                                files={"evidence": ("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64,
                                                    "image/png")})
        assert sent.status_code == 303  # to the notice, so that a reload lodges nothing
        received = public.get(sent.headers["location"]).text
        reference = session.execute(select(Objection.reference)).scalar_one()
        assert 'id="objection-received"' in received and reference in received
        again = public.get(f"/public/notices/{notice.id}").text
        assert 'id="objection-received"' not in again  # the receipt is shown once
        assert "赵六" not in again and "zhao@example.org" not in again  # nothing revealed
        assert session.execute(select(func.count()).select_from(Objection)).scalar_one() == 1
    objection = session.execute(select(Objection)).scalar_one()
    assert objection.evidence_kind == "png"
    assert client.get(f"/objections/{objection.id}/evidence").status_code == 200
    # an objection is the organiser's: anyone else is told it is not found, as for an id that
    # does not exist (an objector's name never leaks, nor how many objections there are)
    from tests import factories

    snoop = factories.user(session, "applicant")
    session.commit()
    with Client(app, base_url="http://testserver") as other:
        other.login(snoop.username)
        for path in (f"/objections/{objection.id}", f"/objections/{objection.id}/evidence",
                     f"/objections/{objection.id + 100}"):
            assert other.get(path).status_code == 404, path
    blocked = client.post_form(f"/rounds/{w.round.id}/awards/confirm", {"confirm": "1"})
    assert blocked.status_code == 400  # the window has not ended and an objection is open
    assert "This could not be done:" in blocked.text and "marked fields" not in blocked.text
    page = client.get(f"/rounds/{w.round.id}/awards").text
    assert 'id="confirm-blocked"' in page
    assert 'id="confirm-button" disabled' in page  # the page already knows it would be refused
    response = client.post_form(f"/objections/{objection.id}",
                                {"action": "dismiss", "reason": "经现场核实，实施地点一致。"})
    assert response.status_code == 303
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 9, 25))
    unticked = client.post_form(f"/rounds/{w.round.id}/awards/confirm", {})
    assert unticked.status_code == 400 and "Tick the box" in unticked.text
    response = client.post_form(f"/rounds/{w.round.id}/awards/confirm", {"confirm": "1"})
    assert response.status_code == 303
    session.expire_all()
    award = session.execute(select(Award).order_by(Award.position)).scalars().first()
    assert award.status == "confirmed"
    for url in (f"/rounds/{w.round.id}/awards/list.pdf",
                f"/rounds/{w.round.id}/awards/certificates.pdf",
                f"/awards/{award.id}/letter.pdf", f"/awards/{award.id}/agreement.pdf",
                f"/awards/{award.id}/certificate.pdf",
                f"/stages/{w.stage.id}/score-summary.pdf"):
        got = client.get(url)
        assert got.status_code == 200 and got.content.startswith(b"%PDF-"), url
        preview = client.get(url + "?format=html")
        assert preview.status_code == 200 and "<html" in preview.text.lower(), url
        # styled as the PDF (its stylesheet is inline), and still no script of any origin
        policy = preview.headers["content-security-policy"]
        assert "style-src 'unsafe-inline'" in policy and "default-src 'none'" in policy, url
        assert "script-src" not in policy, url
    verify = client.get(f"/verify/{award.code}")
    org = session.get(Organisation, award.organisation_id)
    assert verify.status_code == 200 and org.name in verify.text


def test_documents_are_for_the_organisation_and_staff_only(app, client, session, monkeypatch):
    from tests import factories
    from tests.applications import factories as af

    w = judged(session)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    notice = awards.propose(session, awards.audit.SYSTEM, None, w.round)
    awards.publish(session, awards.audit.SYSTEM, None, notice, title="公示", contact="",
                   working_days=5)
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 9, 25))
    awards.confirm(session, awards.audit.SYSTEM, None, notice)
    award = session.execute(select(Award).order_by(Award.position)).scalars().first()
    member = factories.user(session, "applicant",
                            organisation=session.get(Organisation, award.organisation_id))
    stranger = af.applicant(session)
    session.commit()
    with Client(app, base_url="http://testserver") as other:
        other.login(member.username)
        assert 'id="award-documents"' in other.get(f"/applications/{award.application_id}").text
        assert other.get(f"/awards/{award.id}/letter.pdf").status_code == 200
        assert other.get(f"/rounds/{w.round.id}/awards").status_code == 403
    with Client(app, base_url="http://testserver") as other:
        other.login(stranger.username)
        for url in (f"/awards/{award.id}/letter.pdf", f"/awards/{award.id}/agreement.pdf",
                    f"/awards/{award.id}/certificate.pdf"):
            assert other.get(url).status_code == 404, url  # as for an award that does not exist
        # the round is public: its certificates are refused, not hidden
        assert other.get(f"/rounds/{w.round.id}/awards/certificates.pdf").status_code == 403
        assert other.get(f"/awards/{award.id + 1000}/letter.pdf").status_code == 404
    with Client(app, base_url="http://testserver") as anonymous:
        response = anonymous.get(f"/awards/{award.id}/letter.pdf", follow_redirects=False)
        assert response.status_code == 303


def test_a_draft_notice_is_not_public(app, session):
    w = judged(session)
    notice = awards.propose(session, awards.audit.SYSTEM, None, w.round)
    session.commit()
    with Client(app, base_url="http://testserver") as public:
        assert public.get(f"/public/notices/{notice.id}").status_code == 404
        assert public.get(f"/public/notices/{notice.id}/notice.pdf").status_code == 404
        assert notice.title and notice.title not in public.get("/public").text


def test_the_certificate_check_says_plainly_when_a_code_is_unknown(app, session):
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as public:
        for code in ("NOSUCH2345", "<script>alert(1)</script>", "%00", "x" * 500):
            response = public.get("/verify", params={"code": code})
            assert response.status_code == 404 and "Unknown code" in response.text
            assert "<script>alert" not in response.text
        assert public.get("/verify").status_code == 200


def test_public_objection_with_bad_input_answers_400_and_stores_nothing(app, session,
                                                                        monkeypatch):
    w = judged(session)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    notice = awards.propose(session, awards.audit.SYSTEM, None, w.round)
    awards.publish(session, awards.audit.SYSTEM, None, notice, title="公示", contact="",
                   working_days=5)
    session.commit()
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 20))
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as public:
        url = f"/public/notices/{notice.id}/objections"
        for form in ({}, {"name": "甲", "contact": "1", "reasons": "x" * 20},
                     {"name": "甲", "contact": "13800138000", "reasons": "x" * 20,
                      "application_id": "abc"},
                     {"name": "甲", "contact": "13800138000", "reasons": "x" * 20,
                      "application_id": "99999999999999999999"}):
            response = public.post_form(url, form)
            assert response.status_code == 400, form
        response = public.post_form(url, {"name": "甲", "contact": "13800138000",
                                          "reasons": "x" * 20},
                                    files={"evidence": ("a.exe", b"MZ" + b"0" * 100,
                                                        "application/octet-stream")})
        assert response.status_code == 400 and "not accepted" in response.text
        assert public.post_form(f"/public/notices/{notice.id + 999}/objections",
                                {}).status_code == 404
    assert session.execute(select(Objection)).first() is None


@needs_poppler
def test_award_list_pdf_carries_names_amounts_capitals_and_the_address(client, session,
                                                                       monkeypatch):
    w = judged(session)
    notice = _walk_to_published(client, session, w, monkeypatch)
    text = _text(client.get(f"/public/notices/{notice.id}/notice.pdf").content)
    assert "2026年测试街道公益创投拟资助项目公示" in text
    assert "项目1" in text and "50,000.00" in text
    assert "壹拾陆万元整" in text  # 50,000 + 40,000 + 40,000 + 30,000
    assert f"/public/notices/{notice.id}" in text
    assert "第1页/共1页" in text.replace(" ", "")


def test_a_project_withdrawn_during_the_notice_is_listed_as_a_change(app, client, session,
                                                                      monkeypatch):
    """A published list never loses a project silently: the public page and the PDF say
    which project was withdrawn, when and why."""
    from tests.awards.factories import proposed

    w, notice = proposed(session)
    ranked = session.execute(select(Award).where(Award.notice_id == notice.id)
                             .order_by(Award.position)).scalars().all()
    # withdrawn while the proposal was a draft: never published, so never a "change"
    awards.withdraw(session, awards.audit.SYSTEM, w.organiser, ranked[-1], "草案阶段撤回")
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, awards.audit.SYSTEM, None, notice, title="公示", contact="",
                   working_days=5)
    session.commit()
    first = ranked[0]
    before = client.get(f"/public/notices/{notice.id}").text
    assert 'id="notice-changes"' not in before
    awards.withdraw(session, awards.audit.SYSTEM, w.organiser, first, "异议成立：重复申报")
    session.commit()
    page = client.get(f"/public/notices/{notice.id}").text
    changes = page.split('id="notice-changes"', 1)[1].split("</section>", 1)[0]
    assert "异议成立：重复申报" in changes and "withdrawn on" in changes
    assert "草案阶段撤回" not in page
    listed = page.split('id="notice-awards"', 1)[1].split("</table>", 1)[0]
    from grants.applications.models import Application

    project = session.get(Application, first.application_id).title
    assert project in changes and project not in listed
    text = _text(client.get(f"/public/notices/{notice.id}/notice.pdf").content)
    assert "更正说明" in text and "异议成立：重复申报" in text.replace("\n", "")
