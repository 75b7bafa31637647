"""The grid plan (网格化营销) as frames: cell shapes, coverage gaps, the weekly plan, channels.

The map page asks the queries ``grid_cells``, ``grid_customers``, ``grid_events`` and
``grid_channel_customers`` for the month's rows and hands them to the functions here; none
of them needs Streamlit. At a provincial bank's scale (a million customers) the page keeps
the bulk in the database: a fixed sample of map points (``grid_customers`` with
``$max_points``), only the customers not in a place cell for the outside check
(``$outside``), counts (``grid_customer_counts``, ``grid_channel_totals``), the weekly plan
summed per cell, manager and week (``grid_plan``), and one cell's or one department's rows
only when it is chosen (``$grid_id``, ``$dept_id``). Definitions the page relies on:

- A **place cell** is a grid whose type is a place (园区, 商圈, 专业市场, 产业集群, 社区,
  行政村); a **channel** is a government department or an association (政府渠道, 商会协会),
  the vertical axis of the plan, which is listed beside the map rather than drawn on it.
- A cell's **shape** is its boundary (WKT ``POLYGON``/``MULTIPOLYGON``, GeoJSON
  ``Polygon``/``MultiPolygon``/``Feature``, or a ``lon,lat;lon,lat;…`` ring as Amap exports
  it) when that parses, else a circle of ``grid_radius_m`` around its centre.
- A customer is **outside every cell** when its ``grid_id`` names no place cell (empty,
  unknown, or a channel) and its coordinates, if any, fall inside no cell's shape. One
  whose coordinates do fall inside a shape is listed with that cell as a suggestion.
- **Stale** (久未经营): no activity held in the cell and no visit to one of its customers in
  the ``stale_weeks`` weeks ending on the data month's last day.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from . import fmt, phases, settings

PLACE_TYPES = ("园区", "商圈", "专业市场", "产业集群", "社区", "行政村")
CHANNEL_TYPES = ("政府渠道", "商会协会")
PHASE_NAMES = ("一阶段 开门红", "二阶段 促提升", "三阶段 调结构", "四阶段 抓储备")
SEGMENTS = ("线下授信", "线上授信", "非授信")
DEPOSIT_KINDS = (
    ("dep_settlement", "结算存款"),
    ("dep_pure", "纯存款"),
    ("dep_margin", "保证金存款"),
    ("dep_savings", "储蓄存款"),
)
GAP_KINDS = ("无负责人", "负责人不在本月花名册", "渗透率偏低", "久未经营")

Ring = list[tuple[float, float]]
Polygon = list[Ring]  # the outer ring first, then holes
Shape = list[Polygon]

_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Phase:
    """One phase of the year's campaign: its number (1–4), name, first and last day."""

    number: int
    name: str
    start: date
    end: date


def month_end(month: str) -> date:
    """The last day of ``YYYY-MM``."""
    year, mon = (int(p) for p in month.split("-"))
    return date(year, mon, calendar.monthrange(year, mon)[1])


def phase_of(month: str) -> Phase:
    """The campaign phase containing ``YYYY-MM``: the one calendar of :mod:`puhui.phases` (setting ``phase_months``)."""
    try:
        phase = phases.load_calendar().phase_of(month)
    except ValueError as problem:
        raise ValueError(f"阶段设置有误：{problem}") from None
    year = int(month[:4])
    return Phase(phase.number, phase.label, phase.start_date(year), phase.end_date(year))


def _valid_point(lon: float, lat: float) -> bool:
    return math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90


def _clean_ring(points) -> Ring | None:
    """A ring of (lon, lat) without the closing repeat, or None when it is not a usable ring."""
    try:
        ring = [(float(p[0]), float(p[1])) for p in points]
    except (TypeError, ValueError, IndexError):
        return None
    if not ring or not all(_valid_point(lon, lat) for lon, lat in ring):
        return None
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(set(ring)) < 3:
        return None
    return ring


def _clean_polygon(rings) -> Polygon | None:
    if not isinstance(rings, list | tuple) or not rings:
        return None
    outer = _clean_ring(rings[0])
    if outer is None:
        return None
    holes = [h for h in (_clean_ring(r) for r in rings[1:]) if h is not None]
    return [outer, *holes]


