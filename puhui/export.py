"""Downloads: DataFrames as xlsx (and CSV) the way the users' own reports look.

A sheet has a title row (what, the data month, the filter), a header row in Chinese with
the unit in the header (``存款余额(万元)``), amounts as numbers in 万元 with the format
``#,##0.00``, counts as integers, percentages as ratios with ``0.0%``. Text that Excel
would read as a formula (starting ``= + - @``, a tab or a carriage return) is written as
text, never as a formula (OWASP CSV injection); numbers, negative ones included, stay
numbers.

``columns`` is the same mapping ``ui.table`` takes: ``{"col": ("中文表头", kind)}`` with
kind ``wan`` (yuan → 万元), ``yi`` (yuan → 亿元), ``count``, ``pct`` (a ratio), ``text``,
``date`` (a bare header string means kind inferred from the values).
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import fmt

KINDS = ("wan", "yi", "count", "pct", "text", "date", "number")
UNITS = {"wan": "万元", "yi": "亿元"}
NUMBER_FORMATS = {
    "wan": "#,##0.00",
    "yi": "#,##0.00",
    "count": "#,##0",
    "pct": "0.0%",
    "date": "yyyy-mm-dd",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    return False


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (plain numbers such as ``-12.5`` are not)."""
    return text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text)


def csv_safe(text: str) -> str:
    """Text for a CSV cell: a formula-like value gets a leading ``'`` (OWASP)."""
    return "'" + text if is_formula_like(text) else text


def title_line(title: str, month: str | None = None, filters: dict | None = None) -> str:
    """The title row: ``存量客户深挖·无贷转有贷（数据月份：2026-10；支行：城关支行）``."""
    parts = []
    if month:
        parts.append(f"数据月份：{month}")
    for label, value in (filters or {}).items():
        parts.append(f"{label}：{'全部' if value in (None, '') else value}")
    return f"{title}（{'；'.join(parts)}）" if parts else title


def _spec(df: pd.DataFrame, columns: dict | None) -> list[tuple[str, str, str]]:
    """(column, header, kind) for every exported column, in order."""
    if columns is None:
        return [(str(c), str(c), "auto") for c in df.columns]
    spec = []
    for col, value in columns.items():
        if col not in df.columns:
            continue
        header, kind = (value, "auto") if isinstance(value, str) else (value[0], value[1])
        if kind not in KINDS and kind != "auto":
            raise ValueError(f"未知的列类型：{kind}（可用：{'、'.join(KINDS)}）")
        spec.append((col, header, kind))
    return spec


def header_text(header: str, kind: str) -> str:
    """The header with its unit: ``("存款余额", "wan")`` → ``存款余额(万元)``."""
    unit = UNITS.get(kind)
    if unit and unit not in header:
        return f"{header}({unit})"
    return header


def _to_decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def cell_value(value, kind: str):
    """The value to store in a cell for ``kind``: Decimal/int/float, date, or text."""
    if isinstance(value, np.generic):
        value = value.item()
    if _missing(value):
        return None
    if kind == "wan":
        return fmt.to_wan(value)
    if kind == "yi":
        return (_to_decimal(value) / fmt.YI).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if kind == "count":
        return int(round(float(value)))
    if kind == "pct":
        return float(value)
    if kind == "number":
        return value if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else float(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if kind == "date" or isinstance(value, (date, datetime, pd.Timestamp)):
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, datetime) and value.time() == datetime.min.time():
            return value.date()
        return value if isinstance(value, (date, datetime)) else str(value)
    if kind == "auto" and isinstance(value, (int, float, Decimal)):
        return value
    return str(value)


def _safe_sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("_", name or "数据").strip("'")[:31] or "数据"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


def _put_text(cell, text: str) -> None:
    """Store ``text`` as a string cell even when it looks like a formula."""
    cell.value = text
    if cell.data_type != "s":
        cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True  # Excel keeps it text even after the user edits the cell


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _write_sheet(ws, title: str, df: pd.DataFrame, columns: dict | None) -> None:
    spec = _spec(df, columns)
    ncols = max(1, len(spec))
    _put_text(ws.cell(row=1, column=1), title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    if ncols > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    widths = []
    for j, (_, header, kind) in enumerate(spec, start=1):
        text = header_text(header, kind)
        cell = ws.cell(row=2, column=j)
        _put_text(cell, text)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths.append(_display_width(text))
    for j, (col, _, kind) in enumerate(spec, start=1):
        number_format = NUMBER_FORMATS.get(kind)
        for i, raw in enumerate(df[col].tolist(), start=3):
            value = cell_value(raw, kind)
            if value is None:
                continue
            cell = ws.cell(row=i, column=j)
            if isinstance(value, str):
                _put_text(cell, value)
                widths[j - 1] = max(widths[j - 1], min(_display_width(value), 60))
                continue
            cell.value = value
            if isinstance(value, (date, datetime)):
                cell.number_format = number_format or "yyyy-mm-dd"
                widths[j - 1] = max(widths[j - 1], 10)
            elif number_format:
                cell.number_format = number_format
                widths[j - 1] = max(widths[j - 1], 12)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(8, width + 2)
    ws.freeze_panes = "A3"
    if spec and len(df):
        ws.auto_filter.ref = f"A2:{get_column_letter(len(spec))}{len(df) + 2}"


def sheets_to_xlsx(sheets, mask: bool = False) -> bytes:
    """A workbook with one sheet per ``(sheet_name, title, df, columns)``, as bytes.

    ``mask``: run :func:`masking.mask_frame` on each sheet first (training mode) — for
    workbooks built from the database directly; frames from a page's ``ctx.run`` come masked.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for sheet_name, title, df, columns in sheets:
        ws = wb.create_sheet(_safe_sheet_name(sheet_name, taken))
        _write_sheet(ws, title, _masked(df, mask), columns)
    if not wb.sheetnames:
        wb.create_sheet("数据")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _masked(df: pd.DataFrame, mask: bool) -> pd.DataFrame:
    if not mask:
        return df
    from . import masking

    return masking.mask_frame(df)


def to_xlsx(
    df: pd.DataFrame,
    title: str,
    columns: dict | None = None,
    sheet_name: str = "数据",
    mask: bool = False,
) -> bytes:
    """One DataFrame as an xlsx file (bytes): title row, Chinese headers with units, typed cells.

    ``mask``: run :func:`masking.mask_frame` first (training mode; see :func:`sheets_to_xlsx`).
    """
    return sheets_to_xlsx([(sheet_name, title, df, columns)], mask=mask)


def to_csv(df: pd.DataFrame, columns: dict | None = None, mask: bool = False) -> bytes:
    """A DataFrame as CSV bytes with a UTF-8 byte-order mark, Chinese headers and units.

    Amounts are plain numbers in 万元 (亿元 for ``yi``), percentages as ratios; formula-like
    text gets a leading ``'``.
    """
    df = _masked(df, mask)
    spec = _spec(df, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(header_text(h, k)) for _, h, k in spec])
    values = [df[col].tolist() for col, _, _ in spec]
    for row in zip(*values):
        out = []
        for raw, (_, _, kind) in zip(row, spec):
            value = cell_value(raw, kind)
            if value is None:
                out.append("")
            elif isinstance(value, str):
                out.append(csv_safe(value))
            elif isinstance(value, datetime):
                out.append(value.strftime("%Y-%m-%d %H:%M:%S"))
            elif isinstance(value, date):
                out.append(value.isoformat())
            else:
                out.append(str(value))
        writer.writerow(out)
    return buffer.getvalue().encode("utf-8-sig")
