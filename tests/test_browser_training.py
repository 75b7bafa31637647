"""Training mode in a real Chromium: the sidebar switch masks the account-mix page's customer
list and the grid map's point tooltips, in a session that showed them unmasked a moment before.

The customer list is an st.dataframe drawn on a canvas; its cells are read from the
element's text content (the grid keeps an accessible copy of the drawn rows in the DOM).
"""

from __future__ import annotations

import time

import duckdb
import pytest
from conftest import SCREENS, screenshot, wait_for_app
from test_browser_grid_map import _canvas_box, _open_map, demo_map  # noqa: F401  (demo_map: a fixture)
from test_browser_mix import pick

from puhui import maps, masking, queries, ui
from puhui import mix as mx

pytestmark = pytest.mark.browser


def switch_training_on(page) -> None:
    """Click the sidebar's 培训演示模式 toggle and wait for the rerun."""
    toggle = page.locator(f".st-key-{ui.KEY_TRAINING}")
    checkbox = toggle.locator('input[type="checkbox"]')
    assert not checkbox.is_checked()
    toggle.get_by_text("培训演示模式").click()
    wait_for_app(page)
    assert checkbox.is_checked()
    assert "training=1" in page.url  # a copied link keeps the mode
    page.get_by_text("🎓 培训演示模式：个人信息已脱敏显示。").wait_for()


@pytest.fixture(scope="module")
def manager_list(demo_template, demo_facts) -> dict:
    """The manager the test opens on the mix page (the one with the most customers) and the
    first rows of the list as the page orders them, plain and masked."""
    con = duckdb.connect(str(demo_template), read_only=True)
    try:
        line = mx.page_rows(queries.run(con, "manager_mix", {"month": demo_facts["latest"], **mx.mix_params()}))
        options = mx.manager_options(line)
        books = {
            label: queries.run(
                con, "manager_customers", {"month": demo_facts["latest"], "manager_id": mid, "branch": branch}
            )
            for label, (mid, branch) in options.items()
        }
    finally:
        con.close()
    label = max(books, key=lambda k: len(books[k]))
    book = books[label].head(5)
    masked = masking.mask_frame(book)
    return {
        "label": label,
        "branch": options[label][1],
        "ids": list(book["customer_id"]),
        "names": list(book["customer_name"]),
        "masked": list(masked["customer_name"]),
    }


def test_switching_training_on_masks_the_customer_list(app_url, browser_page, manager_list):
    page = browser_page
    page.goto(f"{app_url}/mix")
    wait_for_app(page)
    page.get_by_role("heading", name="👥 管户结构").wait_for()
    pick(page, "mix_manager", manager_list["label"])
    table = page.locator(".st-key-mix_customers_box")
    table.wait_for()
    table.scroll_into_view_if_needed()
    before = table.text_content() or ""
    # Unmasked first: the first rows' names are there in full.
    assert manager_list["ids"][0] in before
    assert manager_list["names"][0] in before
    table.screenshot(path=str(SCREENS / "training_mix_list_before.png"))
    screenshot(page, "training_mix_before")

    switch_training_on(page)
    table = page.locator(".st-key-mix_customers_box")
    table.wait_for()  # the manager stays chosen across the switch
    table.scroll_into_view_if_needed()
    time.sleep(0.5)
    after = table.text_content() or ""
    # The list is still there, masked: customer numbers keep their ends (mask_keep_customer), never in full.
    assert masking.mask_value("customer", manager_list["ids"][0]) in after, "the list is gone instead of masked"
    assert manager_list["ids"][0] not in after
    for name, masked in zip(manager_list["names"], manager_list["masked"]):
        assert "*" in masked and masked != name
        assert name not in after
    assert manager_list["masked"][0] in after
    assert not any(name in (page.locator("body").text_content() or "") for name in manager_list["names"])
    table.screenshot(path=str(SCREENS / "training_mix_list_after.png"))
    screenshot(page, "training_mix_after")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.external_requests == [], page.external_requests


def _hover_tip(page, box, x: float, y: float) -> str | None:
    """The tooltip's text with the mouse at (x, y) on the canvas, or None when none shows."""
    page.mouse.move(box["x"] + 2, box["y"] + 2)  # off the point first, so the hover is fresh
    time.sleep(0.2)
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = page.locator(".deck-tooltip")
    try:
        tip.wait_for(state="visible", timeout=2_000)
    except Exception:  # noqa: BLE001 - nothing under the mouse, or another object on top
        return None
    return tip.inner_text()


def _shoot_tip(page, box, x: float, y: float, name: str) -> None:
    """A picture of the canvas around the hovered point, tooltip included."""
    left, top = max(box["x"] + x - 200, 0), max(box["y"] + y - 150, 0)
    page.screenshot(path=str(SCREENS / f"{name}.png"), clip={"x": left, "y": top, "width": 480, "height": 300})


def test_switching_training_on_masks_the_map_tooltip(app_url, browser_page, demo_map):  # noqa: F811
    page = browser_page
    box = _open_map(page, app_url)
    view = demo_map["deck"].initial_view_state
    customers = demo_map["customers"].dropna(subset=["lon", "lat"])
    # A customer point on screen whose tooltip names the customer (training mode off).
    chosen = None
    for row in customers.itertuples():
        if len(row.customer_name) < 3:
            continue
        x, y = maps.screen_position(view, row.lon, row.lat, box["width"], box["height"])
        if not (20 < x < box["width"] - 20 and 20 < y < box["height"] - 20):
            continue
        text = _hover_tip(page, box, x, y)
        if text and text.splitlines()[0].startswith(row.customer_name):
            chosen = (row, x, y, text)
            break
    assert chosen, "no customer point could be hovered"
    row, x, y, before = chosen
    assert f"（{row.segment}）" in before.splitlines()[0]
    _shoot_tip(page, box, x, y, "training_map_tip_before")
    screenshot(page, "training_map_before")

    switch_training_on(page)
    box = _canvas_box(page)
    time.sleep(2.0)  # the deck redraws with the new data
    after = None
    for _attempt in range(3):
        after = _hover_tip(page, box, x, y)
        if after:
            break
    assert after, "the same point shows no tooltip after the switch"
    assert row.customer_name not in after
    assert masking.mask_name(row.customer_name) not in after  # no name at all, not even masked
    assert after.splitlines()[0] == f"{row.segment}客户"
    assert "客户经理" in after  # the rest of the tooltip is unchanged
    _shoot_tip(page, box, x, y, "training_map_tip_after")
    screenshot(page, "training_map_after")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.external_requests == [], page.external_requests
