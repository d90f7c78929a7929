"""The monthly analysis as files an office keeps: CSV (every table, one after another, UTF-8
with a BOM for Excel) and an Excel workbook (openpyxl: a sheet per table, real number, date
and percentage cells)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from admin_ui.analysis.tables import Cell, Percent, Table, Yuan
from admin_ui.rendering import localtime
from services.config import settings


def text(cell: Cell | Percent | Yuan) -> str:
    """A cell as the page and the CSV file show it."""
    if cell is None:
        return ""
    if isinstance(cell, Percent):
        return "—" if cell.value is None else f"{cell.value * 100:.1f}%"
    if isinstance(cell, Yuan):
        return f"{cell.yuan:.2f}"
    if isinstance(cell, datetime):
        return localtime(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def to_csv(title: str, tables: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow([text(cell) for cell in row])
    return "\ufeff" + out.getvalue()


def _local(at: datetime) -> datetime:
    """openpyxl writes no time zone: the operator's wall-clock time, as the page shows it."""
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None)


def to_xlsx(title: str, tables: list[Table]) -> bytes:
    book = Workbook()
    first = True
    for table in tables:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = table.key[:31]
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(table.headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            values: list[object] = []
            formats: list[str | None] = []
            for cell in row:
                if isinstance(cell, Percent):
                    values.append(cell.value)
                    formats.append("0.0%")
                elif isinstance(cell, Yuan):
                    values.append(cell.yuan)
                    formats.append("#,##0.00")
                elif isinstance(cell, datetime):
                    values.append(_local(cell))
                    formats.append("yyyy-mm-dd hh:mm")
                elif isinstance(cell, date):
                    values.append(cell)
                    formats.append("yyyy-mm-dd")
                elif isinstance(cell, Decimal | int | float):
                    values.append(cell)
                    formats.append(None)
                else:
                    values.append(cell)
                    formats.append(None)
            sheet.append(values)
            for cell, fmt in zip(sheet[sheet.max_row], formats, strict=False):
                if fmt:
                    cell.number_format = fmt
        sheet.column_dimensions["A"].width = 28
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
