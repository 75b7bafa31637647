"""Real-browser tests: the app shell, every page, deep links, the upload page, no external requests.

Chromium (Debian's) through Playwright against ``streamlit run serve.py`` on a free
localhost port and a small demo database. Screenshots go to test-output/screens/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from conftest import ROOT, customers_xlsx, next_month, screenshot, text_when, wait_for_app
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from puhui import fmt, ui

pytestmark = pytest.mark.browser

APP_NAME = ui.APP_NAME
EXCEPTION = '[data-testid="stException"]'
NAV_LINK = '[data-testid="stSidebar"] [data-testid="stPageLink"]'


def url_path(rel: str) -> str:
    """The URL path Streamlit gives a page file: ``/`` for app.py, ``/<stem>`` for pages/<stem>.py."""
    return "/" if rel == "app.py" else "/" + Path(rel).stem


EXISTING = [(rel, label) for rel, label, _ in ui.PAGES if (ROOT / rel).exists()]


def open_page(page, url: str) -> None:
    """Load ``url`` and wait for its script run to finish."""
    page.goto(url)
    wait_for_app(page)


def nav_labels(page) -> list[str]:
    """The sidebar's navigation labels (without their emoji)."""
    return [text.split("\n")[-1].strip() for text in page.locator(NAV_LINK).all_inner_texts()]


def exceptions(page) -> list[str]:
    """Texts of any exception boxes on the page."""
    return page.locator(EXCEPTION).all_inner_texts()


def shows_count(value_text: str, n: int) -> bool:
    """Whether a metric's text shows ``fmt.count(n)`` (alone or followed by a unit: ``595 户``)."""
    return value_text == fmt.count(n) or value_text.startswith(fmt.count(n) + " ")


