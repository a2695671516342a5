"""Every document renders with the real WeasyPrint: the text carries names, amounts in
figures and capitals and page numbers; fonts are embedded; the certificate's QR decodes to its
verification address; nothing remote is fetched; hostile text is escaped."""

import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest

from grants import pdf

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdftoppm", "zbarimg")),
    reason="poppler-utils and zbar-tools (make system-deps) are not installed")

ISSUED = date(2026, 11, 20)
TRANCHES = [{"label": "第一期", "percent": 50, "amount_fen": 60_000_00,
             "condition_label": "协议签订后"},
            {"label": "第二期", "percent": 30, "amount_fen": 36_000_00,
             "condition_label": "中期评估通过后"},
            {"label": "第三期", "percent": 20, "amount_fen": 24_000_00,
             "condition_label": "结项验收通过后"}]


def text_of(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode("utf-8")
    return out.replace(" ", "").replace("\n\n", "\n")


def fonts_of(data: bytes, tmp_path) -> list[list[str]]:
    target = tmp_path / "doc.pdf"
    target.write_bytes(data)
    lines = subprocess.run(["pdffonts", str(target)], capture_output=True, check=True,
                           text=True).stdout.splitlines()[2:]
    return [line.split() for line in lines]


def award_list(n: int, **extra):
    rows = [{"rank": i + 1, "organisation": f"坂田街道第{i + 1}社区社工服务站",
             "project": f"长者互助项目{i + 1}", "level_label": "", "amount_fen": 120_000_00,
             "funds": "坂田街道“幸福老人计划”项目资金"} for i in range(n)]
    context = {"title": "2026年坂田街道社区公益创投大赛拟资助项目公示",
               "organiser_unit": "深圳市龙岗区坂田街道办事处", "round_name": "2026年坂田街道社区公益创投大赛",
               "kind": "notice",
               "notice": {"published_on": ISSUED, "window_start": ISSUED,
                          "window_end": date(2026, 11, 27), "working_days": 5,
                          "address": "https://grants.example.cn/public/notices/7",
                          "contact": "0755-8888 0000"},
               "rows": rows, "total_fen": 120_000_00 * n, "issued_on": ISSUED}
    context.update(extra)
    return context


def test_a_long_award_list_has_names_totals_capitals_and_page_numbers(tmp_path):
    data = pdf.render("pdf/award_list.html", **award_list(120))
    text = text_of(data)
    flat = text.replace("\n", "")
    assert "长者互助项目1" in flat and "长者互助项目120" in flat
    assert "120,000.00" in text and "14,400,000.00" in text
    assert "壹仟肆佰肆拾万元整" in text
    assert "第1页/共" in text and "https://grants.example.cn/public/notices/7" in text
    pages = int(text.split("第1页/共")[1].split("页")[0])
    assert pages >= 3 and f"第{pages}页/共{pages}页" in text
    assert text.count("项目名称") == pages  # the header row repeats on every page
    fonts = fonts_of(data, tmp_path)
    assert fonts and all("yes" in f[-5:-2] for f in fonts), fonts  # emb column


def test_certificates_carry_a_qr_that_decodes_to_the_verification_address(tmp_path):
    items = [{"organisation": "南园骑手互助会", "project": "骑手驿站融入社区计划", "level_label": "一等奖",
              "round_name": "2026年南山街道社区微创投", "organiser_unit": "南山街道办事处",
              "awarded_on": ISSUED, "code": "K7Q3M2PA9X",
              "verify_url": "https://grants.example.cn/verify/K7Q3M2PA9X"},
             {"organisation": "风华楼联会", "project": "楼栋议事会孵化", "level_label": "",
              "round_name": "2026年南山街道社区微创投", "organiser_unit": "南山街道办事处",
              "awarded_on": ISSUED, "code": "B2C3D4E5F6",
              "verify_url": "https://grants.example.cn/verify/B2C3D4E5F6"}]
    data = pdf.render("pdf/certificates.html", certificates=items)
    text = text_of(data)
    flat = text.replace("\n", "")
    assert "荣获一等奖" in flat and "获得立项资助" in flat and "K7Q3M2PA9X" in flat
    (tmp_path / "c.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(tmp_path / "c.pdf"),
                    str(tmp_path / "page")], check=True)
    decoded = [subprocess.run(["zbarimg", "--raw", "-q", str(p)], capture_output=True,
                              text=True).stdout.strip()
               for p in sorted(tmp_path.glob("page*.png"))]
    assert decoded == [i["verify_url"] for i in items]


