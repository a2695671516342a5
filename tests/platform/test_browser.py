"""In Chromium: an applicant logs in, switches the language, and edits their organisation."""

import pytest

from grants.organisations.models import Organisation
from tests import factories
from tests.browser_support import browser, live_server  # noqa: F401


@pytest.mark.browser
def test_log_in_switch_language_and_edit_the_organisation(session, live_server, browser):  # noqa: F811
    org = factories.organisation(session, name="妈妈荟", staff_count=2)
    factories.user(session, "applicant", username="mama", organisation=org, owner=True)
    session.commit()

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server}/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#f-username", "mama")
    page.fill("#f-password", factories.PASSWORD)
    page.click("main button[type=submit]")
    assert "欢迎" in page.locator("h1").inner_text()

    page.click("button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Welcome")

    page.click("text=My organisation")
    page.click("text=Edit")
    page.fill("#f-staff_count", "-1")
    page.click("form#organisation-form button.primary")
    assert "Must be at least 0." in page.locator("#staff_count-error").inner_text()

    page.fill("#f-staff_count", "7")
    page.fill("#f-intro", "万科城社区的妈妈互助组织，开展亲子阅读和邻里互助活动。")
    page.click("form#organisation-form button.primary")
    assert page.locator(".flash-success").inner_text() == "Changes saved."
    assert "亲子阅读" in page.locator(".prose").inner_text()

    session.expire_all()
    saved = session.get(Organisation, org.id)
    assert saved.staff_count == 7
    assert saved.credit_code == org.credit_code  # identity fields were not editable
    context.close()
