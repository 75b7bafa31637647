"""资产质量 and the 名单跟进 tab of 存量客户深挖 in a real Chromium against the demo bank."""

from __future__ import annotations

import duckdb
import pytest
from conftest import screenshot, wait_for_app

from puhui import fmt, queries

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_quality(demo_template, demo_facts):
    """The demo's latest month: the line's asset quality and each list's conversions, read from the template."""
    con = duckdb.connect(str(demo_template), read_only=True)
    try:
        trend = queries.run(con, "asset_quality_trend", {"month": demo_facts["latest"]})
        conversion = queries.run(con, "list_conversion", {"month": demo_facts["latest"]})
    finally:
        con.close()
    line = trend[(trend["month"] == demo_facts["latest"]) & trend["branch"].isna()].iloc[0]
    return {"line": line, "conversion": conversion}


def test_quality_page_and_followup_tab(app_url, browser_page, demo_facts, demo_quality):
    page = browser_page
    page.goto(f"{app_url}/quality")
    wait_for_app(page)
    page.get_by_role("heading", name="🩺 资产质量").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    line = demo_quality["line"]
    rate = page.locator('[data-testid="stMetric"]', has_text="逾期率").first
    assert fmt.pct(line["overdue_rate"], 2) in (rate.text_content() or "")
    customers = page.locator('[data-testid="stMetric"]', has_text="逾期客户").first
    assert f"{fmt.count(line['overdue_customers'])} 户" in (customers.text_content() or "")
    page.locator(".st-key-quality_trend_chart .js-plotly-plot").wait_for()
    names = page.locator(".st-key-quality_trend_chart .js-plotly-plot").first.evaluate("gd => gd.data.map(t => t.name)")
    assert names == ["新增逾期客户（户，右轴）", "逾期率（%）", "控制目标（%）"]
    # 各支行, 各客户经理, 逾期客户 (the demo has overdue customers every month).
    assert page.locator('[data-testid="stDataFrame"]').count() == 3
    screenshot(page, "quality")

    # The sidebar leads to 存量客户深挖, whose 名单跟进 tab reports last month's lists back.
    page.get_by_role("link", name="存量客户深挖").first.click()
    wait_for_app(page)
    page.get_by_role("heading", name="🎯 存量客户深挖").wait_for()
    page.get_by_role("tab", name="名单跟进").click()
    box = page.locator(".st-key-prospect_followup_box")
    box.wait_for()
    conversion = demo_quality["conversion"]
    renewal = conversion[conversion["list"] == "到期续贷"]
    expected = f"{fmt.count(renewal['converted'].sum())} / {fmt.count(renewal['listed'].sum())} 户"
    metric = box.locator('[data-testid="stMetric"]', has_text="到期续贷").first
    assert expected in (metric.text_content() or "")
    box.locator(".st-key-prospect_followup_chart .js-plotly-plot").wait_for()
    assert box.locator('[data-testid="stDataFrame"]').count() == 2  # per manager, the follow-up list
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "prospects_followup")
