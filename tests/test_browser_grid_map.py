"""The grid map in a real Chromium (WebGL through SwiftShader): drawn, labelled in Chinese,
clickable, and with no request to any host but the app's.

Where a cell lands on screen is computed from the same deck the page builds (same demo
database, same functions), with the canvas size the browser reports.
"""

from __future__ import annotations

import io
import json
import time

import duckdb
import pytest
from conftest import SCREENS, screenshot, wait_for_app
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from puhui import geo, grids, maps, periods, queries

pytestmark = pytest.mark.browser

CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'


@pytest.fixture(scope="module")
def demo_map(demo_template, demo_facts):
    """The demo's latest month as the page draws it for all sub-branches: shapes, customers, deck."""
    con = duckdb.connect(str(demo_template), read_only=True)
    try:
        month = demo_facts["latest"]
        phase = periods.phase_window(month)
        cells = queries.run(con, "grid_cells", {"month": month, "phase_start": phase.start.isoformat()})
        customers = queries.run(con, "grid_customers", {"month": month})
    finally:
        con.close()
    shapes = geo.cell_shapes(cells)
    outside = grids.outside_customers(customers, shapes)
    deck = maps.grid_deck(
        shapes, customers=customers, outside=outside[outside["located_grid"].isna()], basemap_style=""
    )
    return {"month": month, "shapes": shapes, "customers": customers, "deck": deck}


def _open_map(page, app_url, query: str = "") -> dict:
    page.goto(f"{app_url}/grid_map{query}")
    wait_for_app(page)
    canvas = page.locator(CANVAS).first
    canvas.wait_for(state="visible")
    time.sleep(2.5)  # deck.gl draws (and builds its CJK font atlas) after the frame arrives
    return _canvas_box(page)


def _canvas_box(page) -> dict:
    """The canvas's box once it is scrolled wholly into the viewport (clicks use these coordinates)."""
    canvas = page.locator(CANVAS).first
    canvas.evaluate("el => el.scrollIntoView({block: 'center', inline: 'center'})")
    time.sleep(0.5)
    box = canvas.bounding_box()
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    return box


def _canvas_image(page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator(CANVAS).first.screenshot())).convert("RGB")


def _coloured_share(image: Image.Image) -> float:
    pixels = list(image.get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if max(abs(255 - r), abs(255 - g), abs(255 - b)) > 30)
    return coloured / len(pixels)


def _target_cell(demo_map, box) -> tuple[dict, tuple[float, float]]:
    """The biggest cell on screen and a point inside it away from customer points and its label."""
    view = demo_map["deck"].initial_view_state
    shapes = demo_map["shapes"]
    shapes = shapes[shapes["shape"].notna()].sort_values("area", ascending=False)
    cell = shapes.iloc[0]
    ring = max((p[0] for p in cell["shape"]), key=lambda r: abs(geo.ring_area(r)))
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    candidates = [
        (xs_min + (max(xs) - xs_min) * i / 12, min(ys) + (max(ys) - min(ys)) * j / 12)
        for xs_min in [min(xs)]
        for i in range(1, 12)
        for j in range(1, 12)
    ]
    inside = [c for c, ok in zip(candidates, geo.points_in_shape(*zip(*candidates), cell["shape"])) if ok]
    customers = demo_map["customers"].dropna(subset=["lon", "lat"])
    dots = [
        maps.screen_position(view, x, y, box["width"], box["height"])
        for x, y in zip(customers["lon"], customers["lat"])
    ]
    label = maps.screen_position(view, cell["center_lon"], cell["center_lat"], box["width"], box["height"])

    def clearance(point):
        px, py = maps.screen_position(view, point[0], point[1], box["width"], box["height"])
        nearest_dot = min(((px - dx) ** 2 + (py - dy) ** 2) ** 0.5 for dx, dy in dots)
        off_label = abs(py - label[1]) > 14 or abs(px - label[0]) > 70
        return nearest_dot if off_label else 0

    best = max(inside, key=clearance)
    return cell, maps.screen_position(view, best[0], best[1], box["width"], box["height"])


