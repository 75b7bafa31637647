"""pydeck decks for the grid map, drawn with no basemap so that nothing leaves the intranet.

``map_provider=None`` with pydeck's default ``map_style`` keeps Streamlit from asking any
tile or style server: the JSON then carries pydeck's ``"__MAP_STYLE__"`` placeholder, which
Streamlit's frontend deletes. Measured in Chromium: ``map_style=None`` (with or without
``map_provider=None``) leaves ``mapStyle`` empty and Streamlit substitutes the public Carto
"positron" style, fetched from basemaps.cartocdn.com. A bank that runs its own tile server
sets ``basemap_style`` to the style URL and gets that basemap under the same layers.

Layers (each with an ``id``, as Streamlit's selection needs): ``grid-cells`` (cell shapes
coloured by a measure), ``outside-density`` (H3 hexagons counting customers outside every
cell), ``customers`` (points coloured by segment) and ``grid-labels`` (cell names; the
TextLayer is given ``characterSet: "auto"`` and a CJK font so Chinese glyphs are drawn).
All pickable layers share the tooltip fields ``tip_title`` and ``tip`` (lines separated by
newlines, shown with ``white-space: pre-line``), because a deck has a single tooltip.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from . import fmt, geo, settings

CJK_FONTS = (
    '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
)

CELL_LAYER, DENSITY_LAYER, CUSTOMER_LAYER, LABEL_LAYER = "grid-cells", "outside-density", "customers", "grid-labels"

# ColorBrewer YlGnBu (more is better) and YlOrRd (more days since the last visit is worse).
RAMP_GOOD = ((255, 255, 204), (161, 218, 180), (65, 182, 196), (44, 127, 184), (37, 52, 148))
RAMP_BAD = ((255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38))
NO_VALUE = (200, 200, 200)
NEVER = (103, 0, 13)
DENSITY_RAMP = ((254, 224, 210), (252, 146, 114), (222, 45, 38))
SEGMENT_COLORS = {
    "线下授信": (230, 85, 13),
    "线上授信": (49, 130, 189),
    "非授信": (117, 107, 177),
}
OTHER_SEGMENT = (120, 120, 120)
CELL_ALPHA = 170

# Assumed canvas size when fitting the view (st.pydeck_chart stretches to the column).
MAP_WIDTH, MAP_HEIGHT = 900, 560
TILE_SIZE = 512  # deck.gl's Web Mercator world is 512 px wide at zoom 0


@dataclass(frozen=True)
class Measure:
    """A measure a cell can be coloured by: Chinese label, value kind, ramp direction."""

    label: str
    kind: str  # count / pct / wan / days
    worse_when_high: bool = False


MEASURES: dict[str, Measure] = {
    "customers": Measure("我行客户数", "count"),
    "penetration": Measure("渗透率", "pct"),
    "deposits": Measure("存款余额", "wan"),
    "loans": Measure("贷款余额", "wan"),
    "new_accounts": Measure("本阶段新开户数", "count"),
    "days_since": Measure("距上次活动或拜访天数", "days", worse_when_high=True),
}


def format_value(value, kind: str) -> str:
    """A measure's value as text (万元 with the unit, percentages, counts, days)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "pct":
        return fmt.pct(value)
    if kind == "wan":
        return fmt.wan(_float(value), unit=True)
    if kind == "days":
        return f"{int(value):,d} 天"
    return fmt.count(value)


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def class_breaks(values, classes: int = 5, integer: bool = False) -> list[float]:
    """Equal-interval class edges from 0 (or the minimum, if negative) to the maximum.

    With ``integer`` (counts, days) the step is a whole number of at least 1, so that each
    class holds whole values and the top edge may lie above the maximum.
    """
    numbers = [v for v in (_float(x) for x in values) if v is not None]
    if not numbers:
        return []
    low, high = min(0.0, min(numbers)), max(numbers)
    if high <= low:
        return [low, low]
    if integer:
        low, high = math.floor(low), math.floor(high)
        step = max(1, math.ceil((high - low + 1) / classes))
        return [float(low + step * i) for i in range(classes + 1)]
    step = (high - low) / classes
    return [low + step * i for i in range(classes + 1)]