def test_letter_and_agreement_print_amounts_in_figures_and_capitals():
    letter = text_of(pdf.render("pdf/letter.html", organisation="荔林关爱中心",
                                project="长者食堂互助计划", round_name="2026年南山街道社区微创投",
                                organiser_unit="南山街道办事处", amount_fen=120_000_00,
                                level_label="", funds="南山街道社会治理创新大赛专项资金",
                                issued_on=ISSUED, tranches=TRANCHES, code="K7Q3M2PA9X",
                                contact="0755-2661 0000"))
    assert "立项通知书" in letter and "荔林关爱中心" in letter
    assert "¥120,000.00" in letter and "壹拾贰万元整" in letter and "36,000.00" in letter
    agreement = text_of(pdf.render(
        "pdf/agreement.html", number="2026-007-0004", organiser_unit="南山街道办事处",
        organisation={"name": "荔林关爱中心", "code_label": "统一社会信用代码",
                      "code": "52440305MJL000001X",
                      "contact_name": "马小军", "phone": "13800000015", "address": "南山区荔林社区"},
        funds=[{"name": "南山街道社会治理创新大赛专项资金", "amount_fen": 120_000_00}],
        project={"title": "长者食堂互助计划", "summary": "为社区长者提供助餐服务。",
                 "deliverables": ["助餐服务不少于3000人次"], "period": "2027-01 至 2027-12"},
        amount_fen=120_000_00, tranches=TRANCHES, issued_on=ISSUED))
    for expected in ("甲方", "乙方", "统一社会信用代码52440305MJL000001X", "壹拾贰万元整", "陆万元整",
                     "叁万陆仟元整", "贰万肆仟元整", "助餐服务不少于3000人次", "盖章"):
        assert expected in agreement, expected


def test_score_documents_carry_judges_scores_and_the_signature_hash():
    summary = text_of(pdf.render(
        "pdf/score_summary.html", round_name="2026年南山街道社区微创投", stage_name="初审",
        method_label="评委总分平均", judges=[f"评委{i}" for i in range(1, 13)],
        rows=[{"rank": 1, "project": "长者食堂互助计划", "organisation": "荔林关爱中心",
               "scores": [80.0 + i for i in range(12)], "score": 85.5}],
        generated_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC)))
    assert "评委12" in summary and "91.00" in summary and "85.50" in summary
    sheet = text_of(pdf.render(
        "pdf/score_sheet.html", round_name="2026年南山街道社区微创投", stage_name="初审",
        judge_name="李教授", submitted_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        project="长者食堂互助计划", organisation="荔林关爱中心",
        criteria=[{"name": "需求分析", "max_points": 20, "points": 18, "comment": "需求清楚"}],
        total=18.0, overall_comment="可行", sha256="ab" * 32))
    assert "李教授" in sheet and "2026-11-2010:00" in sheet and "ab" * 32 in sheet


def test_hostile_text_is_escaped_and_nothing_remote_is_fetched():
    context = award_list(1)
    context["rows"][0]["project"] = '<img src="http://198.51.100.9/x.png"><script>x()</script>'
    html = pdf.html("pdf/award_list.html", **context)
    assert "<script>" not in html and "&lt;script&gt;" in html
    with pytest.raises(pdf.RemoteRefused):
        pdf._fetch("http://198.51.100.9/x.png")
    with pytest.raises(pdf.RemoteRefused):
        pdf._fetch("file:///etc/passwd")
    data = pdf.write('<p>图</p><img src="http://198.51.100.9/x.png">')  # skipped, not fetched
    assert data.startswith(b"%PDF-")
