"""考核评价 in a real Chromium on the demo bank: the ranking, one manager's breakdown, the sheet download."""

from __future__ import annotations

import io
import time

import duckdb
import openpyxl
import pytest
from conftest import screenshot, text_when, wait_for_app
from test_browser_mix import pick

from puhui import evaluation, queries

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_rows(demo_template, demo_facts):
    con = duckdb.connect(str(demo_template), read_only=True)
    try:
        return queries.run(con, "manager_evaluation", {"month": demo_facts["latest"]})
    finally:
        con.close()


def test_ranking_breakdown_and_sheet(browser_page, app_url, demo_facts, demo_rows):
    page = browser_page
    page.goto(f"{app_url}/evaluation?month={demo_facts['latest']}")
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    text_when(main, "考核排名")
    top = demo_rows.iloc[0]
    # The best manager's name and score are on the page as the query computed them.
    ranking = page.locator(".st-key-evaluation_ranking_box")
    ranking.scroll_into_view_if_needed()
    assert page.locator(".st-key-evaluation_summary .js-plotly-plot").count() == 1
    label = next(iter(evaluation.manager_options(demo_rows)))
    pick(page, "evaluation_manager", label)
    shown = text_when(main, "主要失分")
    assert f"{float(top['score']):.1f} 分" in shown
    assert evaluation.why(top) in shown
    time.sleep(0.5)
    screenshot(page, "evaluation")
    with page.expect_download() as info:
        page.locator(".st-key-evaluation_sheet__xlsx button").click()
    download = info.value
    assert download.suggested_filename == f"考核评价表_{demo_facts['latest']}_全条线.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    sheet = book.active
    assert demo_facts["latest"] in str(sheet["A1"].value)
    headers = [c.value for c in sheet[2]]
    assert "得分" in headers and "名单跟进得分" in headers and "本月拜访次数" in headers
    assert sheet.max_row - 2 == len(demo_rows)
