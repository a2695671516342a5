"""At 390 px (a phone) in Chinese: no applicant page scrolls sideways, the header stays two
short rows, status labels do not break one character per line, and no console error."""

from __future__ import annotations

import pytest

from grants.applications.models import Application
from tests import factories
from tests.applications import factories as af
from tests.browser_support import browser, fits_a_phone, live_server, login, phone_zh  # noqa: F401


@pytest.mark.browser
def test_applicant_and_staff_pages_fit_a_phone(session, live_server, phone_zh):  # noqa: F811
    rnd = af.round_(session, name="2026年南山街道第四届社会治理创新大赛")
    user = af.applicant(session)
    draft = af.application(session, rnd, user, title="长者食堂互助计划")
    submitted = af.application(session, af.round_(session), user, title="四点半课堂")
    submitted.status = "eligible"
    factories.user(session, "organiser", username="phone-boss")
    from tests.rounds import factories as rf

    plan = rf.draft(session)  # a draft's stage editor, with a scoring stage's selects
    rf.scoring_stage(session, plan)
    session.commit()
    assert session.get(Application, draft.id)
    pages = {user.username: ["/", "/applications/mine", "/rounds/open", f"/rounds/{rnd.id}",
                             f"/applications/{draft.id}", f"/applications/{draft.id}/edit",
                             "/notices"],
             "phone-boss": ["/", "/organisations", "/rounds", "/admin/audit",
                            f"/rounds/{rnd.id}", f"/rounds/{plan.id}/edit/stages"]}
    for username, paths in pages.items():
        login(phone_zh, live_server, username)
        for path in paths:
            phone_zh.goto(live_server + path)
            fits_a_phone(phone_zh)
            header = phone_zh.evaluate(
                "document.querySelector('.site-header').getBoundingClientRect().height")
            assert header < 120, (path, header)
            tall = phone_zh.evaluate("""() => [...document.querySelectorAll('.badge')]
                .filter(e => e.getBoundingClientRect().height > 40).map(e => e.textContent)""")
            assert tall == [], (path, tall)
    assert phone_zh.console_errors == []


@pytest.mark.browser
def test_a_documents_html_preview_fits_a_phone(session, live_server, phone_zh):  # noqa: F811
    """A document's preview (?format=html) is an A4 page on a desktop and fits a phone: the
    demo's award list, agreement and public notice, with their long names."""
    from sqlalchemy import select

    from grants.awards.models import Award
    from grants.demo import data, load

    load.load(session)
    session.commit()
    award = session.execute(select(Award).where(Award.status == "confirmed")
                            .order_by(Award.id)).scalars().first()
    login(phone_zh, live_server, "organiser", data.DEMO_PASSWORD)
    for path in (f"/rounds/{award.round_id}/awards/list.pdf", f"/awards/{award.id}/agreement.pdf",
                 f"/public/notices/{award.notice_id}/notice.pdf"):
        phone_zh.goto(f"{live_server}{path}?format=html")
        assert phone_zh.locator("table").count() >= 1, path
        fits_a_phone(phone_zh)