def _from_geojson(obj) -> Shape | None:
    if isinstance(obj, list):
        # A bare coordinate array: a ring, a polygon or a multipolygon by its depth.
        depth, probe = 0, obj
        while isinstance(probe, list) and probe:
            depth, probe = depth + 1, probe[0]
        if depth == 2:
            obj = {"type": "Polygon", "coordinates": [obj]}
        elif depth == 3:
            obj = {"type": "Polygon", "coordinates": obj}
        elif depth == 4:
            obj = {"type": "MultiPolygon", "coordinates": obj}
        else:
            return None
    if not isinstance(obj, dict):
        return None
    kind = obj.get("type")
    if kind == "Feature":
        return _from_geojson(obj.get("geometry"))
    if kind == "FeatureCollection":
        parts = [p for f in obj.get("features") or [] for p in (_from_geojson(f) or [])]
        return parts or None
    if kind == "GeometryCollection":
        parts = [p for g in obj.get("geometries") or [] for p in (_from_geojson(g) or [])]
        return parts or None
    if kind == "Polygon":
        polygon = _clean_polygon(obj.get("coordinates"))
        return [polygon] if polygon else None
    if kind == "MultiPolygon":
        parts = [p for p in (_clean_polygon(c) for c in obj.get("coordinates") or []) if p]
        return parts or None
    return None


_WKT_HEAD = re.compile(r"^\s*(?:SRID=\d+;)?\s*(MULTIPOLYGON|POLYGON)\s*(?:ZM|Z|M)?\s*", re.IGNORECASE)


def _wkt_nest(body: str):
    """Nested lists from a WKT body such as ``((1 2, 3 4, 5 6))``: rings of coordinate lists."""
    stack: list[list] = [[]]
    token = ""
    for char in body:
        if char == "(":
            stack.append([])
        elif char in ",)":
            if token.strip():
                stack[-1].append([float(v) for v in token.split()])
            token = ""
            if char == ")":
                if len(stack) < 2:
                    raise ValueError("unbalanced")
                done = stack.pop()
                stack[-1].append(done)
        else:
            token += char
    if len(stack) != 1 or token.strip():
        raise ValueError("unbalanced")
    return stack[0]


def _from_wkt(text: str) -> Shape | None:
    head = _WKT_HEAD.match(text)
    if not head:
        return None
    try:
        nested = _wkt_nest(text[head.end() :])
    except ValueError:
        return None
    if len(nested) != 1:
        return None
    if head.group(1).upper() == "POLYGON":
        polygon = _clean_polygon(nested[0])
        return [polygon] if polygon else None
    parts = [p for p in (_clean_polygon(c) for c in nested[0]) if p]
    return parts or None


def _from_pairs(text: str) -> Shape | None:
    # Amap/Baidu exports: "lon,lat;lon,lat;…", polygons separated by "|".
    parts = []
    for chunk in text.split("|"):
        points = [p.split(",") for p in chunk.strip().strip(";").split(";") if p.strip()]
        if any(len(p) != 2 for p in points):
            return None
        ring = _clean_ring(points)
        if ring is None:
            return None
        parts.append([ring])
    return parts or None


def parse_boundary(text) -> Shape | None:
    """A boundary as a list of polygons (each a list of (lon, lat) rings, outer ring first).

    Understands WKT ``POLYGON``/``MULTIPOLYGON`` (EWKT ``SRID=…;`` prefix and Z values
    allowed), GeoJSON ``Polygon``/``MultiPolygon``/``Feature``/``FeatureCollection`` or a
    bare coordinate array, and ``lon,lat;lon,lat;…`` rings. Returns None for anything
    empty, unparseable, or with coordinates out of range; rings of fewer than three
    distinct points are dropped.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    text = str(text).strip()
    if not text:
        return None
    if text[0] in "{[":
        try:
            return _from_geojson(json.loads(text))
        except (ValueError, TypeError, AttributeError):
            return None
    if _WKT_HEAD.match(text):
        return _from_wkt(text)
    if ";" in text:
        return _from_pairs(text)
    return None


def circle(lon: float, lat: float, radius_m: float, sides: int = 36) -> Ring:
    """A ring approximating a circle of ``radius_m`` metres around (lon, lat)."""
    dlat = radius_m / _METRES_PER_DEGREE
    dlon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6))
    return [
        (lon + dlon * math.cos(2 * math.pi * k / sides), lat + dlat * math.sin(2 * math.pi * k / sides))
        for k in range(sides)
    ]


def ring_area(ring: Ring) -> float:
    """The ring's signed area in square degrees (shoelace; positive when anticlockwise)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        total += x1 * y2 - x2 * y1
    return total / 2


