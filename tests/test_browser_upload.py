"""Real-browser tests of month-end uploads (issue 16): a two-file batch, a month conflict, a template.

Chromium (Debian's) through Playwright against a fresh ``streamlit run app.py`` on a copy
of the small demo database, the way an analyst clicks at month end.
"""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pytest
from conftest import next_month, screenshot, wait_for_app
from test_browser import exceptions, metric_value, open_page, shows_count

from puhui import ui

pytestmark = pytest.mark.browser

DROPZONE = '[data-testid="stFileUploaderDropzoneInput"]'


def customers_book(
    month: str, branch: str, manager: str, ids: list[str], wan: float, title: str | None = None
) -> bytes:
    """A 管户明细 workbook with a title line naming the month, rows in 万元."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "管户明细"
    sheet.append([title or f"{branch} {month} 管户明细"])
    sheet.append(["客户号", "客户名称", "客户经理编号", "所属支行", "管户类型", "结算存款(万元)"])
    for cid in ids:
        sheet.append([cid, f"{cid}贸易有限公司", manager, branch, "非授信", wan])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_a_two_file_batch_for_one_sub_branch_and_month_is_combined(browser_page, start_app, demo_facts, tmp_path):
    url = start_app("two_files")
    page = browser_page
    month = next_month(demo_facts["latest"])
    branch, manager = demo_facts["branches"][0], demo_facts["manager_ids"][0]
    corp = tmp_path / f"{branch}_{month}_对公.xlsx"
    retail = tmp_path / f"{branch}_{month}_个人.xlsx"
    corp.write_bytes(customers_book(month, branch, manager, [f"G{i:03d}" for i in range(12)], 10))
    retail.write_bytes(customers_book(month, branch, manager, [f"P{i:03d}" for i in range(8)], 2.5))

    open_page(page, f"{url}/upload")
    page.locator(DROPZONE).set_input_files([str(corp), str(retail)])
    wait_for_app(page)
    page.get_by_text("将合并导入（共 20 行），不会相互替换").wait_for()
    text = main_text(page)
    assert text.count("识别为 管户明细") == 2
    assert f"同为{branch} {month} 的管户明细" in text
    assert "确认后将写入" in text
    screenshot(page, "upload-two-files-check")
    page.get_by_role("button", name="确认导入（2 张表，共 20 行）").click()
    wait_for_app(page)
    page.get_by_text("本批写入（按表、月份、支行）").wait_for()
    text = main_text(page)
    assert "已作为批次" in text and text.count(f"已导入管户明细 {month}") == 2
    assert "合并导入" in text
    screenshot(page, "upload-two-files-stored")

    # The overview counts both halves: 20 customers in the sub-branch that month.
    open_page(page, f"{url}/?month={month}&branch={branch}")
    assert exceptions(page) == []
    assert shows_count(metric_value(page, "管户数"), 20)
    assert page.external_requests == []


def test_a_month_that_disagrees_with_the_file_is_asked_about_first(browser_page, start_app, demo_facts, tmp_path):
    url = start_app("month_conflict")
    page = browser_page
    chosen = next_month(demo_facts["latest"])
    stated = next_month(chosen)
    branch, manager = demo_facts["branches"][0], demo_facts["manager_ids"][0]
    data = customers_book(stated, branch, manager, [f"M{i:03d}" for i in range(5)], 1.0)
    path = tmp_path / f"{branch}_{stated}_管户明细.xlsx"
    path.write_bytes(data)

    open_page(page, f"{url}/upload")
    page.locator(DROPZONE).set_input_files(str(path))
    wait_for_app(page)
    assert metric_value(page, "数据月份") == stated
    # The analyst picks another month for this very file: the page shows the conflict and asks.
    key = f"upload_month_0_{hashlib.sha256(data).hexdigest()[:16]}"
    box = page.locator(f'.st-key-{key} input[role="combobox"]')
    box.click()
    box.fill(chosen)
    page.get_by_role("option", name=chosen, exact=True).click()
    wait_for_app(page)
    page.get_by_text("需要您确认").wait_for()
    text = main_text(page)
    assert f"所选月份 {chosen}" in text and f"文件名 {stated}" in text and f"标题行 {stated}" in text
    confirm = page.get_by_role("button", name="确认导入（1 张表，共 5 行）")
    assert confirm.is_disabled()
    screenshot(page, "upload-month-conflict")
    page.get_by_text(f"已核对，“{path.name} · 管户明细”按 {chosen} 导入", exact=True).click()
    wait_for_app(page)
    assert confirm.is_enabled()
    confirm.click()
    wait_for_app(page)
    page.get_by_text(f"已导入管户明细 {chosen}").wait_for()
    assert exceptions(page) == []


def test_a_downloaded_template_filled_in_uploads_back_cleanly(browser_page, start_app, demo_facts, tmp_path):
    url = start_app("template")
    page = browser_page
    open_page(page, f"{url}/upload")
    page.get_by_text("字段说明（可识别的表头写法）与空白模板").click()
    page.get_by_role("tab", name="管户明细").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载空白模板：管户明细").click()
    assert download_info.value.suggested_filename == "管户明细_空白模板.xlsx"
    blank = tmp_path / "blank.xlsx"
    download_info.value.save_as(blank)

    month = next_month(demo_facts["latest"])
    branch, manager = demo_facts["branches"][0], demo_facts["manager_ids"][0]
    book = openpyxl.load_workbook(blank)
    sheet = book["管户明细"]
    headers = [c.value for c in sheet[1]]
    for i in range(6):
        row = {
            "数据月份": month,
            "客户号*": f"T{i:03d}",
            "客户名称*": f"模板客户{i}",
            "客户经理编号*": manager,
            "所属支行*": branch,
            "管户类型": "线上授信",
            "线上贷款余额(元)": 100000 + i,
            "结算存款(元)": 2500.5,
        }
        sheet.append([row.get(h) for h in headers])
    filled = tmp_path / "管户明细_填好.xlsx"
    book.save(filled)

    page.locator(DROPZONE).set_input_files(str(filled))
    wait_for_app(page)
    page.get_by_text("识别为 管户明细").wait_for()
    assert metric_value(page, "可导入行数") == "6"
    assert metric_value(page, "错误行") == "0"
    assert metric_value(page, "数据月份") == month
    text = main_text(page)
    assert "以下列未使用" not in text and "未能识别" not in text and "需要您确认" not in text
    screenshot(page, "upload-template-check")
    page.get_by_role("button", name="确认导入（1 张表，共 6 行）").click()
    wait_for_app(page)
    page.get_by_text(f"已导入管户明细 {month}").wait_for()
    assert exceptions(page) == []
    assert ui.APP_NAME in page.title()
