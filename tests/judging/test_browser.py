"""In Chromium on a phone-sized screen (390 × 844): a judge declares no conflict, scores with
autosave, reloads, submits and can no longer edit."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from grants.judging.models import ScoreSheet
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, browser, live_server, login  # noqa: F401
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
    phone.click("#submit-sheet")
    phone.wait_for_url("**/judging")
    phone.goto(f"{live_server}/sheets/{sheet_id}")
    assert phone.is_disabled("input[name=points_need]")
    assert phone.locator("#submit-sheet").count() == 0
    assert "submitted and locked" in phone.inner_text("main")
    session.expire_all()
    assert session.get(ScoreSheet, sheet_id).status == "submitted"


_ = CHROMIUM, CHROMIUM_ARGS
