"""In Chromium on a phone-sized screen (390 × 844): a judge declares no conflict, scores with
autosave, reloads, submits and can no longer edit."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from grants.judging.models import ScoreSheet
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, browser, live_server, login, page  # noqa: F401
from tests.judging.factories import world
from tests.rounds import factories as rf


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    created = context.new_page()
    created.set_default_timeout(15000)
    yield created
    context.close()


@pytest.mark.browser
def test_a_judge_scores_on_a_phone(session, live_server, phone):  # noqa: F811
    w = world(session, n_apps=1, n_judges=2, k=2)
    judge = w.judges[0]
    assignment = w.assignments_of(session, judge)[0]
    login(phone, live_server, judge.username)
    phone.goto(f"{live_server}/judging")
    phone.click(f"a[href$='/assignments/{assignment.id}']")
    phone.click("#no-conflict")
    phone.wait_for_url("**/sheets/*")
    sheet_id = int(phone.url.rsplit("/", 1)[1])
    # Type every criterion: the live total follows, and autosave stores the draft.
    for key, _name, points in rf.RUBRIC:
        phone.fill(f"input[name=points_{key}]", str(points - 2))
    expected = sum(points - 2 for _k, _n, points in rf.RUBRIC)
    assert phone.inner_text("#live-total") == str(expected)
    phone.fill("textarea[name=overall_comment]", "设计扎实")
    expect(phone.locator("#autosave-status")).to_contain_text("Saved automatically")
    deadline = time.monotonic() + 10
    while True:  # the last change is saved a moment after typing stops
        session.expire_all()
        saved = session.get(ScoreSheet, sheet_id)
        if saved.overall_comment == "设计扎实" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert saved.points["need"] == 18 and saved.overall_comment == "设计扎实"
    # The form fits the phone's width.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone.reload()
    assert phone.input_value("input[name=points_need]") == "18"
    assert phone.input_value("textarea[name=overall_comment]") == "设计扎实"
    # A value the server refuses (sent past the browser's own check): the list of problems
    # above the form names the criterion, not only "Must be at most …".
    phone.evaluate("document.querySelector('input[name=points_need]').form.noValidate = true")
    phone.fill("input[name=points_need]", "99")
    phone.click("#save-draft")
    problem = phone.locator(".flash-error a[href='#f-points_need']")
    need = next(name for key, name, _p in rf.RUBRIC if key == "need")
    expect(problem).to_contain_text(need)
    phone.fill("input[name=points_need]", "18")
    phone.click("#submit-sheet")
    phone.wait_for_url("**/judging")
    phone.goto(f"{live_server}/sheets/{sheet_id}")
    assert phone.is_disabled("input[name=points_need]")
    assert phone.locator("#submit-sheet").count() == 0
    assert "submitted and locked" in phone.inner_text("main")
    session.expire_all()
    assert session.get(ScoreSheet, sheet_id).status == "submitted"


_ = CHROMIUM, CHROMIUM_ARGS


@pytest.mark.browser
def test_the_projection_fills_the_hall_screen_and_follows_the_organiser(
        session, live_server, page):  # noqa: F811
    """The projection has no site header, menu or footer, large type, no CSP complaint (the
    `page` fixture fails on any console error), and follows the organiser by itself."""
    from grants.audit import SYSTEM
    from grants.judging import roadshow
    from tests.judging.test_roadshow import roadshow_world

    w, stage = roadshow_world(session)
    roadshow.control(session, SYSTEM, stage, "set_current",
                     {"application_id": str(w.apps[0].id), "minutes": "8"})
    session.commit()
    login(page, live_server, w.organiser.username)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}/stages/{stage.id}/projection")
    expect(page.locator("#live-title")).to_have_text(w.apps[0].title)
    assert page.locator(".site-header, .main-nav, .site-footer").count() == 0
    assert w.organiser.display_name not in page.inner_text("body")
    size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('live-title'))"
                         ".fontSize)")
    assert size >= 48
    expect(page.locator("#live-scoring")).to_have_text("Scoring has not opened yet")
    # The organiser opens scoring and puts the next project on stage: the screen follows.
    roadshow.control(session, SYSTEM, stage, "open_scoring", {})
    session.commit()
    expect(page.locator("#live-scoring")).to_have_text("Scoring is open", timeout=10000)
    roadshow.control(session, SYSTEM, stage, "close_scoring", {"confirm": "1"})
    session.commit()
    expect(page.locator("#live-scoring")).to_have_text("Scoring has ended", timeout=10000)
    roadshow.control(session, SYSTEM, stage, "set_current",
                     {"application_id": str(w.apps[1].id), "minutes": "5"})
    session.commit()
    expect(page.locator("#live-title")).to_have_text(w.apps[1].title, timeout=10000)
    page.reload()
    expect(page.locator("#live-title")).to_have_text(w.apps[1].title)