def metric_value(page, label: str, timeout: float = 30_000) -> str:
    """The value text of the st.metric whose label is exactly ``label`` (waits for it to appear)."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    metric = (
        page.locator('[data-testid="stMetric"]')
        .filter(has=page.locator('[data-testid="stMetricLabel"]', has_text=exact))
        .first
    )
    try:
        metric.wait_for(timeout=timeout)
    except PlaywrightTimeout:
        screenshot(page, "failed-metric")
        raise AssertionError(f"页面上没有标签为“{label}”的指标；异常：{exceptions(page)}") from None
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def sidebar_value(page, widget_key: str) -> str:
    """The option a sidebar selectbox shows (its combobox input, found by the key's CSS class)."""
    return page.locator(f'[data-testid="stSidebar"] .st-key-{widget_key} input[role="combobox"]').input_value()


def choose(page, widget_key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with ``widget_key`` and wait for the rerun."""
    page.locator(f'.st-key-{widget_key} input[role="combobox"]').click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def query(page) -> dict[str, str]:
    """The current URL's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


@pytest.mark.parametrize("rel", [rel for rel, _, _ in ui.PAGES])
def test_every_page_opens_without_exception(rel, browser_page, app_url, demo_facts):
    if not (ROOT / rel).exists():
        pytest.skip(f"{rel} 尚不存在")
    page = browser_page
    open_page(page, f"{app_url}{url_path(rel)}?month={demo_facts['latest']}")
    time.sleep(1)  # let charts and maps draw before the screenshot
    screenshot(page, "page-" + ("overview" if rel == "app.py" else Path(rel).stem))
    assert exceptions(page) == []
    assert page.title().endswith(f" · {APP_NAME}")
    assert nav_labels(page) == [label for _, label in EXISTING]
    assert "当前显示的是演示数据" in page.locator('[data-testid="stMain"]').inner_text()
    assert sidebar_value(page, ui.KEY_MONTH) == demo_facts["latest"]
    assert page.external_requests == []


def test_no_request_leaves_the_host(browser_page, app_url):
    page = browser_page
    open_page(page, app_url)
    # Walk every page through the sidebar, as a user would.
    for _, label in EXISTING:
        page.locator(NAV_LINK, has_text=label).click()
        wait_for_app(page)
        time.sleep(0.5)
        assert exceptions(page) == [], label
    assert any(url.startswith(app_url) for url in page.requests)  # the recorder records
    # Nothing else: no usage statistics, no icon font, no basemap style from the internet.
    assert page.external_requests == []


def test_overview_shows_the_demo_totals(browser_page, app_url, demo_facts):
    if not (ROOT / "app.py").exists():
        pytest.skip("app.py 尚不存在")
    page = browser_page
    latest = demo_facts["latest"]
    open_page(page, f"{app_url}/?month={latest}")
    assert shows_count(metric_value(page, "管户数"), demo_facts["customers"][latest])
    branch = demo_facts["branches"][0]
    open_page(page, f"{app_url}/?month={latest}&branch={branch}")
    assert sidebar_value(page, ui.KEY_BRANCH) == branch
    assert shows_count(metric_value(page, "管户数"), demo_facts["customers_by_branch"][(latest, branch)])
    earlier = demo_facts["months"][-1]
    open_page(page, f"{app_url}/?month={earlier}")
    assert shows_count(metric_value(page, "管户数"), demo_facts["customers"][earlier])
    assert exceptions(page) == []


@pytest.mark.parametrize("rel", ["pages/upload.py", "pages/mix.py"])
def test_deep_link_on_a_fresh_server_shows_the_whole_app(rel, browser_page, start_app, demo_facts):
    if not (ROOT / rel).exists():
        pytest.skip(f"{rel} 尚不存在")
    url = start_app("deeplink-" + Path(rel).stem)
    page = browser_page
    month, branch = demo_facts["months"][1], demo_facts["branches"][1]
    # The very first request this server sees is for the page, with filters in the link.
    open_page(page, f"{url}{url_path(rel)}?month={month}&branch={branch}")
    screenshot(page, "deeplink-" + Path(rel).stem)
    assert exceptions(page) == []
    assert nav_labels(page) == [label for _, label in EXISTING]
    assert sidebar_value(page, ui.KEY_MONTH) == month
    assert sidebar_value(page, ui.KEY_BRANCH) == branch
    assert page.title().endswith(f" · {APP_NAME}")
    assert page.external_requests == []


def test_filters_live_in_the_url_and_survive_navigation(browser, browser_page, app_url, demo_facts):
    page = browser_page
    open_page(page, f"{app_url}/upload")
    assert query(page) == {"month": demo_facts["latest"]}
    month, branch = demo_facts["months"][1], demo_facts["branches"][-1]
    choose(page, ui.KEY_MONTH, month)
    choose(page, ui.KEY_BRANCH, branch)
    assert query(page) == {"month": month, "branch": branch}
    target_rel, target_label = EXISTING[0] if EXISTING[0][0] != "pages/upload.py" else EXISTING[1]
    page.locator(NAV_LINK, has_text=target_label).click()
    wait_for_app(page)
    assert urlsplit(page.url).path == url_path(target_rel)
    assert query(page) == {"month": month, "branch": branch}
    assert (sidebar_value(page, ui.KEY_MONTH), sidebar_value(page, ui.KEY_BRANCH)) == (month, branch)
    # A copied link opens the same view in a new session.
    other = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    try:
        open_page(other, page.url)
        assert (sidebar_value(other, ui.KEY_MONTH), sidebar_value(other, ui.KEY_BRANCH)) == (month, branch)
    finally:
        other.context.close()
    # A wrong month in a link falls back to the latest, with a warning in Chinese.
    open_page(page, f"{app_url}/upload?month=1999-01")
    assert "链接中的数据月份“1999-01”不在数据库中" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert sidebar_value(page, ui.KEY_MONTH) == demo_facts["latest"]


def test_upload_through_the_file_chooser_reaches_the_overview(browser_page, start_app, demo_facts, tmp_path):
    url = start_app("upload")
    page = browser_page
    new = next_month(demo_facts["latest"])
    branch, manager = demo_facts["branches"][0], demo_facts["manager_ids"][0]
    n = 37
    path = tmp_path / f"管户明细_{new}.xlsx"
    path.write_bytes(customers_xlsx(new, branch, manager, n))

    open_page(page, f"{url}/upload")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    wait_for_app(page)
    page.get_by_text("识别为 管户明细").wait_for()
    main = page.locator('[data-testid="stMain"]')
    report = main.inner_text()
    assert f"{path.name} · 工作表“管户明细” → 识别为 管户明细" in report
    assert metric_value(page, "表头所在行") == "第 3 行"
    assert metric_value(page, "数据月份") == new
    assert metric_value(page, "可导入行数") == str(n)
    assert "合计行 1 行" in report and "万元" in report
    # The mapping table (canvas) names the source headers.
    mapping = text_when(page.locator('[data-testid="stDataFrame"]').first, "客户号")
    assert "线下贷款余额(万元)" in mapping and "客户号" in mapping
    time.sleep(0.5)
    screenshot(page, "upload-analysed")

    # The problems table downloads as xlsx (a 提示: no roster for the new month).
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 Excel").first.click()
    problems_file = tmp_path / "problems.xlsx"
    download_info.value.save_as(problems_file)
    cells = [c for row in openpyxl.load_workbook(problems_file).active.iter_rows(values_only=True) for c in row]
    assert "问题" in cells

    page.get_by_role("button", name=f"确认导入（1 张表，共 {n} 行）").click()
    wait_for_app(page)
    page.get_by_text(f"已导入管户明细 {new}").wait_for()
    assert "导入记录" in main.inner_text()
    screenshot(page, "upload-stored")

    # Other pages show the new month without a restart.
    open_page(page, f"{url}/?month={new}")
    assert exceptions(page) == []
    # One sub-branch's upload: a partial month, labelled so in the month select.
    shown = sidebar_value(page, ui.KEY_MONTH)
    assert shown.startswith(new) and "不完整" in shown
    if (ROOT / "app.py").exists():
        assert shows_count(metric_value(page, "管户数"), n)
    screenshot(page, "overview-uploaded")

    # Undo it through the page: the month disappears again.
    open_page(page, f"{url}/upload")
    page.get_by_text("撤销一次导入").click()
    page.get_by_text("我确认撤销这次导入").click()
    wait_for_app(page)
    page.get_by_role("button", name="撤销导入").click()
    wait_for_app(page)
    page.get_by_text("已撤销导入").wait_for()
    screenshot(page, "upload-undone")
    open_page(page, f"{url}/?month={new}")
    assert f"链接中的数据月份“{new}”不在数据库中" in page.locator('[data-testid="stMain"]').inner_text()
    assert page.external_requests == []