def test_map_draws_labels_and_clicks_offline(browser_page, app_url, demo_map):
    page = browser_page
    box = _open_map(page, app_url)
    assert box["width"] > 300 and box["height"] > 300

    # The deck the page draws has Chinese labels with an on-the-fly character set, no basemap.
    spec = json.loads(demo_map["deck"].to_json())
    text = [layer for layer in spec["layers"] if layer["@@type"] == "TextLayer"]
    assert text and text[0]["characterSet"] == "auto" and spec["mapStyle"] == "__MAP_STYLE__"

    image = _canvas_image(page)
    screenshot(page, "grid_map_page")
    image.save(SCREENS / "grid_map_canvas.png")
    assert _coloured_share(image) > 0.05, "the map canvas is (nearly) blank"

    # Chinese glyphs are drawn: the label box of the biggest cell holds dark text pixels
    # (with an ASCII-only font atlas it would be an empty white box).
    view = demo_map["deck"].initial_view_state
    cell, click_at = _target_cell(demo_map, box)
    lx, ly = maps.screen_position(view, cell["center_lon"], cell["center_lat"], box["width"], box["height"])
    scale = image.width / box["width"]
    half = 7 * len(cell["grid_name"])
    crop = image.crop(
        (int((lx - half) * scale), int((ly - 9) * scale), int((lx + half) * scale), int((ly + 9) * scale))
    )
    crop.save(SCREENS / "grid_map_label.png")
    dark = sum(1 for r, g, b in crop.get_flattened_data() if 0.299 * r + 0.587 * g + 0.114 * b < 90)
    assert dark > 20, f"no dark glyph pixels in the label of {cell['grid_name']}"

    # Hovering shows a Chinese tooltip; clicking opens the cell's panel.
    assert _canvas_box(page) == box, "the canvas moved"
    page.mouse.move(box["x"] + click_at[0], box["y"] + click_at[1])
    tip = page.locator(".deck-tooltip")
    tip.wait_for(state="visible", timeout=30_000)
    assert cell["grid_name"] in tip.inner_text() and "负责人" in tip.inner_text()
    panel = page.locator(".st-key-grid_cell_panel")
    for _attempt in range(3):
        # deck.gl counts a click only when press and release come within 250 ms of each
        # other; on a loaded machine (SwiftShader picking on the main thread) a synthetic
        # click can miss that, so a click that opened nothing is tried again. A repeated
        # click never closes the panel: only a click on a cell changes the chosen cell.
        page.mouse.click(box["x"] + click_at[0], box["y"] + click_at[1])
        try:
            panel.wait_for(state="visible", timeout=30_000)
            break
        except PlaywrightTimeout:
            continue
    wait_for_app(page)
    assert panel.is_visible(), "clicking the cell opened no panel"
    assert f"网格详情：{cell['grid_name']}" in panel.inner_text()
    # The accessible way in, the selectbox, now names the clicked cell too.
    chooser = page.locator(".st-key-grid_map_cell")
    shown = chooser.inner_text() + " ".join(i.input_value() for i in chooser.locator("input").all())
    assert cell["grid_name"] in shown, shown
    screenshot(page, "grid_map_clicked")
    panel.scroll_into_view_if_needed()
    screenshot(page, "grid_map_panel")

    # Switching the measure and the layers redraws without leaving the machine.
    page.get_by_text("显示客户（按管户类型着色）").click()
    wait_for_app(page)
    assert not page.locator('[data-testid="stException"]').count()
    assert page.external_requests == [], page.external_requests


def test_training_mode_hides_names_in_point_tooltips(browser_page, app_url, demo_map):
    page = browser_page
    box = _open_map(page, app_url, "?training=1")
    view = demo_map["deck"].initial_view_state
    customers = demo_map["customers"].dropna(subset=["lon", "lat"])
    # A customer whose point is on screen and not covered by a label.
    for row in customers.itertuples():
        x, y = maps.screen_position(view, row.lon, row.lat, box["width"], box["height"])
        if 20 < x < box["width"] - 20 and 20 < y < box["height"] - 20:
            page.mouse.move(box["x"] + x, box["y"] + y)
            tip = page.locator(".deck-tooltip")
            try:
                tip.wait_for(state="visible", timeout=2_000)
            except Exception:  # noqa: BLE001 - the point may sit under another object
                continue
            text = tip.inner_text()
            if "客户经理" in text and "网格外" not in text and "点击查看" not in text:
                assert row.customer_name not in text
                assert text.splitlines()[0].endswith("客户")
                break
    else:
        pytest.fail("no customer point could be hovered")
    screenshot(page, "grid_map_training")
    assert page.external_requests == [], page.external_requests
