"""What the grid map page (网格地图) shows that is costly to build, kept across reruns.

The customers outside every place cell (a point-in-polygon check and a sort over up to
hundreds of thousands of rows at a provincial bank), their density hexagons, the deck and
the weekly plan are built once per data version, viewer scope, masking mode, month,
sub-branch and widget values (:meth:`puhui.ui.Context.derive`), not on every rerun. Only
the first rows of the outside list are kept and sent; its download builds every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk

from . import grids, maps, settings


@dataclass
class OutsideList:
    """The customers not assigned to a place cell: the rows shown, the counts, the density layer."""

    head: pd.DataFrame  # the first rows, in the list's order (at most ``table_max_rows``)
    rows: int  # every customer not assigned to a place cell
    outside: int  # of them, those whose point lies in no cell
    unassigned_inside: int  # of them, those whose point lies in a cell (the grid id can be filled in)
    density: list[dict]  # maps.density_records of the customers outside every cell
    full: Callable[[], pd.DataFrame]  # every row, built when called (a download)


def outside_list(ctx, shapes: pd.DataFrame) -> OutsideList:
    """The outside customers of the page's month and scope, cached (see the module docstring)."""
    later = ctx.run_later("grid_customers", outside=True)

    def build() -> tuple:
        # Not through ctx.run: the query cache would hold every outside customer besides this result.
        every = grids.outside_customers(later(), shapes)
        far = grids.far_outside(every)
        limit = int(settings.get("table_max_rows"))
        return every.head(limit).copy(), len(every), len(far), len(every) - len(far), maps.density_records(far)

    head, rows, outside, inside, density = ctx.derive("grid_outside", build)
    return OutsideList(head, rows, outside, inside, density, lambda: grids.outside_customers(later(), shapes))


def deck(ctx, shapes: pd.DataFrame, outside: OutsideList, measure: str, points: bool, density: bool) -> pdk.Deck:
    """The map's deck for the chosen measure and layers, serialised once and cached."""

    def build() -> pdk.Deck:
        customers = ctx.run("grid_customers", max_points=int(settings.get("map_max_points"))) if points else None
        built = maps.grid_deck(
            shapes,
            measure=measure,
            customers=customers,
            density=outside.density if density else [],
            show_names=not ctx.training,
        )
        built.to_json()  # kept inside the deck, so the cache holds the JSON too
        return built

    return ctx.derive("grid_deck", build, measure, points, density)


def weekly_plan(ctx, cells: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The phase's weekly plan by cell and manager (:func:`grids.weekly_plan`), cached."""
    return ctx.derive("grid_weekly_plan", lambda: grids.weekly_plan(ctx.run("grid_plan"), cells, ctx.month))


def plan_cells(ctx, plan: pd.DataFrame, week_labels: list[str]) -> pd.DataFrame:
    """The weekly plan summed per cell, as shown (:func:`grids.plan_by_cell`), cached."""
    return ctx.derive("grid_plan_cells", lambda: grids.plan_display(grids.plan_by_cell(plan, week_labels), week_labels))
