"""On a phone-sized Chromium (390 × 844): an organisation adds a photo to its mid-term report
and sees the server's thumbnail; the funder reads its impact page, charts and all, without the
page growing wider than the phone."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from grants.audit import SYSTEM
from grants.demo import data
from grants.organisations.models import Organisation
from grants.reports import services as reports
from tests import factories
from tests.browser_support import browser, fits_a_phone, live_server, login, phone_zh  # noqa: F401
from tests.disbursements.factories import confirmed, signed


@pytest.fixture
def phone(phone_zh):  # noqa: F811
    return phone_zh


_fits = fits_a_phone


@pytest.mark.browser
def test_a_photo_on_a_report_from_a_phone(session, live_server, phone, monkeypatch, tmp_path):  # noqa: F811
    _w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    member = factories.user(session, "applicant",
                            organisation=session.get(Organisation, agreement.organisation_id))
    report = reports.start(session, SYSTEM, member, agreement, "midterm")
    session.commit()
    photo = tmp_path / "活动现场.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40, 120, 200)).save(out, "JPEG")
    photo.write_bytes(out.getvalue())
    login(phone, live_server, member.username)
    phone.goto(f"{live_server}/reports/{report.id}")
    _fits(phone)
    phone.set_input_files("#add-report-file input[type=file]", str(photo))
    phone.fill("#add-report-file input[name=caption]", "长者食堂开餐")
    phone.click("#add-report-file button[type=submit]")
    thumb = phone.locator("#report-photos .photo-grid img")
    thumb.wait_for()
    assert thumb.evaluate("img => img.naturalWidth") == 320
    assert "长者食堂开餐" in phone.locator("#report-photos").inner_text()
    _fits(phone)
    assert phone.console_errors == []


@pytest.mark.browser
def test_the_funder_reads_its_impact_on_a_phone(session, live_server, phone):  # noqa: F811
    from grants.demo import load

    load.load(session)
    session.commit()
    login(phone, live_server, "funder", data.DEMO_PASSWORD)
    phone.goto(f"{live_server}/impact")
    headline = phone.locator("#impact-headline").inner_text()
    assert headline.startswith("累计资助项目8个")
    assert phone.locator("figure.chart img").count() == 5
    assert phone.locator("#chart-trend img").evaluate("img => img.naturalWidth") > 0
    box = phone.locator("#chart-trend img").bounding_box()
    assert box is not None and box["width"] <= 390
    _fits(phone)
    assert phone.console_errors == []
