"""Every Excel download of every page, as a banker opens it (issue 11, item 6).

Each page runs in AppTest on the demo bank and on the messy uploaded book, for the whole
line and for one sub-branch; every ``st.download_button`` it draws is caught, its workbook
built as a click would build it and opened with openpyxl:

- the file name is Chinese (no internal key such as ``overview_progress``) and says the
  month and the scope;
- every sheet's title row says the data month and the scope;
- no figure is stored as text: a cell that reads as a number (``4,098``, ``3.47 亿元``,
  ``85.8%``) is a number cell, so the banker can sum it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from puhui import ui

ROOT = Path(__file__).absolute().parent.parent
PAGES = [
    "app.py",
    "pages/mix.py",
    "pages/deposits.py",
    "pages/campaign.py",
    "pages/grid_map.py",
    "pages/prospects.py",
    "pages/quality.py",
    "pages/evaluation.py",
]
# A figure written as text: digits with separators, a decimal part, a unit or a per cent sign.
NUMBER_AS_TEXT = re.compile(r"^[+\-−]?\d[\d,]*(\.\d+)?\s*(万元|亿元|元|户|人|%|个百分点|百分点)?$")
# Columns whose values are identifiers made of digits (a customer number, a phone), not figures.
IDENTIFIER_HEADER = re.compile(r"号|编号|电话|代码|ID|证件|邮编|月份|日期|年份")
INTERNAL_NAME = re.compile(r"[A-Za-z]+_[A-Za-z_]+")


@pytest.fixture
def caught(monkeypatch):
    """Every download button drawn: (file_name, data) with ``data`` bytes or the callable a click runs."""
    seen: list[tuple[str, object]] = []
    original = streamlit.download_button

    def catching(label, data=None, file_name=None, *args, **kwargs):
        seen.append((file_name, data))
        return original(label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", catching)
    return seen


def _books(request) -> dict[str, str]:
    return {
        "demo": str(request.getfixturevalue("apptest_db")),
        "messy": str(request.getfixturevalue("messy_apptest_db")),
    }


def _problems(file_name: str, data: bytes, month: str, scope: str) -> list[str]:
    found = []
    if INTERNAL_NAME.search(file_name):
        found.append(f"文件名是内部键：{file_name}")
    if month not in file_name or scope not in file_name:
        found.append(f"文件名不含月份和范围：{file_name}")
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        title = str(sheet.cell(1, 1).value or "")
        if INTERNAL_NAME.search(title) or INTERNAL_NAME.search(sheet.title):
            found.append(f"{file_name}/{sheet.title}：标题或工作表名是内部键：{title}")
        in_scope = scope in title or (scope == "全条线" and ("支行：全部" in title or "全条线" in title))
        if f"数据月份：{month}" not in title or not in_scope:
            found.append(f"{file_name}/{sheet.title}：标题行未写明月份和范围：{title}")
        headers = {cell.column: str(cell.value or "") for cell in sheet[2]}
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                header = headers.get(cell.column, "")
                if (
                    isinstance(cell.value, str)
                    and NUMBER_AS_TEXT.match(cell.value.strip())
                    and not IDENTIFIER_HEADER.search(header)
                ):
                    found.append(f"{file_name}/{sheet.title}：“{header}”列的 {cell.value!r} 存成了文本")
                    break
    return found


@pytest.mark.parametrize("book", ["demo", "messy"])
@pytest.mark.parametrize("rel", PAGES)
def test_every_download_says_month_and_scope_with_numbers_as_numbers(request, monkeypatch, caught, book, rel):
    db = _books(request)[book]
    monkeypatch.setenv("PUHUI_DB", db)
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    problems, files = [], 0
    for scope_branch in (None, "first"):
        at = AppTest.from_file(str(ROOT / rel), default_timeout=120)
        if scope_branch == "first":
            branches = at.run().sidebar.selectbox(key=ui.KEY_BRANCH).options[1:]
            at.query_params["branch"] = branches[0]
        caught.clear()
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        month = at.sidebar.selectbox(key=ui.KEY_MONTH).value
        branch = at.sidebar.selectbox(key=ui.KEY_BRANCH).value
        scope = "全条线" if branch == ui.ALL_BRANCHES else branch
        for file_name, data in list(caught):
            if not file_name.endswith(".xlsx"):
                continue
            files += 1
            content = data() if callable(data) else data
            problems += _problems(file_name, content, month, scope)
    assert files, f"{rel} 没有任何 Excel 下载"
    assert not problems, "\n".join(problems[:40])
