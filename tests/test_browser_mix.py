"""The account-mix page (管户结构) and the overview (经营总览) in a real Chromium against the demo bank."""

from __future__ import annotations

import duckdb
import pytest
from conftest import SCREENS, screenshot, text_when, wait_for_app

from puhui import fmt, periods, queries
from puhui import mix as mx

pytestmark = pytest.mark.browser

TRACES = ["线下授信", "线下授信目标", "线上授信", "线上授信目标", "非授信", "非授信目标", "管户总数", "管户总数目标"]


@pytest.fixture(scope="module")
def demo_mix(demo_template, demo_facts):
    """manager_mix of the demo's latest month, whole line and per sub-branch, read from the template."""
    con = duckdb.connect(str(demo_template), read_only=True)
    try:
        line = mx.page_rows(queries.run(con, "manager_mix", {"month": demo_facts["latest"], **mx.mix_params()}))
        # Each manager's customer ids in the order the page lists them.
        customers = {
            mid: list(
                queries.run(con, "manager_customers", {"month": demo_facts["latest"], "manager_id": mid})["customer_id"]
            )
            for mid in line["manager_id"]
        }
    finally:
        con.close()
    return {"line": line, "customers": customers}


def chart_traces(page, key: str) -> list[dict]:
    """Name, x and y of every trace of the plotly chart under a widget key (from the plot's own data)."""
    return page.locator(f".st-key-{key} .js-plotly-plot").first.evaluate(
        "gd => gd.data.map(t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])}))"
    )


def chart_screenshot(page, name: str) -> None:
    """Save the whole bar chart: Chromium draws a plot taller than the viewport only in part, so grow it first."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 2400})
    chart = page.locator(".st-key-mix_chart")
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(SCREENS / f"{name}.png"))
    page.set_viewport_size(size)


def pick(page, key: str, option: str) -> None:
    """Choose an option in the selectbox with this widget key and wait for the rerun."""
    box = page.locator(f".st-key-{key}")
    box.scroll_into_view_if_needed()
    # Streamlit 1.67 draws a selectbox as a combobox (react-aria), not a baseweb select.
    box.locator('[role="combobox"]').click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_mix_page_bars_sorting_filter_and_customer_list(app_url, browser_page, demo_facts, demo_mix):
    page = browser_page
    page.goto(f"{app_url}/mix")
    wait_for_app(page)
    page.get_by_role("heading", name="👥 管户结构").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0

    # Bars of the three segments and the total, each with its target marker trace.
    page.locator(".st-key-mix_chart .js-plotly-plot").wait_for()
    traces = chart_traces(page, "mix_chart")
    assert [t["name"] for t in traces] == TRACES
    legend = page.locator(".st-key-mix_chart .legendtext").all_text_contents()
    assert set(TRACES) <= set(legend)
    line = demo_mix["line"]
    expected = mx.sort_mix(line, "管户总数（从多到少）")
    assert traces[0]["y"] == list(expected["label"])
    assert traces[6]["x"] == [float(v) for v in expected["total"]]
    # The demo's managers carry the default targets (25 offline, 100 in all), drawn as markers.
    assert traces[1]["x"][0] == float(expected["target_offline"].iloc[0])
    assert 25 in traces[1]["x"] and 100 in traces[7]["x"]
    assert page.locator(".st-key-mix_chart .scatterlayer .point").count() >= 4 * len(line[line["is_manager"]])
    screenshot(page, "mix_overview")
    chart_screenshot(page, "mix_chart")

    # Sorting changes the order of the bars.
    pick(page, "mix_sort", "总缺口（从大到小）")
    by_gap = mx.sort_mix(line, "总缺口（从大到小）")
    sorted_traces = chart_traces(page, "mix_chart")
    assert sorted_traces[0]["y"] == list(by_gap["label"])
    assert sorted_traces[0]["y"] != traces[0]["y"]
    pick(page, "mix_sort", "管户总数（从少到多）")
    ascending = mx.sort_mix(line, "管户总数（从少到多）")
    assert chart_traces(page, "mix_chart")[0]["y"] == list(ascending["label"])

    # The sub-branch filter in the sidebar leaves only that sub-branch's managers.
    branch = demo_facts["branches"][0]
    pick(page, "puhui_branch", branch)
    page.locator(".st-key-mix_chart .js-plotly-plot").wait_for()
    in_branch = line[line["branch"] == branch]
    shown = chart_traces(page, "mix_chart")[0]["y"]
    assert sorted(shown) == sorted(mx.manager_labels(in_branch))
    assert len(shown) < len(traces[0]["y"])
    screenshot(page, "mix_branch")
    chart_screenshot(page, "mix_chart_branch")

    # Picking a manager opens the manager's customer list.
    options = mx.manager_options(in_branch)
    label = max(options, key=lambda k: len(demo_mix["customers"][options[k][0]]))
    manager_id = options[label][0]
    pick(page, "mix_manager", label)
    table = page.locator(".st-key-mix_customers_box")
    table.wait_for()
    table.scroll_into_view_if_needed()
    text = text_when(table, "管户类型")
    assert "客户号" in text and "管户类型" in text and "网格" in text
    # The grid draws the first rows only (the rest when scrolled): the first customer is there.
    assert demo_mix["customers"][manager_id][0] in text
    assert f"的客户（{len(demo_mix['customers'][manager_id])} 户）" in text
    page.locator(".st-key-mix_trend_manager .js-plotly-plot").wait_for()
    screenshot(page, "mix_customers")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.external_requests == []


def test_overview_shows_totals_progress_and_ranking(app_url, browser_page, demo_facts):
    page = browser_page
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("heading", name="🏠 经营总览").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    customers = demo_facts["customers"][demo_facts["latest"]]
    metric = page.locator('[data-testid="stMetric"]', has_text="管户数").first
    assert fmt.count(customers) in (metric.text_content() or "")
    body = page.locator("body").text_content() or ""
    elapsed, _days = periods.year_days(demo_facts["latest"])
    assert f"第 {elapsed} 天" in body and "序时进度" in body
    assert "四个5" in body and "三个1" in body
    page.locator(".st-key-overview_rank_chart .js-plotly-plot").wait_for()
    ranked = page.locator(".st-key-overview_rank_chart .js-plotly-plot").first.evaluate(
        "gd => Array.from(gd.data[0].y)"
    )
    assert sorted(ranked) == sorted(demo_facts["branches"])
    screenshot(page, "overview")
    pick(page, "overview_rank_metric", "逾期率")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.external_requests == []
