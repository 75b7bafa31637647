"""Grid cells: placed without overlap around their sub-branch, with owners, weights and
(for most place cells) an irregular boundary; then one grid snapshot per month."""

from __future__ import annotations

import math
import random

import pandas as pd

from .catalogue import BRANCHES, GRID_PLAN, GRID_SHAPE, KM_PER_DEG_LAT, KM_PER_DEG_LON, sql_list
from .context import Builder


def place_cell(
    rng: random.Random,
    centre: tuple[float, float],
    r_km: float,
    spread: float,
    placed: list[tuple[float, float, float]],
) -> tuple[float, float]:
    """A centre (lon, lat) for a cell of radius ``r_km`` clear of the cells ``placed`` so far.

    Draws points within ``spread`` km of the sub-branch's ``centre``, widening the circle every
    200 tries; after 2,000 tries the last point is kept.
    """
    b_lon, b_lat = centre
    for attempt in range(2000):
        dist = spread * (1 + attempt // 200 * 0.25) * math.sqrt(rng.random())
        ang = rng.uniform(0, 2 * math.pi)
        x, y = dist * math.cos(ang), dist * math.sin(ang)
        lon, lat = b_lon + x / KM_PER_DEG_LON, b_lat + y / KM_PER_DEG_LAT
        if all(
            math.hypot((lon - p_lon) * KM_PER_DEG_LON, (lat - p_lat) * KM_PER_DEG_LAT) > (r_km + p_r) * 1.15
            for p_lon, p_lat, p_r in placed
        ):
            break
    return lon, lat


def hexagon(rng: random.Random, lon: float, lat: float, r_km: float) -> str:
    """WKT of an irregular hexagon around a cell whose edges stay beyond 0.77 r of the centre,
    so the customers drawn within 0.75 r fall inside it."""
    start = rng.uniform(0, math.pi / 3)
    points = []
    for vertex in range(6):
        radius = r_km * rng.uniform(0.9, 1.2)
        angle = start + vertex * math.pi / 3
        points.append(
            (
                round(lon + radius * math.cos(angle) / KM_PER_DEG_LON, 6),
                round(lat + radius * math.sin(angle) / KM_PER_DEG_LAT, 6),
            )
        )
    points.append(points[0])
    return "POLYGON((" + ", ".join(f"{p[0]} {p[1]}" for p in points) + "))"


def draw_cells(builder: Builder, books: list[dict]) -> list[dict]:
    """Every cell of :data:`GRID_PLAN` with its weight, penetration, owner book and place."""
    rng = builder.rng
    cells, placed = [], []
    for branch_no, (branch, _town, b_lon, b_lat, _n) in enumerate(BRANCHES):
        own_books = [b["book"] for b in books if b["branch_no"] == branch_no]
        seat = branch_no < 4
        for k, (name, gtype, channel) in enumerate(GRID_PLAN[branch]):
            radius_range, weight = GRID_SHAPE[gtype]
            cell = {
                "grid_no": len(cells),
                "grid_id": f"WG{branch_no + 1:02d}{k + 1:02d}",
                "grid_name": name,
                "grid_type": gtype,
                "branch_no": branch_no,
                "branch": branch,
                "channel": channel,
                "lon": None,
                "lat": None,
                "r_km": None,
                "boundary": None,
                "weight": weight * rng.uniform(0.3, 1.7),
                "penetration": rng.choice([0.02, 0.03, 0.04]) if rng.random() < 0.15 else rng.uniform(0.08, 0.45),
                "owner_book": rng.choice(own_books),
            }
            if radius_range is not None:
                r_km = rng.uniform(*radius_range)
                lon, lat = place_cell(rng, (b_lon, b_lat), r_km, 2.6 if seat else 4.5, placed)
                placed.append((lon, lat, r_km))
                cell.update(lon=round(lon, 6), lat=round(lat, 6), r_km=r_km)
                if rng.random() < 0.6:
                    cell["boundary"] = hexagon(rng, lon, lat, r_km)
            cells.append(cell)
    # five cells (never a government channel) have no owner
    for cell in rng.sample([c for c in cells if c["grid_type"] != "政府渠道"], 5):
        cell["owner_book"] = None
    return cells


def slot_table(groups: dict, key: str) -> pd.DataFrame:
    """1,000 slots per group, each naming a member cell in proportion to its weight."""
    rows = []
    for group, members in groups.items():
        total = sum(c["weight"] for c in members)
        acc, j = 0.0, 0
        bounds = []
        for cell in members:
            acc += cell["weight"] / total
            bounds.append(acc)
        for slot in range(1000):
            while j < len(members) - 1 and (slot + 0.5) / 1000 > bounds[j]:
                j += 1
            rows.append({key: group, "slot": slot, "grid_no": members[j]["grid_no"]})
    return pd.DataFrame(rows)


def build_grid_cells(builder: Builder, books: list[dict]) -> None:
    """``demo_grid_dim`` (the cells) and the slots for drawing a customer's cell by sub-branch
    (``demo_grid_slot``) and by owner book (``demo_owned_slot``)."""
    cells = draw_cells(builder, books)
    builder.frame("demo_grid_dim", pd.DataFrame(cells))
    by_branch: dict[int, list] = {}
    by_book: dict[int, list] = {}
    for cell in cells:
        by_branch.setdefault(cell["branch_no"], []).append(cell)
        if cell["owner_book"] is not None:
            by_book.setdefault(cell["owner_book"], []).append(cell)
    builder.frame("demo_grid_slot", slot_table(by_branch, "branch_no"))
    builder.frame("demo_owned_slot", slot_table(by_book, "book"))


def insert_grids(builder: Builder, ingest_id: int) -> None:
    """One grid snapshot per month; business counts follow from each cell's penetration."""
    months = sql_list(builder.month_names)
    last_month = builder.month_names[-1]
    exprs = {
        "month": "month",
        "grid_id": "grid_id",
        "grid_name": "grid_name",
        "grid_type": "grid_type",
        "branch": "branch",
        "manager_id": "manager_id",
        "lon": "lon",
        "lat": "lat",
        "boundary": "boundary",
        "merchants": "merchants",
        "ingest_id": str(int(ingest_id)),
    }
    sql = f"""
    with m as (select unnest({months}) as month, generate_subscripts({months}, 1) - 1 as idx),
    latest as (
        select grid_id, count(*) as n from customers where month = '{last_month}' group by grid_id
    ),
    cell as (
        select g.*, greatest(
            ceil(coalesce(l.n, 0) / g.penetration),
            coalesce(l.n, 0) + 8,
            case g.grid_type when '政府渠道' then 400 when '行政村' then 40 else 60 end)::bigint as merchants_last
        from demo_grid_dim g left join latest l on l.grid_id = g.grid_id
    )
    select {", ".join(f"{v} as {k}" for k, v in exprs.items())}
    from (
        select m.month, cell.grid_id, cell.grid_name, cell.grid_type, cell.branch, bm.manager_id,
            cell.lon, cell.lat, cell.boundary,
            round(merchants_last * (1 - 0.004 * ({builder.last} - m.idx)))::integer as merchants
        from cell cross join m
        left join demo_book_month bm on bm.book = cell.owner_book and bm.idx = m.idx
    )
    """
    builder.insert("grids", exprs, sql)
