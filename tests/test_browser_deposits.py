"""The deposit page (存款结构) in a real Chromium against the demo bank."""

from __future__ import annotations

import duckdb
import pytest
from conftest import SCREENS, screenshot, text_when, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_managers(demo_template, demo_facts) -> dict[str, list[str]]:
    """Manager names per sub-branch in the demo's latest month, largest deposit book first."""
    con = duckdb.connect(str(demo_template), read_only=True)
    try:
        rows = con.execute(
            """select c.branch, m.manager_name
               from customers as c join managers as m using (month, manager_id)
               where c.month = $month
               group by c.branch, m.manager_name
               order by c.branch, sum(coalesce(c.dep_settlement, 0) + coalesce(c.dep_pure, 0)
                   + coalesce(c.dep_margin, 0) + coalesce(c.dep_savings, 0)) desc""",
            {"month": demo_facts["latest"]},
        ).fetchall()
    finally:
        con.close()
    managers: dict[str, list[str]] = {}
    for branch, name in rows:
        managers.setdefault(branch, []).append(name)
    return managers


def chart_text(page, key: str) -> str:
    """The text drawn in a plotly chart (axis labels, title, legend)."""
    return page.locator(f".st-key-{key} .js-plotly-plot").first.text_content() or ""


def table_text(page, key: str, expect: str = "客户") -> str:
    """What a st.dataframe holds (its cells are drawn on a canvas; the DOM keeps a text copy)."""
    return text_when(page.locator(f".st-key-{key}").first, expect)


def test_deposit_page_charts_alerts_and_drill_down(app_url, browser_page, demo_facts, demo_managers):
    page = browser_page
    page.goto(f"{app_url}/deposits")
    wait_for_app(page)
    page.get_by_role("heading", name="💰 存款结构").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0

    # The breakdown by sub-branch names every sub-branch; the trend shows every stored month.
    page.locator(".st-key-deposit_branch_chart .js-plotly-plot").wait_for()
    branch_chart = chart_text(page, "deposit_branch_chart")
    for branch in demo_facts["branches"]:
        assert branch in branch_chart
    for kind in ("结算存款", "纯存款", "保证金存款", "储蓄存款"):
        assert kind in branch_chart
    trend_chart = chart_text(page, "deposit_trend_chart")
    for month in demo_facts["months"]:
        assert month in trend_chart
    assert page.locator(".js-plotly-plot").count() >= 5
    screenshot(page, "deposits_overview")

    # The alert list with its visited column and required role.
    alerts = page.locator(".st-key-deposit_alerts_box")
    alerts.scroll_into_view_if_needed()
    alerts.locator('[data-testid="stDataFrame"]').wait_for()
    text = table_text(page, "deposit_alerts_box")
    assert "是否已上门" in text and "须上门岗位" in text
    assert "✅ 已上门" in text or "❌ 未上门" in text
    assert "分管行长" in text or "团队负责人" in text or "客户经理" in text
    alerts.screenshot(path=str(SCREENS / "deposits_alerts.png"))

    # Drill down: pick another sub-branch, its managers appear in the manager chart and table.
    combobox = page.locator(".st-key-deposit_drill_branch").get_by_role("combobox")
    combobox.scroll_into_view_if_needed()
    first = combobox.input_value()
    target = next(b for b in demo_facts["branches"] if b != first and b in demo_managers)
    combobox.click()
    page.locator('[role="listbox"]').wait_for()
    page.get_by_role("option", name=target, exact=True).click()
    wait_for_app(page)
    assert combobox.input_value() == target
    page.locator(".st-key-deposit_manager_chart .js-plotly-plot").wait_for()
    manager_chart = chart_text(page, "deposit_manager_chart")
    assert f"{target} 各客户经理四类存款" in manager_chart
    assert demo_managers[target][0] in manager_chart
    others = {name for b, names in demo_managers.items() if b != target for name in names} - set(demo_managers[target])
    assert not any(name in manager_chart for name in others)
    assert demo_managers[target][0] in table_text(page, "deposit_manager_box")
    # And on to the largest manager's customers.
    customer_chart = chart_text(page, "deposit_customer_chart")
    assert f"{demo_managers[target][0]} 存款最多的" in customer_chart
    page.locator(".st-key-deposit_manager_chart").scroll_into_view_if_needed()
    screenshot(page, "deposits_drilled")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.external_requests == []
