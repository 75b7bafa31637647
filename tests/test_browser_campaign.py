"""The campaign page (阶段营销) in a real Chromium against the demo bank."""

from __future__ import annotations

import time

import openpyxl
import pytest
from conftest import SCREENS, screenshot, wait_for_app

from puhui import campaign, periods, plans

pytestmark = pytest.mark.browser


def chart_text(page, key: str) -> str:
    """The text drawn in a plotly chart (bar labels, annotations, axis ticks, legend)."""
    return page.locator(f".st-key-{key} .js-plotly-plot").first.text_content() or ""


def table_text(page, key: str, expect: str = "指标", timeout: float = 20.0) -> str:
    """What a st.dataframe holds (its cells are drawn on a canvas; the DOM keeps a text copy).

    The text copy fills in a moment after the canvas appears, so wait for ``expect`` in it.
    """
    deadline = time.monotonic() + timeout
    while True:
        text = page.locator(f".st-key-{key}").first.text_content() or ""
        if expect in text or time.monotonic() > deadline:
            return text
        page.wait_for_timeout(200)


def test_campaign_timeline_progress_and_summary_download(app_url, browser_page, demo_facts, tmp_path):
    page = browser_page
    latest = demo_facts["latest"]
    cal = periods.load_calendar()
    current = cal.phase_of(latest)
    page.goto(f"{app_url}/campaign")
    wait_for_app(page)
    page.get_by_role("heading", name="📅 阶段营销").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0

    # The timeline: a bar per phase with its name, the data month's end marked.
    page.locator(".st-key-campaign_timeline .js-plotly-plot").wait_for()
    timeline = chart_text(page, "campaign_timeline")
    for phase in cal.phases:
        assert phase.label in timeline
    assert f"数据截至 {periods.month_end(latest).isoformat()}" in timeline
    assert "计划活动" in timeline
    page.locator(".st-key-campaign_timeline").screenshot(path=str(SCREENS / "campaign_timeline.png"))

    # The progress tables of the current phase.
    counts = page.locator(".st-key-campaign_progress_count_box")
    counts.scroll_into_view_if_needed()
    counts.locator("canvas").first.wait_for()
    text = table_text(page, "campaign_progress_count_box", expect="累计完成率")
    for header in ("指标", "阶段目标", "阶段完成", "阶段完成率", "阶段序时进度", "累计完成率"):
        assert header in text
    for measure in ("新开户数", "新开基本户数", "新增代发户数", *plans.COUNT_MEASURES):
        assert measure in text
    amounts = table_text(page, "campaign_progress_amount_box", expect="新增贷款")
    assert "新增存款" in amounts and "新增贷款" in amounts and "万元" in amounts
    headings = page.locator('[data-testid="stHeading"]').all_text_contents()
    assert any(f"{current.label} 排名" in h for h in headings), headings
    screenshot(page, "campaign")

    # The phase summary downloads as a workbook that opens.
    button = page.locator(".st-key-campaign_summary_xlsx button")
    button.scroll_into_view_if_needed()
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert current.name in download.suggested_filename
    saved = tmp_path / "summary.xlsx"
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames == [
        "说明",
        "阶段进度",
        "支行排名",
        "客户经理排名",
        "活动明细",
        "活动按类型",
        "活动按月份",
        "活动计划执行",
    ]
    progress_rows = list(book["阶段进度"].iter_rows(min_row=3, values_only=True))
    assert len(progress_rows) == len(cal.phases) * len(campaign.MEASURES)
    branches = [r[1] for r in book["支行排名"].iter_rows(min_row=3, values_only=True)]
    assert sorted(branches) == sorted(demo_facts["branches"])
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.external_requests, page.external_requests
