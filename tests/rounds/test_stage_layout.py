"""In Chromium at desktop width: the stage plan shows each stage's title above its fields, the
fields side by side across the card, and the scoring method's select wide enough to read."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser_support import browser, live_server, login, page  # noqa: F401
from tests.rounds import factories as rf


@pytest.mark.browser
def test_the_stage_plan_is_laid_out_across_the_card(session, live_server, page):  # noqa: F811
    round_ = rf.ready(session)
    factories.user(session, "organiser", username="layout-boss")
    session.commit()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "layout-boss")
    page.goto(f"{live_server}/rounds/{round_.id}/edit/stages")
    rows = page.locator("form.stage-row")
    assert rows.count() >= 3
    for i in range(rows.count()):
        box = rows.nth(i).evaluate("""f => {
            const h = f.querySelector('h3').getBoundingClientRect();
            const s = f.querySelector('fieldset').getBoundingClientRect();
            return {titleBottom: h.bottom, fieldsTop: s.top, fieldsWidth: s.width,
                    formWidth: f.getBoundingClientRect().width};
        }""")
        assert box["titleBottom"] <= box["fieldsTop"] + 1, box
        assert box["fieldsWidth"] >= 0.9 * box["formWidth"] - 40, box
    select = page.locator("form.stage-row select[name=aggregation]").first
    assert select.evaluate("s => s.getBoundingClientRect().width") >= 400