def _class_of(value: float, edges: list[float]) -> int:
    if len(edges) < 3:
        return 0
    for i in range(1, len(edges) - 1):
        if value < edges[i]:
            return i - 1
    return len(edges) - 2


def measure_colors(cells: pd.DataFrame, measure: str) -> tuple[list[list[int]], list[tuple[str, str]]]:
    """The fill colour (RGBA) of each cell for ``measure``, and the legend as (hex colour, label).

    Cells without a value (no business count for penetration) are grey; for days since
    the last activity or visit, a cell that never had one is dark red.
    """
    spec = MEASURES[measure]
    ramp = RAMP_BAD if spec.worse_when_high else RAMP_GOOD
    values = [_float(v) for v in cells[measure]] if measure in cells else [None] * len(cells)
    integer = spec.kind in ("count", "days")
    edges = class_breaks(values, len(ramp), integer=integer)
    colors, used_missing = [], False
    for value in values:
        if value is None:
            rgb = NEVER if spec.worse_when_high else NO_VALUE
            used_missing = True
        else:
            rgb = ramp[_class_of(value, edges)]
        colors.append([*rgb, CELL_ALPHA])
    legend = []
    top = max((v for v in values if v is not None), default=None)
    if len(edges) >= 3:
        for i, rgb in enumerate(ramp):
            start, stop = edges[i], edges[i + 1]
            if integer and top is not None and start > top:
                break  # classes above the largest value stay out of the legend
            if integer and stop - start == 1:
                label = format_value(start, spec.kind)
            elif integer:
                label = f"{format_value(start, spec.kind)} – {format_value(stop - 1, spec.kind)}"
            else:
                label = f"{format_value(start, spec.kind)} – {format_value(stop, spec.kind)}"
            legend.append((_hex(rgb), label))
    elif edges:
        legend.append((_hex(ramp[0]), format_value(edges[0], spec.kind)))
    if used_missing:
        legend.append(
            (_hex(NEVER), "无活动或拜访记录")
            if spec.worse_when_high
            else (_hex(NO_VALUE), "无经营主体数" if measure == "penetration" else "无数据")
        )
    return colors, legend


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def date_text(value) -> str:
    """A date as ``2026-10-31``, or 无记录 when there is none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "无记录"
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _cell_tip(cell, measure: str) -> tuple[str, str]:
    spec = MEASURES[measure]
    owner = cell.get("manager_name")
    if not isinstance(owner, str) or not owner:
        owner = "未指定" if not isinstance(cell.get("manager_id"), str) else str(cell.get("manager_id"))
    merchants = _float(cell.get("merchants"))
    lines = [
        f"{spec.label}：{format_value(cell.get(measure), spec.kind)}",
        f"负责人：{owner}",
        f"我行客户：{fmt.count(cell.get('customers'))} 户"
        + (f" / 经营主体 {fmt.count(merchants)} 家" if merchants is not None else "（无经营主体数）"),
        f"渗透率：{fmt.pct(cell.get('penetration'))}",
        f"存款：{fmt.wan(_float(cell.get('deposits')), unit=True)}　贷款：{fmt.wan(_float(cell.get('loans')), unit=True)}",
        f"最近活动或拜访：{date_text(cell.get('last_activity'))}",
        "点击查看网格详情",
    ]
    return f"{cell.get('grid_name')}（{cell.get('grid_type')}）", "\n".join(lines)


def cell_records(shapes: pd.DataFrame, measure: str) -> list[dict]:
    """One record per drawn polygon (a multipolygon cell gives several) for the cell layer."""
    drawable = shapes[shapes["shape"].notna()]
    colors, _ = measure_colors(drawable, measure)
    records = []
    for (_, cell), color in zip(drawable.iterrows(), colors):
        title, tip = _cell_tip(cell, measure)
        for part in cell["shape"]:
            records.append(
                {
                    "grid_id": str(cell["grid_id"]),
                    "grid_name": str(cell["grid_name"]),
                    "polygon": [[[round(x, 6), round(y, 6)] for x, y in ring] for ring in part],
                    "fill": color,
                    # The tooltip is HTML: names from an upload are escaped, never markup.
                    "tip_title": html.escape(title),
                    "tip": html.escape(tip),
                }
            )
    return records


def label_records(shapes: pd.DataFrame) -> list[dict]:
    """One label (the cell's name) at each drawn cell's centre."""
    drawable = shapes[shapes["shape"].notna()]
    return [
        {
            "position": [round(float(r.center_lon), 6), round(float(r.center_lat), 6)],
            "label": str(r.grid_name),
            "priority": int(_float(getattr(r, "customers", 0)) or 0),
        }
        for r in drawable.itertuples(index=False)
    ]


def customer_records(customers: pd.DataFrame, show_names: bool) -> list[dict]:
    """Customer points with coordinates; names only when ``show_names`` (never in training mode)."""
    lon = pd.to_numeric(customers["lon"], errors="coerce")
    lat = pd.to_numeric(customers["lat"], errors="coerce")
    placed = customers[lon.notna() & lat.notna()]
    records = []
    # Kept short: every point's fields travel in the deck's JSON on each rerun (Chinese
    # text as \\u escapes), so points carry two tooltip lines and no grid name.
    for row in placed.itertuples(index=False):
        segment = row.segment if isinstance(row.segment, str) else "未分类"
        manager = row.manager_name if isinstance(getattr(row, "manager_name", None), str) else str(row.manager_id)
        title = f"{row.customer_name}（{segment}）" if show_names else f"{segment}客户"
        money = f"存款 {fmt.wan(_float(row.deposits))} · 贷款 {fmt.wan(_float(row.loans))} 万元"
        records.append(
            {
                "position": [round(float(row.lon), 5), round(float(row.lat), 5)],
                "color": list(SEGMENT_COLORS.get(segment, OTHER_SEGMENT)),
                "grid_id": row.grid_id if isinstance(row.grid_id, str) else None,
                "tip_title": html.escape(title),
                "tip": html.escape(f"客户经理：{manager}\n{money}"),
            }
        )
    return records


# At most this many density hexagons go to the browser: beyond it the hexagons are merged
# into their parents (a coarser H3 resolution), so the layer stays a few hundred KB at any book.
MAX_HEXES = 600


def density_records(outside: pd.DataFrame, resolution: int | None = None, max_hexes: int = MAX_HEXES) -> list[dict]:
    """H3 hexagons counting the customers outside every cell (those with coordinates).

    When the hexagons at ``resolution`` would be more than ``max_hexes``, they are counted
    at a coarser resolution instead (each a parent of seven), until they are few enough.
    """
    counts = geo.hex_counts(outside["lon"], outside["lat"], resolution)
    while len(counts) > max_hexes and geo.hex_resolution(next(iter(counts))) > 0:
        counts = geo.coarser_counts(counts)
    if not counts:
        return []
    top = max(counts.values())
    records = []
    for cell, n in sorted(counts.items()):
        shade = (
            DENSITY_RAMP[min(int((n - 1) / top * len(DENSITY_RAMP)), len(DENSITY_RAMP) - 1)]
            if top > 1
            else DENSITY_RAMP[0]
        )
        ring = geo.hex_ring(cell)
        records.append(
            {
                "polygon": [ring],
                "fill": [*shade, 150],
                "count": n,
                "tip_title": "网格外客户聚集",
                "tip": f"{n} 户客户不在任何网格内\n可考虑划入网格或新设网格",
            }
        )
    return records


def fit_view(lons, lats, width: int = MAP_WIDTH, height: int = MAP_HEIGHT, padding: float = 0.85) -> pdk.ViewState:
    """A view centred on the points with a zoom that fits them in ``width`` × ``height`` pixels."""
    xs = [v for v in (_float(x) for x in lons) if v is not None]
    ys = [v for v in (_float(y) for y in lats) if v is not None]
    if not xs or not ys:
        return pdk.ViewState(longitude=116.4, latitude=39.9, zoom=10, pitch=0, bearing=0)
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    span_x = max(east - west, 1e-4)
    span_y = max(geo.mercator_y(north) - geo.mercator_y(south), 1e-6)
    zoom_x = math.log2(width * padding * 360 / (TILE_SIZE * span_x))
    zoom_y = math.log2(height * padding * 2 * math.pi / (TILE_SIZE * span_y))
    zoom = max(3.0, min(16.0, zoom_x, zoom_y))
    center_lat = geo.mercator_lat((geo.mercator_y(north) + geo.mercator_y(south)) / 2)
    return pdk.ViewState(longitude=(west + east) / 2, latitude=center_lat, zoom=round(zoom, 3), pitch=0, bearing=0)


def screen_position(view: pdk.ViewState, lon: float, lat: float, width: float, height: float) -> tuple[float, float]:
    """Where (lon, lat) lands on a ``width`` × ``height`` canvas showing ``view`` (pixels from top left)."""
    scale = TILE_SIZE * 2 ** float(view.zoom)
    x = width / 2 + (lon - float(view.longitude)) * scale / 360
    y = height / 2 - (geo.mercator_y(lat) - geo.mercator_y(float(view.latitude))) * scale / (2 * math.pi)
    return x, y


def tooltip() -> dict:
    """The deck's tooltip: Chinese text from each object's ``tip_title`` and ``tip`` fields."""
    return {
        "html": "<b>{tip_title}</b><br/>{tip}",
        "style": {
            "backgroundColor": "rgba(255, 255, 255, 0.96)",
            "color": "#1f2933",
            "fontSize": "12px",
            "fontFamily": CJK_FONTS,
            "whiteSpace": "pre-line",
            "border": "1px solid #c8c8c8",
            "borderRadius": "4px",
            "padding": "6px 8px",
        },
    }


def _density_layer(hexes: list[dict]) -> pdk.Layer:
    """The outside customers' hexagons (:func:`density_records`) as a layer."""
    return pdk.Layer(
        "PolygonLayer",
        id=DENSITY_LAYER,
        data=hexes,
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color=[180, 40, 30, 200],
        line_width_min_pixels=1,
        stroked=True,
        pickable=True,
    )


class CompactDeck(pdk.Deck):
    """A pydeck Deck serialised once, as compact JSON with the Chinese text as UTF-8.

    pydeck writes its JSON indented and with every Chinese character as a ``\\u`` escape,
    and Streamlit asks for it on every rerun: a deck kept in a cache is serialised once and
    sends about a third of the bytes. Build it completely before the first ``to_json``.
    """

    def to_json(self) -> str:
        """The deck's JSON (computed on the first call, then kept)."""
        spec = self.__dict__.get("_compact_json")
        if spec is None:
            # pydeck's own serialise indents, which makes json fall back to its pure-Python encoder.
            spec = json.dumps(
                self, default=default_serialize, sort_keys=True, ensure_ascii=False, separators=(",", ":")
            )
            self._compact_json = spec
        return spec


def grid_deck(
    shapes: pd.DataFrame,
    measure: str = "customers",
    customers: pd.DataFrame | None = None,
    outside: pd.DataFrame | None = None,
    show_names: bool = False,
    basemap_style: str | None = None,
    view: pdk.ViewState | None = None,
    density: list[dict] | None = None,
) -> pdk.Deck:
    """The grid map: cells coloured by ``measure``, optional customer points and outside density.

    ``shapes`` comes from ``geo.cell_shapes`` (cells with measure columns); ``customers``
    from the ``grid_customers`` query (drawn when given); ``outside`` the customers outside
    every cell (drawn as H3 density when given). ``show_names`` puts customer names in the
    point tooltips — pass ``not ctx.training``. ``basemap_style`` (default: the setting)
    is an intranet style URL; empty means no basemap and no request for one. ``density``:
    the outside customers' hexagons already counted (:func:`density_records`), in place of
    ``outside``.
    """
    style = settings.get("basemap_style") if basemap_style is None else basemap_style
    cells = cell_records(shapes, measure)
    layers = [
        pdk.Layer(
            "PolygonLayer",
            id=CELL_LAYER,
            data=cells,
            get_polygon="polygon",
            get_fill_color="fill",
            get_line_color=[60, 60, 60, 220],
            line_width_min_pixels=1,
            stroked=True,
            filled=True,
            pickable=True,
            auto_highlight=True,
            highlight_color=[255, 200, 0, 120],
        )
    ]
    hexes = density if density is not None else density_records(outside) if outside is not None and len(outside) else []
    if hexes:
        layers.append(_density_layer(hexes))
    if customers is not None and len(customers) > int(settings.get("map_max_points")):
        # Too many points make the page slow to send and draw; a fixed sample keeps the picture.
        customers = customers.sample(int(settings.get("map_max_points")), random_state=0)
    points = customer_records(customers, show_names) if customers is not None and len(customers) else []
    if points:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                id=CUSTOMER_LAYER,
                data=points,
                get_position="position",
                get_fill_color="color",
                opacity=0.85,
                get_radius=25,
                radius_min_pixels=2.5,
                radius_max_pixels=7,
                pickable=True,
            )
        )
    layers.append(
        pdk.Layer(
            "TextLayer",
            id=LABEL_LAYER,
            data=label_records(shapes),
            get_position="position",
            get_text="label",
            get_size=13,
            get_color=[20, 20, 20, 255],
            character_set='"auto"',
            font_family=pdk.types.String(CJK_FONTS),
            background=True,
            get_background_color=[255, 255, 255, 200],
            background_padding=[3, 1, 3, 1],
            pickable=False,
            # Overlapping names hide each other, the cell with more customers wins.
            extensions=[{"@@type": "CollisionFilterExtension"}],
            get_collision_priority="priority",
        )
    )
    if view is None:
        xs = [p[0] for r in cells for ring in r["polygon"] for p in ring] + [p["position"][0] for p in points]
        ys = [p[1] for r in cells for ring in r["polygon"] for p in ring] + [p["position"][1] for p in points]
        view = fit_view(xs, ys)
    if style:
        return CompactDeck(
            layers=layers, initial_view_state=view, map_provider="carto", map_style=style, tooltip=tooltip()
        )
    # No map_style here: pydeck then writes its "__MAP_STYLE__" placeholder, which Streamlit
    # drops. An explicit map_style=None makes Streamlit fall back to a public Carto style.
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tooltip())


