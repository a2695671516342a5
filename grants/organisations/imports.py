"""Import organisations from an xlsx file: every row is checked first; if any row fails,
nothing is saved and the report lists every failing row with its reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from grants import audit, i18n, spreadsheets
from grants.i18n import gettext as _
from grants.i18n import join_list
from grants.organisations import credit_code, services
from grants.organisations.models import Organisation
from grants.regions import services as regions
from grants.validation import FormErrors
from grants.vocab import CATEGORIES, ORG_TYPES, PARTY_BRANCHES, RATINGS

HEADERS = ("名称", "登记类型", "统一社会信用代码", "备案号", "组织类型", "类别", "社区",
           "评估等级", "党员人数", "党组织情况", "联系人", "联系电话", "地址")
REQUIRED_HEADERS = ("名称", "登记类型")
REGISTRATION = {"登记": "registered", "备案": "filed", "registered": "registered",
                "filed": "filed"}
MAX_ROWS = 2000
BRANCH_ALIASES = {"独立党支部": "independent", "独立": "independent", "联合党支部": "joint",
                  "联合": "joint", "无": "none", "没有": "none"}
FIELD_NAMES = {"name": "名称", "registration": "登记类型", "credit_code": "统一社会信用代码",
               "filing_number": "备案号", "org_type": "组织类型", "category": "类别",
               "community_id": "社区", "rating": "评估等级", "party_members": "党员人数",
               "party_branch": "党组织情况", "contact_person": "联系人",
               "contact_phone": "联系电话", "address": "地址"}


@dataclass
class RowReport:
    row: int
    name: str
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[RowReport]
    created: list[Organisation] = field(default_factory=list)
    file_error: str = ""

    @property
    def failed(self) -> list[RowReport]:
        return [r for r in self.rows if r.problems]

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.failed and bool(self.rows)


def template() -> bytes:
    book, sheet = spreadsheets.new_workbook("社会组织", HEADERS)
    spreadsheets.append(sheet, ["示例：幸福社区长者关爱协会", "登记", "", "", "社会团体", "公益慈善",
                  "某区 / 某街道 / 幸福社区", "3A", 3, "独立党支部", "张三", "0755-12345678",
                  "某街道幸福路1号"])
    return spreadsheets.to_bytes(book)


def _reverse(vocabulary: dict[str, str]) -> dict[str, str]:
    """Code, English label or Chinese label -> code."""
    zh = i18n.translations("zh_CN")
    out: dict[str, str] = {}
    for code, msgid in vocabulary.items():
        for key in (code, msgid, zh.gettext(msgid)):
            out[key.strip().lower()] = code
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read(session: Session, data: bytes, within: set[int] | None = None
         ) -> tuple[list[tuple[int, dict[str, Any]]], ImportResult]:
    """Parse the workbook into (row number, organisation fields) and a report of bad cells.

    `within`: the region ids of a scoped organiser; only communities among them are known,
    and every row needs one."""
    result = ImportResult(rows=[])
    try:
        book = spreadsheets.load(data)
    except spreadsheets.UnsafeWorkbook as exc:
        if exc.unsafe:
            result.file_error = _("The workbook carries XML declarations (DOCTYPE or entities) "
                                  "that are not read, for safety. Start from the template.")
        else:
            result.file_error = _("The file is not an Excel workbook (.xlsx). Start from the "
                                  "template.")
        return [], result
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    missing = [h for h in REQUIRED_HEADERS if h not in header]
    if missing:
        result.file_error = _("The first row must hold the template's headers; missing: "
                              "%(missing)s.", missing=join_list(missing))
        return [], result
    col = {name: header.index(name) for name in HEADERS if name in header}
    types, cats, branches = _reverse(ORG_TYPES), _reverse(CATEGORIES), _reverse(PARTY_BRANCHES)
    branches.update(BRANCH_ALIASES)
    choices = [(cid, label) for cid, label in regions.community_choices(session, current=True)
               if within is None or cid in within]
    by_path = {label.replace(" ", ""): cid for cid, label in choices}
    by_name: dict[str, list[int]] = {}
    for cid, label in choices:
        by_name.setdefault(label.rsplit("/", 1)[-1].strip(), []).append(cid)
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            result.file_error = _("At most %(n)s rows per file.", n=MAX_ROWS)
            break

        def cell(name: str, values: tuple[Any, ...] = values) -> str:
            index = col.get(name)
            return _text(values[index]) if index is not None and index < len(values) else ""

        if not any(_text(v) for v in values):
            continue
        report = RowReport(row=number, name=cell("名称"))
        result.rows.append(report)
        data_row: dict[str, Any] = {
            "name": cell("名称"), "credit_code": cell("统一社会信用代码") or None,
            "filing_number": cell("备案号") or None, "contact_person": cell("联系人")[:40],
            "contact_phone": cell("联系电话")[:32], "address": cell("地址")[:200],
            "credit_status": "normal", "party_members": 0, "community_id": None,
        }
        if not data_row["name"]:
            report.problems.append(_("名称: the name is missing."))
        registration = REGISTRATION.get(cell("登记类型").lower())
        if registration is None:
            report.problems.append(_("登记类型: write 登记 (registered) or 备案 (filed)."))
        data_row["registration"] = registration
        data_row["org_type"] = types.get(cell("组织类型").lower(), "")
        if not data_row["org_type"]:
            report.problems.append(_("组织类型: not a known organisation type."))
        data_row["category"] = cats.get(cell("类别").lower(), "")
        if not data_row["category"]:
            report.problems.append(_("类别: not a known category."))
        data_row["party_branch"] = branches.get((cell("党组织情况") or "none").lower(), "")
        if not data_row["party_branch"]:
            report.problems.append(_("党组织情况: write 独立党支部, 联合党支部 or 无."))
        rating = cell("评估等级").upper()
        if rating and rating not in RATINGS:
            report.problems.append(_("评估等级: write 1A to 5A, or leave it empty."))
        data_row["rating"] = rating or None
        members = cell("党员人数")
        if members:
            if members.isascii() and members.isdigit():
                data_row["party_members"] = int(members)
            else:
                report.problems.append(_("党员人数: enter a whole number."))
        community = cell("社区")
        if community:
            found = by_path.get(community.replace(" ", ""))
            matches = by_name.get(community, []) if found is None else []
            if len(matches) == 1:
                found = matches[0]
            elif len(matches) > 1:
                report.problems.append(_(
                    "社区: %(name)s exists in several streets; write district / street / "
                    "community.", name=community))
            elif found is None:
                report.problems.append(_("社区: %(name)s is not a known community.",
                                         name=community))
            data_row["community_id"] = found
        elif within is not None:
            report.problems.append(_("社区: name a community within your scope."))
        if registration == "registered" and data_row["credit_code"]:
            data_row["credit_code"] = credit_code.normalise(data_row["credit_code"])
        parsed.append((number, data_row))
    return parsed, result


def run(session: Session, actor: audit.Actor, data: bytes,
        within: set[int] | None = None) -> ImportResult:
    """Check every row; create all organisations only when every row passes."""
    parsed, result = read(session, data, within)
    if result.file_error:
        return result
    if not result.rows:
        result.file_error = _("The file has no organisations below the header row.")
        return result
    reports = {r.row: r for r in result.rows}
    seen: dict[str, int] = {}
    for number, row in parsed:
        report = reports[number]
        key = row.get("credit_code") or row.get("filing_number")
        if key:
            if key in seen:
                report.problems.append(_(
                    "The code %(code)s also appears in row %(other)s: one organisation, one "
                    "identity.", code=key, other=seen[key]))
            else:
                seen[key] = number
        try:
            services.validate(session, dict(row), None)
        except FormErrors as exc:
            for name, message in exc.errors.items():
                text = f"{FIELD_NAMES.get(name, name)}: {message}"
                if not any(p.startswith(FIELD_NAMES.get(name, name)) for p in report.problems):
                    report.problems.append(text)
    if result.failed:
        return result
    for _number, row in parsed:
        result.created.append(services.create(session, actor, dict(row)))
    return result
