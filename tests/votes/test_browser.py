"""In Chromium on a phone-sized page (390 × 844): confirm an e-mail address with the code from
the outbox, vote (our script solves the proof of work), and see the count."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from grants.notifications.models import OutboxMessage
from grants.votes import services
from tests.browser_support import browser, live_server, page  # noqa: F401
from tests.votes.factories import voting_round


@pytest.mark.browser
def test_voting_on_a_phone(session, live_server, browser):  # noqa: F811
    round_, _setup, apps = voting_round(session, difficulty=12)
    session.commit()
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(20000)
    phone.goto(f"{live_server}/vote/{round_.id}")
    assert phone.locator(f"#project-{apps[0].id}").is_visible()
    # nothing overflows sideways on a phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("input[name=email]", "phone.voter@example.org")
    phone.click("#code-form button")
    phone.wait_for_selector("#confirm-form")
    session.expire_all()
    body = session.execute(select(OutboxMessage)).scalars().one().body
    phone.fill("input[name=code]", re.search(r"\b(\d{6})\b", body).group(1))
    phone.click("#confirm-form button")
    phone.wait_for_selector("#vote-ready")
    phone.click(f"#project-{apps[0].id} form.vote-form button")
    phone.wait_for_selector(".flash-success")
    assert "your vote is recorded" in phone.inner_text(".flash-success")
    assert phone.inner_text(f"#project-{apps[0].id} .vote-count") == "1"
    session.expire_all()
    assert services.vote_counts(session, round_.id) == {apps[0].id: 1}
    context.close()