def selected_grid(selection) -> str | None:
    """The grid_id of the clicked object in a ``st.pydeck_chart`` selection (cell or customer point)."""
    if not selection:
        return None
    objects = (selection.get("selection") or {}).get("objects") or {}
    for layer in (CELL_LAYER, CUSTOMER_LAYER):
        for obj in objects.get(layer) or []:
            grid = obj.get("grid_id") if isinstance(obj, dict) else None
            if grid:
                return str(grid)
    return None


def legend_html(items: list[tuple[str, str]], title: str = "") -> str:
    """A one-line HTML legend of colour swatches (for ``st.markdown(..., unsafe_allow_html=True)``)."""
    swatch = (
        "<span style='display:inline-block;width:12px;height:12px;background:{};"
        "border:1px solid #888;margin:0 4px 0 10px;vertical-align:middle'></span>{}"
    )
    parts = [swatch.format(color, html.escape(label)) for color, label in items]
    head = f"<b>{html.escape(title)}</b>" if title else ""
    return f"<div style='font-size:0.85rem;line-height:1.8'>{head}{''.join(parts)}</div>"


def segment_legend() -> list[tuple[str, str]]:
    """The customer points' colours by segment."""
    return [(_hex(rgb), segment) for segment, rgb in SEGMENT_COLORS.items()] + [(_hex(OTHER_SEGMENT), "未分类")]
