"""The reader's contract: what comes back from the worker is exactly what python-calamine and the
csv module read, cell for cell and type for type, with rows counted from A1."""

from __future__ import annotations

import datetime as dt
import io

import hostile
import openpyxl
import python_calamine

from puhui import readers


def _workbook_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "明细"
    values = [
        ["客户号", "金额", "日期", "时刻", "标志", "整数", None],
        ["C1", 1234.5, dt.date(2026, 10, 31), dt.datetime(2026, 10, 31, 8, 30), True, 7, "尾"],
        [None, -0.0, dt.date(1900, 3, 1), dt.time(12, 15), False, 10**12, ""],
        ["城关支行", 1e-7, None, None, None, None, None],
    ]
    for r, row in enumerate(values, start=3):  # first used cell C3: rows and columns before it are empty
        for c, value in enumerate(row, start=3):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    second = book.create_sheet("空表")
    del second
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_are_calamines_from_a1():
    data = _workbook_bytes()
    sheets = readers.read("明细_202610.xlsx", data)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    expected = book.get_sheet_by_name("明细").to_python(skip_empty_area=False)
    got = sheets[0].rows
    assert got == expected
    assert [[type(v) for v in row] for row in got] == [[type(v) for v in row] for row in expected]
    assert got[2][2] == "客户号"  # C3 is row 3, column C, as in Excel
    assert sheets[0].grid.shape == (len(expected), len(expected[0]))
    assert [s.name for s in sheets] == ["明细", "空表"] and sheets[1].rows == []


def test_csv_rows_keep_their_lengths_and_blanks():
    text = "客户号,客户名称,金额\nC1,甲\nC2,,3\n\n尾,1,2,3,4\n"
    sheets = readers.read("x_202610.csv", text.encode("utf-8"))
    assert sheets[0].rows == [
        ["客户号", "客户名称", "金额"],
        ["C1", "甲"],
        ["C2", None, "3"],
        [],
        ["尾", "1", "2", "3", "4"],
    ]


def test_many_rows_cross_the_worker_in_blocks():
    rows = [["客户号", "金额", "是否"]] + [[f"C{i}", i * 0.5, "是" if i % 3 else "否"] for i in range(45_001)]
    data = hostile.openpyxl_bytes(rows)
    got = readers.read("多_202610.xlsx", data)[0].rows
    assert len(got) == len(rows)
    assert got[0] == rows[0] and got[1] == ["C0", 0.0, "否"] and got[-1] == rows[-1]
    assert got[20_000] == rows[20_000] and got[40_001] == rows[40_001]


def test_sniff_tells_a_stray_nul_from_binary():
    assert readers.sniff("客户号,客户名称\nC1,甲\x00乙\n".encode()) == "csv"
    assert readers.sniff(bytes(range(256)) * 8) == "binary"
    assert readers.sniff(b"\xff\xfe" + "客户号".encode("utf-16-le")) == "csv"


def test_ole2_directory_names():
    names = readers._ole2_names(hostile.encrypted_ooxml())
    assert {"EncryptionInfo", "EncryptedPackage"} <= names
    assert readers._ole2_names(hostile.corrupt_ole2()) == set()


def test_mixed_encoding_names_lines():
    data = "客户号,客户名称\n".encode("gbk") + "C1,测试商贸公司\n".encode() + "C2,王五\n".encode("gbk")
    try:
        readers.decode_text(data)
    except readers.ReadError as exc:
        assert "第 2 行是 UTF-8" in str(exc) and "第 1 行、第 3 行是 GBK" in str(exc)
    else:
        raise AssertionError("a mixed file was decoded")
    assert readers.decode_text("客户号,王五\n".encode("gbk")) == "客户号,王五\n"
    assert readers.decode_text("客户号,王五\n".encode()) == "客户号,王五\n"