def ring_centroid(ring: Ring) -> tuple[float, float]:
    """The area centroid of a ring (the mean of its points when it has no area)."""
    area = ring_area(ring)
    if abs(area) < 1e-15:
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return (cx / (6 * area), cy / (6 * area))


def shape_center(shape: Shape) -> tuple[float, float]:
    """Where to put a shape's label: the centroid of its largest outer ring."""
    largest = max((p[0] for p in shape), key=lambda r: abs(ring_area(r)))
    return ring_centroid(largest)


def _in_ring(lons: np.ndarray, lats: np.ndarray, ring: Ring) -> np.ndarray:
    inside = np.zeros(len(lons), dtype=bool)
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        crosses = (y1 > lats) != (y2 > lats)
        if not crosses.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = (x2 - x1) * (lats - y1) / (y2 - y1) + x1
        inside ^= crosses & (lons < x_at)
    return inside


def points_in_shape(lons, lats, shape: Shape) -> np.ndarray:
    """For each point, whether it lies inside the shape (inside an outer ring, not in a hole)."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    inside = np.zeros(len(lons), dtype=bool)
    for polygon in shape:
        hit = _in_ring(lons, lats, polygon[0])
        for hole in polygon[1:]:
            hit &= ~_in_ring(lons, lats, hole)
        inside |= hit
    return inside


def cell_shapes(cells: pd.DataFrame, radius_m: float | None = None) -> pd.DataFrame:
    """The place cells with their drawable shape.

    Adds ``shape`` (list of polygons, or None), ``shape_kind`` (边界 / 圆形 / 无坐标, and
    边界无法识别 when a boundary is given but does not parse, drawn as a circle if there
    is a centre), ``center_lon``, ``center_lat`` (the given centre, else the boundary's
    centroid) and ``area`` (square degrees, to prefer the smaller of overlapping cells).
    """
    radius = float(settings.get("grid_radius_m") if radius_m is None else radius_m)
    places = cells[~cells["is_channel"].astype(bool)].copy() if "is_channel" in cells else cells.copy()
    shapes, kinds, lons, lats, areas = [], [], [], [], []
    for row in places.itertuples(index=False):
        lon, lat = _number(getattr(row, "lon", None)), _number(getattr(row, "lat", None))
        has_center = lon is not None and lat is not None and _valid_point(lon, lat)
        raw = getattr(row, "boundary", None)
        shape = parse_boundary(raw)
        if shape is not None:
            kind = "边界"
            if not has_center:
                lon, lat = shape_center(shape)
        elif has_center:
            shape = [[circle(lon, lat, radius)]]
            kind = "圆形" if _blank(raw) else "边界无法识别"
        else:
            shape, lon, lat = None, None, None
            kind = "无坐标" if _blank(raw) else "边界无法识别"
        shapes.append(shape)
        kinds.append(kind)
        lons.append(lon)
        lats.append(lat)
        areas.append(sum(abs(ring_area(p[0])) for p in shape) if shape else None)
    places["shape"] = shapes
    places["shape_kind"] = kinds
    places["center_lon"] = lons
    places["center_lat"] = lats
    places["area"] = areas
    return places.reset_index(drop=True)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def _is_false(value) -> bool:
    """True only for a real False (not None, NaN or pd.NA: unknown is not a gap)."""
    return value is not None and not pd.isna(value) and not bool(value)


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def locate(lons, lats, shapes: pd.DataFrame) -> list[str | None]:
    """For each point, the grid_id of the (smallest) cell shape containing it, else None."""
    lons = np.asarray(pd.to_numeric(pd.Series(lons), errors="coerce"), dtype=float)
    lats = np.asarray(pd.to_numeric(pd.Series(lats), errors="coerce"), dtype=float)
    found = np.full(len(lons), None, dtype=object)
    known = ~(np.isnan(lons) | np.isnan(lats))
    drawable = shapes[shapes["shape"].notna()].sort_values("area", ascending=False)
    for row in drawable.itertuples(index=False):
        xs = [x for p in row.shape for x, _ in p[0]]
        ys = [y for p in row.shape for _, y in p[0]]
        near = known & (lons >= min(xs)) & (lons <= max(xs)) & (lats >= min(ys)) & (lats <= max(ys))
        if not near.any():
            continue
        index = np.flatnonzero(near)
        hit = points_in_shape(lons[index], lats[index], row.shape)
        found[index[hit]] = row.grid_id  # smaller cells come later and win
    return list(found)


def outside_customers(customers: pd.DataFrame, shapes: pd.DataFrame) -> pd.DataFrame:
    """Customers not assigned to a place cell, with why and the cell their coordinates fall in.

    ``reason``: 未填网格编号 / 网格编号不在网格表 / 归属政府渠道或商会协会. ``located_grid``
    and ``located_name``: the cell whose shape contains the customer's point (None when
    none does or there are no coordinates). Customers with ``located_grid`` empty are the
    ones outside every cell.
    """
    out = customers[~customers["in_cell"].astype(bool)].copy()
    reason = np.where(
        out["grid_id"].isna(),
        "未填网格编号",
        np.where(out["grid_type"].isin(CHANNEL_TYPES), "归属政府渠道或商会协会", "网格编号不在网格表"),
    )
    out["reason"] = reason
    out["located_grid"] = locate(out["lon"], out["lat"], shapes) if len(out) else []
    names = dict(zip(shapes["grid_id"], shapes["grid_name"]))
    out["located_name"] = out["located_grid"].map(names)
    # Fixable first: a missing or wrong grid id, then customers recorded under a channel.
    order = {"未填网格编号": 0, "网格编号不在网格表": 1}
    out["_order"] = out["reason"].map(order).fillna(2)
    out = out.sort_values(["_order", "branch", "customer_id"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def _stale_cutoff(month: str, weeks: int) -> date:
    return month_end(month) - timedelta(days=7 * weeks)


def _as_date(value) -> date | None:
    """A date from a frame's cell, or None when it is missing (None, NaN, NaT, pd.NA).

    ``pd.NaT`` is an instance of ``datetime`` (hence of ``date``): the type alone does not
    say a value is there, and NaT compared with a date raises.
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.date()


