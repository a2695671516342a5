"""On a phone-sized Chromium (390 × 844): a resident lodges an objection on a public notice,
and the QR printed on a certificate, decoded from the PDF, opens a page confirming the award."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from grants.audit import SYSTEM
from grants.awards import documents, workflow
from grants.awards import services as awards
from grants.awards.models import Award
from tests.awards.factories import judged
from tests.browser_support import (  # noqa: F401
    CHROMIUM,
    CHROMIUM_ARGS,
    browser,
    fits_a_phone,
    live_server,
    phone_zh,
)


@pytest.fixture
def phone(phone_zh):  # noqa: F811
    return phone_zh


def _fits(page) -> None:
    fits_a_phone(page)


@pytest.mark.browser
def test_a_resident_objects_on_a_phone(session, live_server, phone):  # noqa: F811
    w = judged(session)
    notice = awards.propose(session, SYSTEM, None, w.round)
    awards.publish(session, SYSTEM, None, notice, title="2026年测试街道公益创投拟资助项目公示",
                   contact="0755-0000 0000", working_days=5)
    session.commit()
    phone.goto(f"{live_server}/public")
    phone.click(f"a[href$='/public/notices/{notice.id}']")
    _fits(phone)
    phone.fill("input[name=name]", "钱女士")
    phone.fill("input[name=contact]", "13900139000")
    phone.select_option("select[name=application_id]", str(w.apps[0].id))
    phone.fill("textarea[name=reasons]", "项目1的服务对象与申报书不一致，请核实。")
    phone.click("#objection-form button[type=submit]")
    received = phone.locator("#objection-received")
    assert received.is_visible() and "YY" in received.inner_text()
    _fits(phone)
    assert phone.console_errors == []


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
def test_the_certificate_qr_verifies_on_a_phone(session, live_server, phone, tmp_path,  # noqa: F811
                                                monkeypatch):
    w = judged(session)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    notice = awards.propose(session, SYSTEM, None, w.round, {"first": 1})
    awards.publish(session, SYSTEM, None, notice, title="公示", contact="", working_days=5)
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 9, 25))
    awards.confirm(session, SYSTEM, None, notice)
    session.commit()
    award = session.execute(select(Award).order_by(Award.position)).scalars().first()
    (tmp_path / "c.pdf").write_bytes(documents.certificates(session, [award]).pdf())
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(tmp_path / "c.pdf"),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    url = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert url.endswith(f"/verify/{award.code}")
    phone.goto(live_server + urlparse(url).path)  # the printed host is BASE_URL
    valid = phone.locator("#verify-valid")
    assert valid.is_visible() and "项目1" in valid.inner_text() and "一等奖" in valid.inner_text()
    _fits(phone)
    assert phone.console_errors == []
    phone.goto(f"{live_server}/verify/AAAAAAAAAA")  # answered 404, with the page saying why
    assert phone.locator("#verify-unknown").is_visible()
