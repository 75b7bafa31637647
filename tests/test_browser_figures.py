"""Issue 11 in a real Chromium at a banker's laptop size (1280 × 800), on the messy uploaded book.

Amounts and their units must be readable (no value cut off with an ellipsis), the deposits
table must show its change columns without scrolling sideways, a partial month must say what
it lacks, and an unexpected error must show the Chinese text, never a traceback. Every view is
saved under test-output/screens/ (figures-*.png) to be looked at.
"""

from __future__ import annotations

import time

import duckdb
import pytest
from conftest import OUTPUT, StreamlitServer, copy_db, screenshot, text_when, wait_for_app

from puhui import ui

pytestmark = pytest.mark.browser

A, B = "城关支行", "开发区支行"
LAPTOP = {"width": 1280, "height": 800}
# Every element inside a metric's value that is wider than its box: a value cut off (…).
CUT_OFF = """() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricLabel"]'))
    .flatMap(el => [el, ...el.querySelectorAll('*')])
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => el.closest('[data-testid="stMetric"]').innerText.replace(/\\n/g, ' | '))"""


@pytest.fixture(scope="module")
def messy_url(messy_template, tmp_path_factory):
    """A server on a copy of the messy book."""
    db = copy_db(messy_template, tmp_path_factory.mktemp("figures_server") / "messy.duckdb")
    server = StreamlitServer(db, "figures").start()
    yield server.url
    server.stop()


@pytest.fixture
def laptop(browser):
    """A page at 1280 × 800."""
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def open_view(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.locator('[data-testid="stMain"] h1').first.wait_for()
    time.sleep(0.8)  # charts draw


@pytest.mark.parametrize(
    "name, path",
    [
        ("overview-line", "/?month=2026-10"),
        ("overview-branch", f"/?month=2026-10&branch={A}"),
        ("deposits-line", "/deposits?month=2026-10"),
        ("campaign-branch", f"/campaign?month=2026-10&branch={A}"),
        ("mix-branch", f"/mix?month=2026-10&branch={A}"),
    ],
)
def test_amounts_and_units_readable_at_1280(laptop, messy_url, name, path):
    page = laptop
    open_view(page, messy_url + path)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"figures-{name}")
    assert page.evaluate(CUT_OFF) == [], "cut-off metrics"
    # The top of the page, as it first appears on the laptop, for the eye.
    page.screenshot(path=str(OUTPUT / "screens" / f"figures-{name}-first-screen.png"))


def test_partial_month_and_missing_sub_branch(laptop, messy_url):
    page = laptop
    open_view(page, messy_url + "/?month=2026-11")
    screenshot(page, "figures-overview-partial")
    assert page.evaluate(CUT_OFF) == []
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "缺 2 个支行（开发区支行、新区支行）" in body and "最近的完整月份是 2026-10" in body
    month_box = page.locator(f'[data-testid="stSidebar"] .st-key-{ui.KEY_MONTH} input[role="combobox"]')
    assert "不完整" in (month_box.input_value() or page.locator(f".st-key-{ui.KEY_MONTH}").inner_text())
    open_view(page, messy_url + f"/?month=2026-11&branch={B}")
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert f"{B} 尚无" in body and "排第" not in body and "nan" not in body
    page.get_by_role("button", name="改看 2026-10").click()
    wait_for_app(page)
    assert "2026年10月" in page.locator('[data-testid="stMain"]').inner_text()
    screenshot(page, "figures-missing-branch-after-button")


def test_deposit_table_shows_its_change_columns(laptop, messy_url):
    page = laptop
    open_view(page, messy_url + f"/deposits?month=2026-10&branch={A}")
    screenshot(page, "figures-deposits-branch")
    assert page.evaluate(CUT_OFF) == []  # a sub-branch's amounts in 万元 fit too
    box = page.locator(".st-key-deposit_manager_box")
    box.scroll_into_view_if_needed()
    box.locator('[data-testid="stDataFrame"]').wait_for()
    text_when(box, "张明")
    # The grid draws (and copies to the DOM) only the columns in view: these must be among them.
    visible = box.evaluate("el => Array.from(el.querySelectorAll('[role=columnheader]')).map(h => h.innerText)")
    for header in ("客户经理", "存款合计（万元）", "环比变化（万元）", "较年初变化（万元）"):
        assert header in visible, visible
    box.screenshot(path=str(OUTPUT / "screens" / "figures-deposit-managers.png"))


def test_an_unexpected_error_shows_chinese_text_not_a_traceback(laptop, messy_template, tmp_path):
    # A database whose grid table was dropped behind the app's back: the grid map's query fails.
    db = copy_db(messy_template, tmp_path / "broken.duckdb")
    con = duckdb.connect(str(db))
    con.execute("drop table grids")
    con.close()
    server = StreamlitServer(db, "figures-broken").start()
    try:
        page = laptop
        page.goto(server.url + "/grid_map?month=2026-10")
        wait_for_app(page)
        error = page.locator('[data-testid="stException"]')
        error.wait_for()
        text = error.inner_text()
        assert "页面出错了" in text and "服务器日志" in text
        assert "Traceback" not in text and "grids" not in text and "Catalog" not in text
        assert "Google" not in text and "ChatGPT" not in text
        screenshot(page, "figures-error")
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert "Uncaught app execution" in log and "grids" in log  # the details are on the server
