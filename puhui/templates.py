"""Blank templates and the guide to accepted headers, both read from the contract.

A template is an xlsx workbook with one sheet per table of the contract, its header row
written with the contract's labels (amounts marked ``(元)``, required columns marked
``*``), text columns formatted as text so that leading zeros of ids survive Excel, drop-down
lists for the enumerated columns, and a last sheet ``填写说明`` explaining every column. A
template filled in and uploaded back is recognised without a single note about its headers.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import contract

GUIDE_SHEET = "填写说明"
MONTH_HEADER = "数据月份"
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_VALIDATED_ROWS = 5000

KIND_TEXT = {
    contract.TEXT: "文本",
    contract.AMOUNT: "金额，默认单位为元；表头写“(万元)”“(亿元)”或表上方写“单位：万元”时按该单位换算",
    contract.INT: "整数",
    contract.NUMBER: "数值；金额类指标按单位换算，户数类指标不换算",
    contract.COORD: "经纬度（小数度，如 112.2301）",
    contract.SHARE: "占比，0–1 的小数或百分数（如 0.6 或 60%）",
    contract.DATE: "日期，如 2026-10-31、2026/10/31、20261031、2026年10月31日",
    contract.FLAG: "是/否（也可写 Y/N、1/0、√/空白、有/无）",
    contract.YEAR: "年度，如 2026",
}


def _kind_text(col: contract.Column) -> str:
    if col.type == contract.ENUM:
        return "可选：" + "、".join(col.choices)
    return KIND_TEXT[col.type]


def header_text(col: contract.Column) -> str:
    """A column's header in a template: the label, ``(元)`` for amounts, ``*`` when required."""
    return col.label + ("(元)" if col.type == contract.AMOUNT else "") + ("*" if col.required else "")


def template_headers(table: contract.Table) -> list[str]:
    """The header row of a table's template (snapshot tables start with 数据月份)."""
    return ([MONTH_HEADER] if table.kind == "snapshot" else []) + [header_text(c) for c in table.columns]


def header_guide(table_name: str) -> pd.DataFrame:
    """Every accepted header of one table: 列, 必填, 内容, 也可写作 (what the recognition accepts)."""
    table = contract.TABLES[table_name]
    rows = []
    if table.kind == "snapshot":
        rows.append(
            (
                MONTH_HEADER,
                "",
                "数据月份 YYYY-MM（如 2026-10）；也可不填，导入时选择或写在文件名中",
                "、".join(a for a in contract.MONTH_ALIASES if a != MONTH_HEADER),
            )
        )
    elif table.kind == "event":
        rows.append(("（数据月份）", "", f"按{table.column(table.date_column).label}归月，无需此列", ""))
    for col in table.columns:
        rows.append((col.label, "是" if col.required else "", _kind_text(col), "、".join(col.aliases)))
    frame = pd.DataFrame(rows, columns=["列", "必填", "内容", "也可写作"])
    return frame


def guide_markdown(table_name: str) -> str:
    """:func:`header_guide` as a Markdown table (the upload page shows it without a data grid)."""
    frame = header_guide(table_name)
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |")
    note = (
        ""
        if contract.TABLES[table_name].kind != "snapshot"
        else "\n\n*数据月份：取导入时所选月份，否则取此列，否则取文件名中的月份（如 2026-10、202610、2026年10月）。"
    )
    return "\n".join(lines) + note


def _write_table_sheet(book: openpyxl.Workbook, table: contract.Table) -> None:
    sheet = book.create_sheet(table.label)
    headers = template_headers(table)
    sheet.append(headers)
    columns = ([None] if table.kind == "snapshot" else []) + list(table.columns)
    for index, (header, col) in enumerate(zip(headers, columns), start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.font = _REQUIRED_FONT if header.endswith("*") else Font(bold=True)
        sheet.column_dimensions[letter].width = max(12, len(header) * 2 + 2)
        kind = contract.TEXT if col is None else col.type
        if kind in (contract.TEXT, contract.ENUM):
            sheet.column_dimensions[letter].number_format = "@"  # ids keep their leading zeros
        elif kind == contract.DATE:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif kind == contract.AMOUNT:
            sheet.column_dimensions[letter].number_format = "#,##0.00"
        choices = None
        if col is not None and col.type == contract.ENUM:
            choices = col.choices
        elif col is not None and col.type == contract.FLAG:
            choices = ("是", "否")
        if choices and len(",".join(choices)) < 250:
            rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            rule.add(f"{letter}2:{letter}{_VALIDATED_ROWS}")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"


def _write_guide(book: openpyxl.Workbook, tables: list[contract.Table]) -> None:
    sheet = book.create_sheet(GUIDE_SHEET)
    sheet.append(["表", "列", "必填", "内容", "也可写作"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for table in tables:
        for row in header_guide(table.name).itertuples(index=False):
            sheet.append([table.label, *row])
    sheet.append([])
    sheet.append(
        ["说明：带 * 的列必填；金额默认单位为元，可在表头写“(万元)”；一个工作簿可包含多张表，空表在导入时自动跳过。"]
    )
    for letter, width in zip("ABCDE", (10, 16, 6, 60, 60)):
        sheet.column_dimensions[letter].width = width


def template_xlsx(table_name: str | None = None) -> bytes:
    """A blank template: one table's sheet (``table_name``) or every table's (``None``), plus 填写说明."""
    tables = [contract.TABLES[table_name]] if table_name else list(contract.TABLES.values())
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in tables:
        _write_table_sheet(book, table)
    _write_guide(book, tables)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_file_name(table_name: str | None = None) -> str:
    """The download's file name: ``管户明细_空白模板.xlsx`` or ``全部数据表_空白模板.xlsx``."""
    label = contract.TABLES[table_name].label if table_name else "全部数据表"
    return f"{label}_空白模板.xlsx"
