"""Every spreadsheet the platform writes or reads goes through here.

Writing: `new_workbook()` gives a workbook whose sheets are `SafeSheet`s; `append` neutralises
text that a spreadsheet program would run as a formula (OWASP "CSV injection": a cell that
starts with =, +, -, @, a tab or a carriage return is stored as text with a leading single
quote), while numbers, dates and Decimals stay numbers. `to_bytes` saves the book.

Reading: `load(data)` refuses a workbook whose XML carries a DOCTYPE or entity declarations
(billion laughs, external entities) before openpyxl sees it, using defusedxml.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import Any

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Larger than any upload we accept, to bound the work of unpacking a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


def safe_value(value: Any) -> Any:
    """A cell value that a spreadsheet program shows but never evaluates."""
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            return "'" + value
        return value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_value(v) for v in values]


def append(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row of values to `sheet` with text neutralised; strings stay strings.

    Cells are built here (not looked up after appending, which costs a scan of the sheet per
    row) so that a 100,000-row export stays linear."""
    cells = []
    for value in safe_row(values):
        cell = Cell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never "f" (formula), whatever the text looks like
        cells.append(cell)
    sheet.append(cells)


def new_workbook(title: str, headers: Iterable[str]) -> tuple[Workbook, Worksheet]:
    """A workbook with one sheet named `title` and a bold, frozen header row."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    add_header(sheet, headers)
    return book, sheet


def add_sheet(book: Workbook, title: str, headers: Iterable[str]) -> Worksheet:
    sheet = book.create_sheet(title)
    add_header(sheet, headers)
    return sheet


def add_header(sheet: Worksheet, headers: Iterable[str]) -> None:
    append(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def to_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class UnsafeWorkbook(ValueError):
    """The file is not a workbook we read (not a zip, or XML with DOCTYPE or entities)."""

    def __init__(self, reason: str, unsafe: bool = False):
        super().__init__(reason)
        self.unsafe = unsafe  # True: the XML declares a DOCTYPE or entities


def check_xml(data: bytes) -> None:
    """Raise UnsafeWorkbook when any XML part of the xlsx zip declares a DOCTYPE or entities."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnsafeWorkbook("not a zip") from exc
    with archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            if total > MAX_UNPACKED_BYTES:
                raise UnsafeWorkbook("too large when unpacked")
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                SafeElementTree.fromstring(archive.read(info),
                                           forbid_dtd=True, forbid_entities=True,
                                           forbid_external=True)
            except DefusedXmlException as exc:
                raise UnsafeWorkbook("DOCTYPE or entities", unsafe=True) from exc
            except Exception as exc:  # malformed XML, bad zip member
                raise UnsafeWorkbook("malformed XML") from exc


def load(data: bytes) -> Any:
    """An openpyxl workbook (read-only, values only) from checked bytes; UnsafeWorkbook else."""
    check_xml(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnsafeWorkbook("not a workbook") from exc