def cell_gaps(
    cells: pd.DataFrame,
    month: str,
    penetration_low: float | None = None,
    stale_weeks: int | None = None,
) -> pd.DataFrame:
    """Coverage gaps of the month, one row per (cell, gap).

    Gaps: 无负责人 (no owner id; channels included), 负责人不在本月花名册 (owner id not in
    the month's roster, when a roster is stored), 渗透率偏低 (a place cell whose penetration
    is below ``penetration_low``; cells without a business count are not judged), 久未经营
    (a place cell with no activity or visit in the ``stale_weeks`` weeks to the month's end).
    Columns: gap, grid_id, grid_name, grid_type, branch, manager_name, detail.
    """
    low = float(settings.get("penetration_low") if penetration_low is None else penetration_low)
    weeks = int(settings.get("stale_weeks") if stale_weeks is None else stale_weeks)
    end = month_end(month)
    cutoff = _stale_cutoff(month, weeks)
    rows = []
    for cell in cells.itertuples(index=False):
        base = {
            "grid_id": cell.grid_id,
            "grid_name": cell.grid_name,
            "grid_type": cell.grid_type,
            "branch": cell.branch,
            "manager_name": cell.manager_name if isinstance(cell.manager_name, str) else None,
        }
        if _blank(cell.manager_id):
            rows.append({"gap": "无负责人", **base, "detail": "未指定网格负责人"})
        elif _is_false(cell.owner_listed):
            rows.append(
                {
                    "gap": "负责人不在本月花名册",
                    **base,
                    "detail": f"负责人编号 {cell.manager_id} 不在本月客户经理名单中",
                }
            )
        if bool(cell.is_channel):
            continue
        penetration = _number(cell.penetration)
        if penetration is not None and penetration < low:
            detail = (
                f"渗透率 {fmt.pct(penetration)}（{fmt.count(cell.customers)} 户 / "
                f"{fmt.count(cell.merchants)} 家经营主体），低于 {fmt.pct(low)}"
            )
            rows.append({"gap": "渗透率偏低", **base, "detail": detail})
        last = _as_date(cell.last_activity)
        if last is None or last <= cutoff:
            if last is None:
                detail = "没有任何营销活动或拜访记录"
            else:
                detail = f"最近一次活动或拜访 {last:%Y-%m-%d}（距月末 {(end - last).days} 天），近 {weeks} 周无记录"
            rows.append({"gap": "久未经营", **base, "detail": detail})
    columns = ["gap", "grid_id", "grid_name", "grid_type", "branch", "manager_name", "detail"]
    gaps = pd.DataFrame(rows, columns=columns)
    order = {g: i for i, g in enumerate(GAP_KINDS)}
    gaps["_order"] = gaps["gap"].map(order)
    return (
        gaps.sort_values(["_order", "branch", "grid_id"], kind="stable").drop(columns="_order").reset_index(drop=True)
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def plan_weeks(month: str) -> list[tuple[date, str]]:
    """The weeks of the current phase up to the data month's end: (Monday, column label).

    The label is the ISO week with the week's first day inside the phase, e.g.
    ``第40周（10-01起）`` for the week of Monday 2026-09-28 in a phase starting 10-01.
    """
    phase = phase_of(month)
    stop = min(phase.end, month_end(month))
    weeks = []
    monday = _monday(phase.start)
    while monday <= stop:
        first = max(monday, phase.start)
        weeks.append((monday, f"第{monday.isocalendar()[1]}周（{first:%m-%d}起）"))
        monday += timedelta(days=7)
    return weeks


def weekly_plan(events: pd.DataFrame, cells: pd.DataFrame, month: str) -> tuple[pd.DataFrame, list[str]]:
    """Which cells each manager worked each week of the current phase (a grid × week table).

    ``events`` is either the ``grid_events`` query (one row per event) or the ``grid_plan``
    query (counts per cell, manager and week, summed in the database: the page's choice).

    One row per (cell, manager) with at least one activity or visit in the phase up to the
    month's end, plus one row per cell nobody worked (the owner, all weeks 0). Week columns
    hold the number of activities and visits. Also: ``is_owner``, ``weeks_worked`` (weeks
    with at least one) and ``events`` (total). Returns the frame and the week column labels.
    """
    phase = phase_of(month)
    stop = min(phase.end, month_end(month))
    weeks = plan_weeks(month)
    labels = [label for _, label in weeks]
    label_of = dict(weeks)
    frame = events[events["grid_id"].notna()].copy()
    if "week" in frame.columns:
        # grid_plan rows: already counted per cell, manager and week in the database.
        frame["day"] = pd.to_datetime(frame["week"]).dt.date
        frame["_n"] = frame["events"].astype(int)
    else:
        frame["day"] = pd.to_datetime(frame["event_date"]).dt.date
        frame["_n"] = 1
    frame = frame[(frame["day"] >= phase.start) & (frame["day"] <= stop)]
    frame["week"] = frame["day"].map(lambda d: label_of[_monday(d)])
    frame["manager_id"] = frame["manager_id"].fillna("")
    counts = frame.groupby(["grid_id", "manager_id", "week"])["_n"].sum().unstack("week", fill_value=0)
    counts = counts.reindex(columns=labels, fill_value=0).reset_index()
    worker_names = (
        frame.dropna(subset=["manager_name"]).drop_duplicates("manager_id").set_index("manager_id")["manager_name"]
    )

    info = cells.set_index("grid_id")
    worked = set(counts["grid_id"])
    idle = [
        {"grid_id": g, "manager_id": "" if _blank(info.at[g, "manager_id"]) else info.at[g, "manager_id"]}
        for g in info.index
        if g not in worked
    ]
    idle_frame = pd.DataFrame(idle, columns=["grid_id", "manager_id"])
    for label in labels:
        idle_frame[label] = 0
    plan = pd.concat([counts, idle_frame], ignore_index=True) if len(idle_frame) else counts

    event_names = frame.dropna(subset=["grid_name"]).drop_duplicates("grid_id").set_index("grid_id")
    plan["grid_name"] = plan["grid_id"].map(info["grid_name"]).fillna(plan["grid_id"].map(event_names["grid_name"]))
    plan["grid_name"] = plan["grid_name"].fillna(plan["grid_id"])
    plan["grid_type"] = plan["grid_id"].map(info["grid_type"]).fillna(plan["grid_id"].map(event_names["grid_type"]))
    plan["owner_name"] = plan["grid_id"].map(info["manager_name"])
    cell_owner = plan["grid_id"].map(info["manager_id"])
    plan["is_owner"] = (plan["manager_id"] != "") & (plan["manager_id"] == cell_owner)
    names = pd.concat([worker_names, info.dropna(subset=["manager_id"]).set_index("manager_id")["manager_name"]])
    names = names[~names.index.duplicated()]
    plan["manager_name"] = plan["manager_id"].map(names)
    plan["manager_id"] = plan["manager_id"].replace("", None)
    plan[labels] = plan[labels].astype(int)
    plan["weeks_worked"] = (plan[labels] > 0).sum(axis=1).astype(int)
    plan["events"] = plan[labels].sum(axis=1).astype(int)
    plan["_channel"] = plan["grid_type"].isin(CHANNEL_TYPES)
    plan = plan.sort_values(
        ["_channel", "grid_id", "is_owner", "manager_id"], ascending=[True, True, False, True], kind="stable"
    )
    columns = [
        "grid_id",
        "grid_name",
        "grid_type",
        "owner_name",
        "manager_id",
        "manager_name",
        "is_owner",
        *labels,
        "weeks_worked",
        "events",
    ]
    return plan[columns].reset_index(drop=True), labels


def plan_by_cell(plan: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The weekly plan summed per cell: one row per cell, week columns with all managers' counts.

    Also ``managers`` (who worked it, owner first, joined by 、), ``owner_weeks`` (weeks the
    owner worked it), ``weeks_worked`` and ``events``. Summed per cell in one pass (a loop
    over a bank's cells is slow).
    """
    columns = [
        "grid_id",
        "grid_name",
        "grid_type",
        "owner_name",
        "managers",
        *labels,
        "owner_weeks",
        "weeks_worked",
        "events",
    ]
    if plan.empty:
        return pd.DataFrame(columns=columns)
    weeks = plan.groupby("grid_id", sort=False)[labels].sum().astype(int)
    cells = plan.drop_duplicates("grid_id").set_index("grid_id")[["grid_name", "grid_type", "owner_name"]]
    workers = plan[plan["events"] > 0]
    workers = workers.assign(_later=~workers["is_owner"].astype(bool)).sort_values("_later", kind="stable")
    worker_names = workers["manager_name"].where(workers["manager_name"].notna(), workers["manager_id"])
    managers = (
        pd.DataFrame({"grid_id": workers["grid_id"], "name": worker_names})
        .groupby("grid_id", sort=False)["name"]
        .agg(lambda names: "、".join(dict.fromkeys(n for n in names if isinstance(n, str))))
    )
    owners = plan[plan["is_owner"].astype(bool)].groupby("grid_id", sort=False)[labels].sum()
    out = cells.loc[weeks.index].copy()
    out["managers"] = managers.reindex(weeks.index).fillna("")
    out[labels] = weeks
    out["owner_weeks"] = (owners > 0).sum(axis=1).reindex(weeks.index).fillna(0).astype(int)
    out["weeks_worked"] = (weeks > 0).sum(axis=1).astype(int)
    out["events"] = weeks.sum(axis=1).astype(int)
    out = out.reset_index()[columns]
    out.columns.name = None
    return out


def plan_display(plan: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """The weekly plan for reading: ``✓`` with the count where worked, blank where not."""
    shown = plan.copy()
    for label in labels:
        shown[label] = shown[label].map(lambda n: f"✓ {n}" if n else "")
    if "is_owner" in shown:
        shown["role"] = np.where(shown["is_owner"], "负责人", np.where(shown["manager_id"].isna(), "—", "协同"))
    return shown


def channel_list(cells: pd.DataFrame, attributed: pd.DataFrame) -> pd.DataFrame:
    """Government departments and associations with their owner and the customers they brought.

    ``attributed`` is the ``grid_channel_customers`` query (one row per attributed
    customer) or the ``grid_channel_totals`` query (already one row per department). One row per department, busiest first: grid_id, grid_name, grid_type,
    branch, manager_id, manager_name, customers, offline_credit, online_credit, non_credit,
    deposits, loans.
    """
    departments = cells[cells["is_channel"].astype(bool)][
        ["grid_id", "grid_name", "grid_type", "branch", "manager_id", "manager_name"]
    ].copy()
    if "customers" in attributed.columns:
        # grid_channel_totals: already summed per department in the database.
        totals = attributed[
            ["grid_id", "customers", "offline_credit", "online_credit", "non_credit", "deposits", "loans"]
        ]
    elif len(attributed):
        grouped = attributed.groupby("grid_id")
        totals = pd.DataFrame(
            {
                "customers": grouped.size(),
                "offline_credit": grouped["segment"].apply(lambda s: int((s == "线下授信").sum())),
                "online_credit": grouped["segment"].apply(lambda s: int((s == "线上授信").sum())),
                "non_credit": grouped["segment"].apply(lambda s: int((s == "非授信").sum())),
                "deposits": grouped["deposits"].sum(),
                "loans": grouped["loans"].sum(),
            }
        ).reset_index()
    else:
        totals = pd.DataFrame(
            columns=["grid_id", "customers", "offline_credit", "online_credit", "non_credit", "deposits", "loans"]
        )
    out = departments.merge(totals, on="grid_id", how="left")
    for col in ("customers", "offline_credit", "online_credit", "non_credit"):
        out[col] = out[col].fillna(0).astype(int)
    for col in ("deposits", "loans"):
        out[col] = out[col].fillna(0).astype(float)
    return out.sort_values(["customers", "grid_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def segment_counts(cell: pd.Series) -> pd.DataFrame:
    """A cell's customers by segment (管户类型) with its share of the cell's customers."""
    counts = [int(cell.get(col, 0) or 0) for col in ("offline_credit", "online_credit", "non_credit")]
    total = int(cell.get("customers", 0) or 0)
    unknown = total - sum(counts)
    rows = [{"segment": s, "customers": n} for s, n in zip(SEGMENTS, counts)]
    if unknown > 0:
        rows.append({"segment": "未分类", "customers": unknown})
    frame = pd.DataFrame(rows)
    frame["share"] = frame["customers"] / total if total else None
    return frame


def deposit_kinds(cell: pd.Series) -> pd.DataFrame:
    """A cell's deposits by kind (结算/纯/保证金/储蓄) in yuan, with each kind's share."""
    amounts = [float(cell.get(col, 0) or 0) for col, _ in DEPOSIT_KINDS]
    total = sum(amounts)
    frame = pd.DataFrame({"kind": [label for _, label in DEPOSIT_KINDS], "amount": amounts})
    frame["share"] = frame["amount"] / total if total else None
    return frame


def summary(cells: pd.DataFrame, customers: pd.DataFrame, outside: pd.DataFrame) -> dict:
    """Headline figures for the page: cells, owned cells, customers in cells, penetration, outside.

    ``customers`` is the ``grid_customers`` query, or the one-row ``grid_customer_counts``
    query (columns customers and in_cells: the page's choice, counted in the database).
    """
    if len(customers) == 1 and {"customers", "in_cells"} <= set(customers.columns):
        totals = customers.iloc[0]
        in_cells, total = int(totals["in_cells"]), int(totals["customers"])
    else:
        in_cells = int(customers["in_cell"].astype(bool).sum()) if len(customers) else 0
        total = int(len(customers))
    places = cells[~cells["is_channel"].astype(bool)]
    with_merchants = places[pd.to_numeric(places["merchants"], errors="coerce").fillna(0) > 0]
    merchants = float(with_merchants["merchants"].sum())
    return {
        "cells": int(len(places)),
        "owned": int(places["manager_id"].map(lambda v: not _blank(v)).sum()),
        "channels": int(cells["is_channel"].astype(bool).sum()),
        "in_cells": in_cells,
        "customers": total,
        "penetration": (float(with_merchants["customers"].sum()) / merchants) if merchants else None,
        "outside": int(outside["located_grid"].isna().sum()) if len(outside) else 0,
        "unassigned_inside": int(outside["located_grid"].notna().sum()) if len(outside) else 0,
    }


def md_escape(text) -> str:
    """Text safe inside Streamlit markdown (names from uploads may hold ``*``, ``_``, ``[`` …)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~<$])", r"\\\1", str(text))
