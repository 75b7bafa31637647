"""Coordinates and shapes of the grid map: cell boundaries, circles, point in polygon, hexagons.

A cell's **shape** is its boundary (WKT ``POLYGON``/``MULTIPOLYGON``, GeoJSON
``Polygon``/``MultiPolygon``/``Feature``, or a ``lon,lat;lon,lat;…`` ring as Amap exports it)
when that parses, else a circle of ``grid_radius_m`` around its centre. Shapes are lists of
polygons, each a list of rings (the outer ring first, then holes) of (lon, lat) pairs. Points
are placed in shapes with vectorised ray casting, customers outside every cell are binned in
H3 hexagons, and Web-Mercator helpers place points on a drawn map. Nothing here draws or
needs Streamlit; :mod:`puhui.maps` draws the layers.
"""

from __future__ import annotations

import json
import math
import re

import h3
import numpy as np
import pandas as pd

from . import fmt, settings

Ring = list[tuple[float, float]]
Polygon = list[Ring]  # the outer ring first, then holes
Shape = list[Polygon]

_METRES_PER_DEGREE = 111_320.0


def is_blank(value) -> bool:
    """True for None, NaN and text that is empty or only spaces."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()


def as_float(value) -> float | None:
    """A float from a frame's cell, or None when it is missing or not a number."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


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
        lon, lat = as_float(getattr(row, "lon", None)), as_float(getattr(row, "lat", None))
        has_center = lon is not None and lat is not None and _valid_point(lon, lat)
        raw = getattr(row, "boundary", None)
        shape = parse_boundary(raw)
        if shape is not None:
            kind = "边界"
            if not has_center:
                lon, lat = shape_center(shape)
        elif has_center:
            shape = [[circle(lon, lat, radius)]]
            kind = "圆形" if is_blank(raw) else "边界无法识别"
        else:
            shape, lon, lat = None, None, None
            kind = "无坐标" if is_blank(raw) else "边界无法识别"
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


def hex_counts(lons, lats, resolution: int | None = None) -> dict[str, int]:
    """How many points fall in each H3 hexagon (resolution ``density_h3_res`` by default); points off the globe are left out."""
    res = int(settings.get("density_h3_res") if resolution is None else resolution)
    lon = pd.to_numeric(pd.Series(lons), errors="coerce")
    lat = pd.to_numeric(pd.Series(lats), errors="coerce")
    known = lon.notna() & lat.notna()
    counts: dict[str, int] = {}
    for x, y in zip(lon[known], lat[known]):
        if -180 <= x <= 180 and -90 <= y <= 90:
            cell = h3.latlng_to_cell(float(y), float(x), res)
            counts[cell] = counts.get(cell, 0) + 1
    return counts


def hex_resolution(cell: str) -> int:
    """The H3 resolution of a hexagon id."""
    return int(h3.get_resolution(cell))


def coarser_counts(counts: dict[str, int]) -> dict[str, int]:
    """Hexagon counts one H3 resolution coarser: each hexagon's count added to its parent's."""
    merged: dict[str, int] = {}
    for cell, n in counts.items():
        parent = h3.cell_to_parent(cell, h3.get_resolution(cell) - 1)
        merged[parent] = merged.get(parent, 0) + n
    return merged


def hex_ring(cell: str) -> list[list[float]]:
    """An H3 hexagon's boundary as ``[lon, lat]`` pairs rounded to five places (about 1 m)."""
    return [[round(lng, 5), round(lat, 5)] for lat, lng in h3.cell_to_boundary(cell)]


def mercator_y(lat: float) -> float:
    """Web-Mercator y of a latitude (radians of the projection; clamped to ±85°)."""
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def mercator_lat(y: float) -> float:
    """The latitude of a Web-Mercator y (the inverse of :func:`mercator_y`)."""
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def shape_notes(shapes: pd.DataFrame, radius_m: float | None = None) -> list[str]:
    """Notes under the map on cells drawn otherwise than given: not drawn, boundary unreadable, circles."""
    notes = []
    undrawn = shapes[shapes["shape"].isna()]
    unparsed = shapes[shapes["shape_kind"] == "边界无法识别"]
    if len(undrawn):
        notes.append(
            f"{len(undrawn)} 个网格既无中心坐标也无可识别的边界，未画在图上：{'、'.join(undrawn['grid_name'])}"
        )
    if len(unparsed):
        notes.append(
            f"{len(unparsed)} 个网格的边界无法识别（支持 WKT、GeoJSON 或“经度,纬度;经度,纬度”），已按中心点画圆：{'、'.join(unparsed['grid_name'])}"
        )
    circles = int((shapes["shape_kind"] == "圆形").sum())
    if circles:
        radius = settings.get("grid_radius_m") if radius_m is None else radius_m
        notes.append(f"{circles} 个网格未提供边界，以中心点为圆心、半径 {fmt.count(radius)} 米画圆。")
    return notes
