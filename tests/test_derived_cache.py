"""Results kept above the query (``ui.Context.derive``: decks, derived frames, figures) never
cross a scope, a masking mode or a filter.

Each test runs a page in one process twice, one way and then the other, so that the second
run finds the first run's results in Streamlit's caches: what it shows must still be its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from puhui import access, deposits, grids, login, maps, ui

ROOT = Path(__file__).absolute().parent.parent


def _run(rel: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / rel), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, column: str, *more: str):
    return next(d.value for d in at.dataframe if {column, *more} <= set(d.value.columns))


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _deck_strings(at: AppTest) -> str:
    decks = at.get("deck_gl_json_chart")
    assert decks, "no map on the page"
    return json.dumps(json.loads(decks[0].proto.json), ensure_ascii=False)


def _point_titles(at: AppTest) -> list[str]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layer = next(layer for layer in spec["layers"] if layer["id"] == maps.CUSTOMER_LAYER)
    return [point["tip_title"] for point in layer["data"]]


def _head_of(branch: str) -> access.Access:
    return access.Access(access.User(key="head@bank", role=access.BRANCH_HEAD, branches=(branch,), name="张行长"), True)


def test_a_map_built_for_the_whole_line_is_not_served_to_a_branch_head(apptest_env, monkeypatch):
    line = _run("pages/grid_map.py")
    line_outside = _frame(line, "customer_name", "reason")
    assert line_outside["branch"].nunique() > 1, "the demo's outside list should span sub-branches"
    line_deck = _deck_strings(line)
    branch = sorted(set(line_outside["branch"]))[-1]

    monkeypatch.setattr(login, "gate", lambda con, page, app_name: _head_of(branch))
    scoped = _run("pages/grid_map.py")
    outside = _frame(scoped, "customer_name", "reason")
    assert len(outside) and set(outside["branch"]) == {branch}
    assert _metric(scoped, "网格外客户") != _metric(line, "网格外客户") or len(outside) != len(line_outside)
    assert _deck_strings(scoped) != line_deck


def test_a_map_built_unmasked_is_not_served_in_training_mode(apptest_env):
    plain = _run("pages/grid_map.py")
    assert len(_frame(plain, "customer_name", "reason")["customer_name"].dropna())
    named = [title for title in _point_titles(plain) if "（" in title]
    assert named, "unmasked point tooltips name the customer"

    masked = _run("pages/grid_map.py", training="1")
    shown = _frame(masked, "customer_name", "reason")["customer_name"].dropna()
    assert len(shown) and shown.map(lambda n: "*" in n).all()
    titles = _point_titles(masked)
    assert titles and all(title.endswith("客户") and "（" not in title for title in titles)
    assert not set(named) & set(titles)


def test_derive_keys_on_scope_masking_filters_and_inputs(apptest_env, monkeypatch):
    # The key alone decides: a build that would give the same value for two keys is not asked twice
    # for one key, and is asked again for any other scope, masking mode, month, sub-branch or input.
    calls: list[tuple] = []

    def build(tag):
        def made():
            calls.append(tag)
            return tag

        return made

    ctx = ui.Context(con=None, db_path=apptest_env, month="2026-10", branch=None, training=False, version=(1, 0))
    assert ctx.derive("x", build("line")) == "line"
    assert ctx.derive("x", build("again")) == "line"  # the same key: kept
    variants = [
        ui.Context(con=None, db_path=apptest_env, month="2026-10", branch=None, training=True, version=(1, 0)),
        ui.Context(con=None, db_path=apptest_env, month="2026-09", branch=None, training=False, version=(1, 0)),
        ui.Context(con=None, db_path=apptest_env, month="2026-10", branch="甲", training=False, version=(1, 0)),
        ui.Context(con=None, db_path=apptest_env, month="2026-10", branch=None, training=False, version=(2, 0)),
        ui.Context(
            con=None,
            db_path=apptest_env,
            month="2026-10",
            branch=None,
            training=False,
            version=(1, 0),
            access=_head_of("甲"),
        ),
    ]
    for number, other in enumerate(variants):
        assert other.derive("x", build(number)) == number
    assert ctx.derive("x", build("input"), "measure") == "input"
    monkeypatch.setenv("PUHUI_TABLE_MAX_ROWS", "7")  # a setting changed
    assert ctx.derive("x", build("setting")) == "setting"
    assert calls == ["line", *range(len(variants)), "input", "setting"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    ui.clear_cache()
    yield
    ui.clear_cache()


@pytest.mark.parametrize(
    ("rel", "columns", "name"),
    [
        ("pages/deposits.py", deposits.CUSTOMER_COLUMNS, "管户客户存款"),
        ("pages/grid_map.py", grids.OUTSIDE_COLUMNS, "未归属网格的客户"),
    ],
)
def test_a_long_list_shows_its_first_rows_and_downloads_every_row(apptest_env, monkeypatch, rel, columns, name):
    import io

    import openpyxl
    import streamlit

    monkeypatch.setenv("PUHUI_TABLE_MAX_ROWS", "5")
    caught: list[tuple[str, object]] = []
    original = streamlit.download_button

    def catching(label, data=None, file_name=None, *args, **kwargs):
        caught.append((file_name, data))
        return original(label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", catching)
    at = _run(rel)
    shown = next(d.value for d in at.dataframe if list(d.value.columns)[:4] == list(columns)[:4])
    assert len(shown) == 5
    said = {
        int(c.value.split("共 ")[1].split(" 行")[0].replace(",", ""))
        for c in at.caption
        if "此处显示前 5 行" in c.value
    }
    data = next(data for file_name, data in caught if name in file_name)
    book = openpyxl.load_workbook(io.BytesIO(data() if callable(data) else data))
    rows = book.worksheets[0].max_row - 2  # a title row, a header row, then every row
    assert rows > 5 and rows in said  # the caption counts every row, and the download holds them


def test_density_hexagons_merge_to_coarser_cells_beyond_the_cap():
    import pandas as pd

    points = pd.DataFrame({"lon": [120.0 + i * 0.01 for i in range(40)], "lat": [30.0 + i * 0.005 for i in range(40)]})
    fine = maps.density_records(points, resolution=9)
    capped = maps.density_records(points, resolution=9, max_hexes=5)
    assert len(fine) > 5 >= len(capped) > 0
    assert sum(h["count"] for h in capped) == sum(h["count"] for h in fine) == 40


def test_compact_deck_json_is_the_same_deck_in_fewer_bytes():
    import pydeck as pdk
    from pydeck.bindings.json_tools import serialize

    data = [{"position": [120.0 + i / 1000, 30.0], "tip_title": "客户（线下授信）"} for i in range(50)]
    layer = pdk.Layer("ScatterplotLayer", id="points", data=data, get_position="position")
    view = pdk.ViewState(longitude=120, latitude=30, zoom=10)
    deck = maps.CompactDeck(layers=[layer], initial_view_state=view, map_provider=None, tooltip=maps.tooltip())
    pydeck_json = serialize(deck)
    spec = deck.to_json()
    assert json.loads(spec) == json.loads(pydeck_json)
    assert "客户（线下授信）" in spec and len(spec.encode()) < len(pydeck_json.encode()) / 2
    assert deck.to_json() is spec  # serialised once
