"""Exports read back: title row, Chinese headers with units, typed numbers, no formulas."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from puhui import export

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", '=HYPERLINK("http://x","y")', "正常文本"]

COLUMNS = {
    "customer_name": ("客户名称", "text"),
    "deposits": ("存款余额", "wan"),
    "line_total": ("条线合计", "yi"),
    "customers": ("户数", "count"),
    "share": ("占比", "pct"),
    "maturity": ("到期日", "date"),
    "payroll": ("代发工资", "text"),
}


@pytest.fixture
def frame():
    """Rows with hostile text, negative amounts, missing values and each kind."""
    n = len(HOSTILE)
    return pd.DataFrame(
        {
            "customer_name": HOSTILE,
            "deposits": [Decimal("1234567.89"), Decimal("-50000"), None, Decimal("0"), 12345.678, -0.004, 1e9, 5],
            "line_total": [Decimal("432100000000")] + [None] * (n - 1),
            "customers": [1, -2, 3, 4, 5, 6, 7, 8],
            "share": [0.8329, -0.05, None, 1.0, 0.0, 0.5, 0.25, 0.125],
            "maturity": pd.to_datetime(["2026-10-31"] * (n - 1) + [None]),
            "payroll": [True, False] * (n // 2),
            "internal": ["x"] * n,
        }
    )


def read(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_title_headers_and_units(frame):
    title = export.title_line("存量客户深挖·无贷转有贷", "2026-10", {"支行": "城关支行", "客户经理": None})
    assert title == "存量客户深挖·无贷转有贷（数据月份：2026-10；支行：城关支行；客户经理：全部）"
    sheet = read(export.to_xlsx(frame, title, COLUMNS, sheet_name="无贷转有贷"))
    assert sheet.title == "无贷转有贷"
    assert sheet["A1"].value == title
    assert [c.value for c in sheet[2]] == [
        "客户名称",
        "存款余额(万元)",
        "条线合计(亿元)",
        "户数",
        "占比",
        "到期日",
        "代发工资",
    ]
    assert sheet.max_row == len(frame) + 2
    assert sheet.freeze_panes == "A3"


def test_numbers_stay_numbers(frame):
    sheet = read(export.to_xlsx(frame, "t", COLUMNS))
    deposits = [sheet.cell(r, 2) for r in range(3, 11)]
    assert [c.value for c in deposits] == [123.46, -5, None, 0, 1.23, 0, 100000, 0]
    assert all(c.data_type == "n" for c in deposits)
    assert {c.number_format for c in deposits if c.value is not None} == {"#,##0.00"}
    assert sheet.cell(3, 3).value == 4321 and sheet.cell(3, 3).number_format == "#,##0.00"
    counts = [sheet.cell(r, 4) for r in range(3, 11)]
    assert [c.value for c in counts] == [1, -2, 3, 4, 5, 6, 7, 8]
    assert all(isinstance(c.value, int) and c.number_format == "#,##0" for c in counts)
    shares = [sheet.cell(r, 5) for r in range(3, 11)]
    assert shares[0].value == pytest.approx(0.8329) and shares[0].number_format == "0.0%"
    assert shares[1].value == pytest.approx(-0.05) and shares[1].data_type == "n"
    assert shares[2].value is None
    assert sheet.cell(3, 6).value == datetime(2026, 10, 31) and sheet.cell(3, 6).number_format == "yyyy-mm-dd"
    assert sheet.cell(10, 6).value is None
    assert [sheet.cell(r, 7).value for r in (3, 4)] == ["是", "否"]


def test_no_formulas_anywhere(frame):
    data = export.to_xlsx(frame, "=危险标题", {**COLUMNS, "customer_name": ("=表头", "text")})
    sheet = read(data)
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # (XML reads a carriage return back as a line feed; the cell is text either way.)
    assert [sheet.cell(r, 1).value for r in range(3, 11)] == [t.replace("\r", "\n") for t in HOSTILE]
    assert sheet["A1"].value == "=危险标题" and sheet["A1"].data_type == "s"
    # The file itself holds no formula element.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    # Excel keeps formula-like text as text even after the user edits the cell.
    assert all(sheet.cell(r, 1).quotePrefix for r in range(3, 10))
    assert not sheet.cell(10, 1).quotePrefix


def test_columns_none_exports_everything(frame):
    sheet = read(export.to_xlsx(frame, "全部列"))
    assert [c.value for c in sheet[2]] == list(frame.columns)
    assert sheet.cell(4, 2).value == -50000 and sheet.cell(4, 2).data_type == "n"
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_empty_frame_and_unknown_kind():
    empty = pd.DataFrame({"deposits": pd.Series([], dtype=float)})
    sheet = read(export.to_xlsx(empty, "空表", {"deposits": ("存款", "wan")}))
    assert sheet["A1"].value == "空表" and sheet["A2"].value == "存款(万元)" and sheet.max_row == 2
    with pytest.raises(ValueError, match="未知的列类型"):
        export.to_xlsx(empty, "t", {"deposits": ("存款", "dollars")})


def test_several_sheets():
    one = pd.DataFrame({"a": [1]})
    data = export.sheets_to_xlsx(
        [
            ("阶段汇总", "阶段营销·汇总（数据月份：2026-10）", one, {"a": ("户数", "count")}),
            ("阶段汇总", "重名", one, None),
            ("a/b:c*d?[e]", "非法字符", one, None),
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["阶段汇总", "阶段汇总(2)", "a_b_c_d__e_"]
    assert book["阶段汇总"]["A1"].value == "阶段营销·汇总（数据月份：2026-10）"


def test_masked_export():
    frame = pd.DataFrame({"customer_name": ["张三"], "phone": ["13812345678"]})
    sheet = read(export.to_xlsx(frame, "t", mask=True))
    assert [sheet["A3"].value, sheet["B3"].value] == ["张*", "138****5678"]


def test_masked_workbook_masks_every_sheet_and_only_when_asked():
    frame = pd.DataFrame({"customer_name": ["张三"], "phone": ["13812345678"]})
    sheets = [("甲", "t", frame, None), ("乙", "t", frame, None)]
    masked = openpyxl.load_workbook(io.BytesIO(export.sheets_to_xlsx(sheets, mask=True)))
    assert [[ws["A3"].value, ws["B3"].value] for ws in masked.worksheets] == [["张*", "138****5678"]] * 2
    plain = openpyxl.load_workbook(io.BytesIO(export.sheets_to_xlsx(sheets)))
    assert [[ws["A3"].value, ws["B3"].value] for ws in plain.worksheets] == [["张三", "13812345678"]] * 2


def test_csv_bom_guard_and_numbers(frame):
    data = export.to_csv(frame, COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["客户名称", "存款余额(万元)", "条线合计(亿元)"]
    names = [r[0] for r in rows[1:]]
    assert names == [
        "'=1+1",
        "'+SUM(A1)",
        "'-2+3",
        "'@cmd",
        "'\t=1",
        "'\r=1",
        '\'=HYPERLINK("http://x","y")',
        "正常文本",
    ]
    assert [r[1] for r in rows[1:3]] == ["123.46", "-5.00"]  # negative numbers unguarded
    assert rows[1][5] == "2026-10-31"
    assert rows[1][3] == "1" and rows[2][3] == "-2"


def test_csv_keeps_plain_negative_text_numbers():
    data = export.to_csv(pd.DataFrame({"note": ["-12.5", "+3", "-1+1"]}))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[0] for r in rows] == ["note", "-12.5", "+3", "'-1+1"]


@pytest.mark.parametrize(
    ("text", "formula_like"),
    [
        ("=A1", True),
        ("+1+1", True),
        ("-A1", True),
        ("@x", True),
        ("\tx", True),
        ("\rx", True),
        ("-12", False),
        ("-12.50", False),
        ("1e5", False),
        ("abc", False),
        ("", False),
        (" =1", False),
    ],
)
def test_formula_like(text, formula_like):
    assert export.is_formula_like(text) is formula_like


def test_cell_value_kinds():
    assert export.cell_value(Decimal("12345678"), "wan") == Decimal("1234.57")
    assert export.cell_value(Decimal("-5"), "wan") == Decimal("0.00")
    assert export.cell_value(250_000_000, "yi") == Decimal("2.50")
    assert export.cell_value(3.6, "count") == 4
    assert export.cell_value(pd.Timestamp("2026-10-31"), "date") == date(2026, 10, 31)
    assert export.cell_value(None, "wan") is None and export.cell_value(float("nan"), "pct") is None
