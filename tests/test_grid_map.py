"""The grid map: queries, gaps, weekly plan, channel attribution, boundary parsing, decks.

The fixture bank (data month 2026-10, phase 四 from 10-01, stale window 4 weeks: a cell
is stale when its last activity or visit is on or before 10-03):

A支行 cells  G1 科技园 (centre, 100 merchants, owner M1)  G2 东门商圈 (WKT square, 0 merchants, M2)
             G3 花卉市场 (GeoJSON, no merchant count, no owner)  G4 西村 (20 merchants, owner M9 who
             left the roster)  D1 区税务局 (政府渠道, M1)  D2 工商联 (商会协会, no owner)
B支行 cell   G5 北湖园 (only a 2026-09 grids snapshot)
"""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

from puhui import geo, grids, maps, periods, queries, store

MONTH = "2026-10"
SQUARE_WKT = "POLYGON ((120.20 30.20, 120.22 30.20, 120.22 30.22, 120.20 30.22, 120.20 30.20))"
MARKET_GEOJSON = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [[[120.29, 30.24], [120.31, 30.24], [120.31, 30.26], [120.29, 30.26], [120.29, 30.24]]],
    }
)


def _insert(con, table: str, rows: list[dict]) -> None:
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join(f"${c}" for c in row)
        con.execute(f"insert into {table} ({cols}, ingest_id) values ({marks}, 1)", row)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = tmp_path_factory.mktemp("grid") / "grid.duckdb"
    con = store.connect(db)
    _insert(
        con,
        "managers",
        [
            {"month": MONTH, "manager_id": "M1", "manager_name": "张三", "branch": "A支行"},
            {"month": MONTH, "manager_id": "M2", "manager_name": "李四", "branch": "A支行"},
            {"month": MONTH, "manager_id": "M3", "manager_name": "赵六", "branch": "B支行"},
            {"month": "2026-09", "manager_id": "M9", "manager_name": "王五", "branch": "A支行"},
        ],
    )

    def grid(
        gid, name, gtype, branch="A支行", manager=None, lon=None, lat=None, boundary=None, merchants=None, month=MONTH
    ):
        return {
            "month": month,
            "grid_id": gid,
            "grid_name": name,
            "grid_type": gtype,
            "branch": branch,
            "manager_id": manager,
            "lon": lon,
            "lat": lat,
            "boundary": boundary,
            "merchants": merchants,
        }

    _insert(
        con,
        "grids",
        [
            grid("G1", "科技园", "园区", manager="M1", lon=120.10, lat=30.20, merchants=100),
            grid("G2", "东门商圈", "商圈", manager="M2", boundary=SQUARE_WKT, merchants=0),
            grid("G3", "花卉市场", "专业市场", lon=120.30, lat=30.25, boundary=MARKET_GEOJSON),
            grid("G4", "西村", "行政村", manager="M9", lon=120.05, lat=30.10, merchants=20),
            grid("D1", "区税务局", "政府渠道", manager="M1"),
            grid("D2", "工商联", "商会协会", manager=" "),
            grid(
                "G5", "北湖园", "园区", branch="B支行", manager="M3", lon=120.5, lat=30.5, merchants=10, month="2026-09"
            ),
        ],
    )

    def cust(cid, grid_id, segment, branch="A支行", manager="M1", channel=None, lon=None, lat=None, **money):
        return {
            "month": MONTH,
            "customer_id": cid,
            "customer_name": f"客户{cid}",
            "manager_id": manager,
            "branch": branch,
            "segment": segment,
            "channel": channel,
            "grid_id": grid_id,
            "lon": lon,
            "lat": lat,
            **money,
        }

    _insert(
        con,
        "customers",
        [
            cust(
                "C1",
                "G1",
                "线下授信",
                channel="区税务局推荐",
                lon=120.101,
                lat=30.201,
                dep_settlement=100000,
                loan_offline=500000,
            ),
            cust("C2", "G1", "线上授信", channel="区税务局", dep_pure=50000, loan_online=30000),
            cust("C3", "G1", "非授信", dep_savings=10000),
            cust("C4", "G2", "非授信", manager="M2", channel="税务", dep_margin=20000),
            cust("C5", "G4", "线下授信", manager="M2", channel="工 商 联"),
            cust("C6", None, "非授信", lon=120.21, lat=30.21),
            cust("C7", "GX", "线上授信", lon=121.0, lat=31.0),
            cust("C8", "D1", "非授信"),
            cust("C9", "G5", "非授信", branch="B支行", manager="M3"),
        ],
    )

    def act(day, gid, manager, new_accounts=0, name="园区行"):
        return {
            "month": day[:7],
            "activity_date": day,
            "activity_name": name,
            "branch": "A支行",
            "manager_id": manager,
            "grid_id": gid,
            "new_accounts": new_accounts,
        }

    _insert(
        con,
        "activities",
        [
            act("2026-10-05", "G1", "M1", 3),
            act("2026-09-20", "G3", "M2", 5),
            act("2026-11-02", "G2", "M2", 7),
            act("2026-10-12", "G1", "M2", 2),
            act("2026-10-20", "D1", "M1", 1, name="税务局银税互动宣讲"),
        ],
    )

    def visit(day, manager, customer):
        return {
            "month": day[:7],
            "visit_date": day,
            "manager_id": manager,
            "customer_id": customer,
            "method": "上门",
            "branch": "A支行",
        }

    _insert(
        con,
        "visits",
        [visit("2026-10-28", "M2", "C4"), visit("2026-10-06", "M1", "C1"), visit("2026-10-03", "M2", "C5")],
    )
    yield con
    con.close()


@pytest.fixture(scope="module")
def cells(con):
    return queries.run(con, "grid_cells", {"month": MONTH, "branch": "A支行"}).set_index("grid_id", drop=False)


def test_grid_cells_columns_and_keys(cells):
    expected = [
        "grid_id",
        "grid_name",
        "grid_type",
        "branch",
        "manager_id",
        "lon",
        "lat",
        "customers",
        "merchants",
        "penetration",
        "deposits",
        "loans",
        "last_activity",
    ]
    assert list(cells.columns[: len(expected)]) == expected
    assert sorted(cells["grid_id"]) == ["D1", "D2", "G1", "G2", "G3", "G4"]
    assert cells["grid_id"].is_unique


def test_grid_cells_counts_money_and_phase(cells):
    assert cells.loc["G1", "customers"] == 3
    assert cells.loc["G1", "deposits"] == 160000
    assert cells.loc["G1", "loans"] == 530000
    assert (cells.loc["G1", ["offline_credit", "online_credit", "non_credit"]].tolist()) == [1, 1, 1]
    assert cells.loc["G1", "dep_settlement"] == 100000 and cells.loc["G1", "dep_pure"] == 50000
    # New accounts this phase: 3 + 2 in October; G3's September activity and G2's November one don't count.
    assert cells.loc["G1", "new_accounts"] == 5
    assert cells.loc["G3", "new_accounts"] == 0
    assert cells.loc["G2", "new_accounts"] == 0
    assert cells.loc["G1", "manager_name"] == "张三"
    assert cells.loc["G4", "manager_name"] == "王五"  # from the latest roster that has him
    assert bool(cells.loc["D1", "is_channel"]) and not bool(cells.loc["G1", "is_channel"])


@pytest.mark.parametrize(
    ("grid_id", "penetration"),
    [("G1", 0.03), ("G2", None), ("G3", None), ("G4", 0.05)],
    ids=["3-of-100", "zero-merchants", "no-merchant-count", "1-of-20"],
)
def test_penetration(cells, grid_id, penetration):
    value = cells.loc[grid_id, "penetration"]
    if penetration is None:
        assert pd.isna(value)
    else:
        assert value == pytest.approx(penetration)


def test_last_activity_counts_visits_through_customers(cells):
    # G2: its November activity is after the month; the 10-28 visit to C4 (in G2) counts.
    assert pd.Timestamp(cells.loc["G2", "last_activity"]).date() == date(2026, 10, 28)
    assert pd.Timestamp(cells.loc["G1", "last_activity"]).date() == date(2026, 10, 12)
    assert pd.Timestamp(cells.loc["G3", "last_activity"]).date() == date(2026, 9, 20)
    assert pd.Timestamp(cells.loc["G4", "last_activity"]).date() == date(2026, 10, 3)
    assert pd.isna(cells.loc["D2", "last_activity"])
    assert cells.loc["G2", "days_since"] == 3


def test_grid_cells_branch_and_earlier_snapshot(con):
    everything = queries.run(con, "grid_cells", {"month": MONTH}).set_index("grid_id")
    # B支行 stored grids only for September: that snapshot stands for October.
    assert everything.loc["G5", "grid_month"] == "2026-09"
    assert everything.loc["G5", "customers"] == 1
    assert everything.loc["G5", "penetration"] == pytest.approx(0.1)
    b_only = queries.run(con, "grid_cells", {"month": MONTH, "branch": "B支行"})
    assert b_only["grid_id"].tolist() == ["G5"]


def test_owner_listed(cells):
    assert cells.loc["G4", "owner_listed"] is False or cells.loc["G4", "owner_listed"] == False  # noqa: E712
    assert bool(cells.loc["G1", "owner_listed"])
    assert pd.isna(cells.loc["G3", "owner_listed"]) and pd.isna(cells.loc["D2", "manager_id"])


def test_gaps(cells):
    gaps = grids.cell_gaps(cells.reset_index(drop=True), MONTH, penetration_low=0.05, stale_weeks=4)
    found = sorted(zip(gaps["gap"], gaps["grid_id"]))
    assert found == sorted(
        [
            ("无负责人", "G3"),
            ("无负责人", "D2"),
            ("负责人不在本月花名册", "G4"),
            ("渗透率偏低", "G1"),
            ("久未经营", "G3"),
            ("久未经营", "G4"),
        ]
    )
    assert gaps["gap"].tolist()[:2] == ["无负责人", "无负责人"]
    low = gaps[gaps["gap"] == "渗透率偏低"].iloc[0]
    assert low["detail"] == "渗透率 3.0%（3 户 / 100 家经营主体），低于 5.0%"


@pytest.mark.parametrize(
    ("last", "stale"),
    [(None, True), ("2026-10-03", True), ("2026-10-04", False), ("2026-10-31", False)],
)
def test_stale_window_edges(last, stale):
    cell = pd.DataFrame(
        [
            {
                "grid_id": "X",
                "grid_name": "X",
                "grid_type": "园区",
                "branch": "A",
                "manager_id": "M1",
                "manager_name": "张三",
                "owner_listed": True,
                "is_channel": False,
                "penetration": None,
                "customers": 0,
                "merchants": None,
                "last_activity": pd.Timestamp(last) if last else None,
            }
        ]
    )
    gaps = grids.cell_gaps(cell, MONTH, stale_weeks=4)
    assert (gaps["gap"] == "久未经营").any() == stale


def test_penetration_threshold_from_setting(cells, monkeypatch):
    monkeypatch.setenv("PUHUI_PENETRATION_LOW", "0.06")
    gaps = grids.cell_gaps(cells.reset_index(drop=True), MONTH)
    assert sorted(gaps[gaps["gap"] == "渗透率偏低"]["grid_id"]) == ["G1", "G4"]


def test_customers_outside_every_cell(con, cells):
    customers = queries.run(con, "grid_customers", {"month": MONTH, "branch": "A支行"})
    assert sorted(customers["customer_id"]) == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"]
    shapes = geo.cell_shapes(cells.reset_index(drop=True))
    outside = grids.outside_customers(customers, shapes).set_index("customer_id")
    assert sorted(outside.index) == ["C6", "C7", "C8"]
    assert outside.loc["C6", "reason"] == "未填网格编号"
    assert outside.loc["C6", "located_grid"] == "G2"  # its point lies in G2's square
    assert outside.loc["C7", "reason"] == "网格编号不在网格表"
    assert pd.isna(outside.loc["C7", "located_grid"])
    assert outside.loc["C8", "reason"] == "归属政府渠道或商会协会"
    figures = grids.summary(cells.reset_index(drop=True), customers, outside.reset_index())
    assert figures["outside"] == 2 and figures["unassigned_inside"] == 1
    assert figures["cells"] == 4 and figures["owned"] == 3 and figures["in_cells"] == 5
    # Penetration over cells with a business count: (3 + 1) / (100 + 20).
    assert figures["penetration"] == pytest.approx(4 / 120)


def test_cell_shapes(cells):
    shapes = geo.cell_shapes(cells.reset_index(drop=True), radius_m=500).set_index("grid_id")
    assert "D1" not in shapes.index
    assert shapes.loc["G1", "shape_kind"] == "圆形"
    assert shapes.loc["G2", "shape_kind"] == "边界"
    assert (shapes.loc["G2", "center_lon"], shapes.loc["G2", "center_lat"]) == pytest.approx((120.21, 30.21))
    assert shapes.loc["G3", "shape_kind"] == "边界"
    assert (shapes.loc["G3", "center_lon"], shapes.loc["G3", "center_lat"]) == pytest.approx((120.30, 30.25))
    ring = shapes.loc["G1", "shape"][0][0]
    north = max(lat for _, lat in ring)
    assert (north - 30.20) * 111_320 == pytest.approx(500, rel=1e-3)


def test_weekly_plan(con, cells):
    events = queries.run(con, "grid_events", {"month": MONTH, "branch": "A支行"})
    assert len(events) == 7  # November's activity is after the data month
    plan, labels = grids.weekly_plan(events, cells.reset_index(drop=True), MONTH)
    assert labels == [
        "第40周（10-01起）",
        "第41周（10-05起）",
        "第42周（10-12起）",
        "第43周（10-19起）",
        "第44周（10-26起）",
    ]
    rows = {
        (r.grid_id, None if pd.isna(r.manager_id) else r.manager_id): [getattr(r, f"_{i}") for i in range(8, 13)]
        for r in plan.itertuples()
    }
    assert rows == {
        ("G1", "M1"): [0, 2, 0, 0, 0],
        ("G1", "M2"): [0, 0, 1, 0, 0],
        ("G2", "M2"): [0, 0, 0, 0, 1],
        ("G3", None): [0, 0, 0, 0, 0],
        ("G4", "M2"): [1, 0, 0, 0, 0],
        ("D1", "M1"): [0, 0, 0, 1, 0],
        ("D2", None): [0, 0, 0, 0, 0],
    }
    assert plan["grid_id"].tolist() == ["G1", "G1", "G2", "G3", "G4", "D1", "D2"]
    g1 = plan[plan["grid_id"] == "G1"].set_index("manager_id")
    assert bool(g1.loc["M1", "is_owner"]) and not bool(g1.loc["M2", "is_owner"])
    assert g1.loc["M2", "manager_name"] == "李四" and g1.loc["M2", "owner_name"] == "张三"
    assert plan.set_index(["grid_id"]).loc["G4", "is_owner"] == False  # noqa: E712 - worked by M2, owned by M9
    assert plan["events"].sum() == 6 and plan["weeks_worked"].tolist() == [1, 1, 1, 0, 1, 1, 0]
    shown = grids.plan_display(plan, labels)
    assert shown.loc[0, labels[1]] == "✓ 2" and shown.loc[0, labels[0]] == ""
    assert shown["role"].tolist() == ["负责人", "协同", "负责人", "—", "协同", "负责人", "—"]


def test_weekly_plan_by_cell(con, cells):
    events = queries.run(con, "grid_events", {"month": MONTH, "branch": "A支行"})
    plan, labels = grids.weekly_plan(events, cells.reset_index(drop=True), MONTH)
    by_cell = grids.plan_by_cell(plan, labels).set_index("grid_id")
    assert by_cell.index.tolist() == ["G1", "G2", "G3", "G4", "D1", "D2"]
    assert by_cell.loc["G1", labels].tolist() == [0, 2, 1, 0, 0]
    assert by_cell.loc["G1", "managers"] == "张三、李四"
    assert by_cell.loc["G1", ["owner_weeks", "weeks_worked", "events"]].tolist() == [1, 2, 3]
    assert by_cell.loc["G4", ["managers", "owner_weeks", "weeks_worked"]].tolist() == ["李四", 0, 1]
    assert by_cell.loc["G3", ["managers", "events"]].tolist() == ["", 0]


def test_plan_weeks_first_phase_crosses_year():
    weeks = grids.plan_weeks("2026-02")
    assert weeks[0] == (date(2025, 12, 29), "第1周（01-01起）")
    assert weeks[-1][0] == date(2026, 2, 23)


def test_phase_of_follows_setting(monkeypatch):
    assert periods.phase_window("2026-10").start == date(2026, 10, 1)
    assert periods.phase_window("2026-10").end == date(2026, 12, 31)
    assert "抓储备" in periods.phase_window("2026-10").name
    monkeypatch.setenv("PUHUI_PHASE_MONTHS", "1-2,3-6,7-9,10-12")
    assert periods.phase_window("2026-03").start == date(2026, 3, 1)
    assert periods.phase_window("2026-03").number == 2


def test_grid_events_start_and_branch(con):
    since = queries.run(con, "grid_events", {"month": MONTH, "branch": "A支行", "start": "2026-10-06"})
    assert sorted(since["event_date"].dt.strftime("%m-%d")) == ["10-06", "10-12", "10-20", "10-28"]
    visit = since[since["kind"] == "拜访"].set_index("customer_id")
    assert visit.loc["C4", "grid_id"] == "G2" and visit.loc["C4", "detail"] == "上门拜访"
    assert queries.run(con, "grid_events", {"month": MONTH, "branch": "B支行"}).empty


def test_government_channel_attribution(con, cells):
    attributed = queries.run(con, "grid_channel_customers", {"month": MONTH, "branch": "A支行"}).set_index(
        "customer_id"
    )
    assert attributed["grid_id"].to_dict() == {"C1": "D1", "C2": "D1", "C4": "D1", "C5": "D2", "C8": "D1"}
    assert attributed["match_rule"].to_dict() == {
        "C1": "渠道含部门名称",
        "C2": "渠道与部门名称一致",
        "C4": "部门名称含渠道",
        "C5": "渠道与部门名称一致",  # spaces in 工 商 联 are ignored
        "C8": "网格编号",
    }
    listing = grids.channel_list(cells.reset_index(drop=True), attributed.reset_index()).set_index("grid_id")
    assert listing.index.tolist() == ["D1", "D2"]
    assert listing.loc["D1", "customers"] == 4 and listing.loc["D1", "manager_name"] == "张三"
    assert listing.loc["D1", ["offline_credit", "online_credit", "non_credit"]].tolist() == [1, 1, 2]
    assert listing.loc["D1", "deposits"] == 170000  # 100,000 + 50,000 + 20,000 + 0
    assert listing.loc["D2", "customers"] == 1


def test_loose_channel_match_must_be_unique(tmp_path):
    con = store.connect(tmp_path / "loose.duckdb")
    _insert(
        con,
        "grids",
        [
            {"month": MONTH, "grid_id": "T1", "grid_name": "高新区税务局", "grid_type": "政府渠道", "branch": "A"},
            {"month": MONTH, "grid_id": "T2", "grid_name": "经开区税务局", "grid_type": "政府渠道", "branch": "A"},
            {"month": MONTH, "grid_id": "T3", "grid_name": "北镇税务分局", "grid_type": "政府渠道", "branch": "B"},
            {
                "month": MONTH,
                "grid_id": "F1",
                "grid_name": "公安县发展和改革局",
                "grid_type": "政府渠道",
                "branch": "A",
            },
            {"month": MONTH, "grid_id": "S1", "grid_name": "浙江商会", "grid_type": "商会协会", "branch": "A"},
            {"month": MONTH, "grid_id": "S2", "grid_name": "福建商会", "grid_type": "商会协会", "branch": "B"},
        ],
    )
    channels = [
        ("K1", "A", "税务局"),  # two tax bureaus in A: ambiguous, not attributed
        ("K2", "A", "高新区税务局"),
        ("K3", "A", "经开区"),
        ("K4", "A", "银行"),
        ("K5", "B", "税务"),  # B has one department containing 税务
        ("K6", "A", "发改委推荐"),  # 发改委 → 发展和改革
        ("K7", "A", "商会"),  # one 商会 in A, one in B: A's own wins
        ("K8", "C", "商会"),  # no 商会 in C, two elsewhere: ambiguous
    ]
    for cid, branch, channel in channels:
        _insert(
            con,
            "customers",
            [
                {
                    "month": MONTH,
                    "customer_id": cid,
                    "customer_name": "x",
                    "manager_id": "M",
                    "branch": branch,
                    "channel": channel,
                }
            ],
        )
    attributed = queries.run(con, "grid_channel_customers", {"month": MONTH})
    assert dict(zip(attributed["customer_id"], attributed["grid_id"])) == {
        "K2": "T1",
        "K3": "T2",
        "K5": "T3",
        "K6": "F1",
        "K7": "S1",
    }
    con.close()


def test_cell_panel_frames(cells):
    segments = grids.segment_counts(cells.loc["G1"])
    assert segments["customers"].tolist() == [1, 1, 1]
    kinds = grids.deposit_kinds(cells.loc["G1"])
    assert kinds["amount"].tolist() == [100000, 50000, 0, 10000]
    assert kinds["share"].sum() == pytest.approx(1)


def test_cell_panel_owner_uses_the_gap_rule(cells):
    """The panel names the owner by the rule the 无负责人 gap uses: a blank id is no owner."""
    assert grids.owner_text(cells.loc["G1"]) == "张三"
    assert grids.owner_text(cells.loc["G3"]) == "未指定"
    blank = cells.loc["G3"].copy()
    blank["manager_id"] = "  "
    assert grids.owner_text(blank) == "未指定"
    gone = cells.loc["G4"].copy()
    gone["manager_name"] = None
    assert grids.owner_text(gone) == "M9"


def test_recent_window_and_map_notes(cells):
    phase = periods.phase_window(MONTH)
    # The phase began 10-01; 90 days before 10-31 is earlier, and wins.
    assert grids.recent_since(MONTH, phase) == date(2026, 8, 2)
    assert grids.recent_since("2026-12", periods.phase_window("2026-12")) == date(2026, 10, 1)
    assert geo.shape_notes(geo.cell_shapes(cells.reset_index(drop=True)), radius_m=500) == [
        "2 个网格未提供边界，以中心点为圆心、半径 500 米画圆。"  # G1 and G4
    ]
    odd = cells.reset_index(drop=True).copy()
    odd.loc[odd["grid_id"] == "G2", "boundary"] = "不是边界"  # no centre either: not drawn
    odd.loc[odd["grid_id"] == "G4", "boundary"] = "POLYGON ((1 2))"  # a centre: drawn as a circle
    assert geo.shape_notes(geo.cell_shapes(odd), radius_m=1500) == [
        "1 个网格既无中心坐标也无可识别的边界，未画在图上：东门商圈",
        "2 个网格的边界无法识别（支持 WKT、GeoJSON 或“经度,纬度;经度,纬度”），已按中心点画圆：东门商圈、西村",
        "1 个网格未提供边界，以中心点为圆心、半径 1,500 米画圆。",
    ]
    assert grids.cells_with_gaps(grids.cell_gaps(cells, MONTH)) == len(set(grids.cell_gaps(cells, MONTH)["grid_id"]))
    counts = grids.gap_counts(grids.cell_gaps(cells, MONTH))
    assert list(counts) == list(grids.GAP_KINDS) and counts["无负责人"] >= 1


def test_channel_list_markdown_escapes_names(cells):
    channels = pd.DataFrame(
        [
            {
                "grid_id": "D9",
                "grid_name": "[税务]*局",
                "grid_type": "政府渠道",
                "manager_name": None,
                "customers": 3,
                "deposits": 12345.0,
            }
        ]
    )
    text = grids.channel_markdown(channels)
    assert "\\[税务\\]\\*局" in text and "⚠️ 未指定负责人" in text and "**3** 户" in text
    assert grids.channel_names(channels) == {"D9": "[税务]*局"}


SQUARE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))", [[SQUARE]]),
        ("polygon((0 0,1 0,1 1,0 1))", [[SQUARE]]),
        ("SRID=4326;POLYGON Z ((0 0 5, 1 0 5, 1 1 5, 0 1 5, 0 0 5))", [[SQUARE]]),
        (
            "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))",
            [[SQUARE], [[(2.0, 2.0), (3.0, 2.0), (3.0, 3.0)]]],
        ),
        ('{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}', [[SQUARE]]),
        (
            '{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1]]]}}',
            [[SQUARE]],
        ),
        ('{"type": "MultiPolygon", "coordinates": [[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}', [[SQUARE]]),
        ("[[0,0],[1,0],[1,1],[0,1]]", [[SQUARE]]),
        ("0,0;1,0;1,1;0,1", [[SQUARE]]),
        (" 0,0;1,0;1,1;0,1; ", [[SQUARE]]),
    ],
    ids=[
        "wkt",
        "wkt-lower-open",
        "ewkt-z",
        "wkt-multi",
        "geojson",
        "geojson-feature",
        "geojson-multi",
        "bare-array",
        "amap",
        "amap-trailing",
    ],
)
def test_parse_boundary(text, expected):
    assert geo.parse_boundary(text) == expected


def test_parse_boundary_keeps_holes():
    shape = geo.parse_boundary("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))")
    assert len(shape) == 1 and len(shape[0]) == 2
    inside = geo.points_in_shape([1, 5, 11], [1, 5, 5], shape)
    assert inside.tolist() == [True, False, False]


@pytest.mark.parametrize(
    "text",
    [
        None,
        float("nan"),
        "",
        "   ",
        "POLYGON ((0 0, 1 1))",
        "POLYGON ((0 0, 1 0, 1 1",
        "POLYGON ((a b, c d, e f))",
        "POLYGON ((200 0, 201 0, 201 1, 200 0))",
        '{"type": "Point", "coordinates": [0, 0]}',
        "{not json",
        "网格边界见附件",
        "LINESTRING (0 0, 1 1, 2 2)",
        "0,0;1,0",
    ],
)
def test_parse_boundary_rejects(text):
    assert geo.parse_boundary(text) is None


def _deck(cells, con, **kw):
    shapes = geo.cell_shapes(cells.reset_index(drop=True))
    customers = queries.run(con, "grid_customers", {"month": MONTH, "branch": "A支行"})
    outside = grids.outside_customers(customers, shapes)
    return maps.grid_deck(shapes, customers=customers, outside=outside[outside["located_grid"].isna()], **kw)


def test_deck_has_no_basemap_and_no_external_url(cells, con):
    deck = _deck(cells, con, measure="penetration", show_names=True, basemap_style="")
    spec = deck.to_json()
    assert "http" not in spec.lower()
    parsed = json.loads(spec)
    # pydeck's placeholder, which Streamlit deletes; an empty mapStyle would make Streamlit
    # substitute a public Carto style.
    assert parsed["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in parsed
    ids = [layer["id"] for layer in parsed["layers"]]
    assert ids == [maps.CELL_LAYER, maps.DENSITY_LAYER, maps.CUSTOMER_LAYER, maps.LABEL_LAYER]
    text = parsed["layers"][-1]
    assert text["@@type"] == "TextLayer" and text["characterSet"] == "auto"
    assert text["fontFamily"].startswith('"Microsoft YaHei"') and "Noto Sans CJK SC" in text["fontFamily"]
    assert sorted(d["label"] for d in text["data"]) == sorted(["东门商圈", "花卉市场", "科技园", "西村"])
    cells_layer = parsed["layers"][0]
    assert cells_layer["pickable"] and len(cells_layer["data"]) == 4
    g1 = next(d for d in cells_layer["data"] if d["grid_id"] == "G1")
    assert g1["tip_title"] == "科技园（园区）"
    assert "渗透率：3.0%" in g1["tip"] and "负责人：张三" in g1["tip"]
    assert "{tip_title}" in deck._tooltip["html"]
    # The one outside customer with coordinates (C7) makes one density hexagon.
    assert [d["count"] for d in parsed["layers"][1]["data"]] == [1]


def test_deck_with_intranet_basemap(cells, con):
    deck = _deck(cells, con, basemap_style="http://10.1.2.3/tiles/style.json")
    spec = deck.to_json()
    assert json.loads(spec)["mapStyle"] == "http://10.1.2.3/tiles/style.json"
    assert "cartocdn" not in spec and "mapbox.com" not in spec


def _readable(deck) -> str:
    # to_json escapes non-ASCII as \uXXXX; decode it so Chinese text can be searched.
    return json.dumps(json.loads(deck.to_json()), ensure_ascii=False)


def test_deck_without_names_in_training(cells, con):
    spec = _readable(_deck(cells, con, show_names=False))
    assert "客户C" not in spec and "客户号" not in spec
    assert "线下授信客户" in spec
    with_names = _readable(_deck(cells, con, show_names=True))
    assert "客户C1（线下授信）" in with_names


@pytest.mark.parametrize("measure", list(maps.MEASURES))
def test_every_measure_colours_every_cell(cells, measure):
    shapes = geo.cell_shapes(cells.reset_index(drop=True))
    colors, legend = maps.measure_colors(shapes, measure)
    assert len(colors) == len(shapes) and all(len(c) == 4 for c in colors)
    assert legend


def test_measure_colors_classes(cells):
    shapes = geo.cell_shapes(cells.reset_index(drop=True)).set_index("grid_id")
    colors, legend = maps.measure_colors(shapes.reset_index(), "penetration")
    by_id = dict(zip(shapes.index, colors))
    assert by_id["G2"][:3] == list(maps.NO_VALUE) and by_id["G3"][:3] == list(maps.NO_VALUE)
    assert by_id["G4"][:3] == list(maps.RAMP_GOOD[-1])  # the highest penetration
    # Five equal classes from 0 to the maximum 0.05: 0.012 falls in 0.01–0.02, the second.
    classes, _ = maps.measure_colors(pd.DataFrame({"penetration": [0.0, 0.012, 0.05]}), "penetration")
    assert [c[:3] for c in classes] == [list(maps.RAMP_GOOD[0]), list(maps.RAMP_GOOD[1]), list(maps.RAMP_GOOD[4])]
    assert legend[-1] == ("#c8c8c8", "无经营主体数")
    # Whole-number measures: steps of ceil(11 / 5) = 3 days, so 10 falls in 9–11, the fourth class.
    days, legend = maps.measure_colors(pd.DataFrame({"days_since": [None, 0, 10]}), "days_since")
    assert days[0][:3] == list(maps.NEVER) and days[2][:3] == list(maps.RAMP_BAD[3])
    assert [label for _, label in legend] == [
        "0 天 – 2 天",
        "3 天 – 5 天",
        "6 天 – 8 天",
        "9 天 – 11 天",
        "无活动或拜访记录",
    ]
    few, legend = maps.measure_colors(pd.DataFrame({"customers": [0, 1, 3]}), "customers")
    assert [label for _, label in legend] == ["0", "1", "2", "3"]
    assert few[2][:3] == list(maps.RAMP_GOOD[3])


def test_fit_view_and_screen_position():
    lons, lats = [120.0, 120.2], [30.0, 30.1]
    view = maps.fit_view(lons, lats, width=900, height=560)
    west = maps.screen_position(view, 120.0, 30.05, 900, 560)
    east = maps.screen_position(view, 120.2, 30.05, 900, 560)
    assert 0 < west[0] < east[0] < 900
    assert east[0] - west[0] <= 900 * 0.85 + 1
    center = maps.screen_position(view, view.longitude, view.latitude, 900, 560)
    assert center == pytest.approx((450, 280))
    north = maps.screen_position(view, 120.1, 30.1, 900, 560)
    assert north[1] < 280  # north is up
    assert not math.isnan(view.zoom)


def test_selected_grid():
    selection = {"selection": {"indices": {maps.CELL_LAYER: [1]}, "objects": {maps.CELL_LAYER: [{"grid_id": "G2"}]}}}
    assert maps.selected_grid(selection) == "G2"
    point = {"selection": {"indices": {}, "objects": {maps.CUSTOMER_LAYER: [{"grid_id": "G1", "tip": ""}]}}}
    assert maps.selected_grid(point) == "G1"
    assert maps.selected_grid({"selection": {"indices": {}, "objects": {}}}) is None
    assert maps.selected_grid(None) is None


def test_md_escape():
    assert grids.md_escape("宏达*商贸[一]_1.0") == "宏达\\*商贸\\[一\\]\\_1\\.0"


def _page(**query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../pages/grid_map.py", default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_page_runs_opens_a_cell_and_switches_measures(apptest_env):
    at = _page()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels[:5] == ["网格数", "已有负责人", "网格内客户", "整体渗透率", "有缺口的网格"]
    assert not any(m.value.startswith("### 📍 网格详情") for m in at.markdown)
    chooser = at.selectbox(key="grid_map_cell")
    first = chooser.options[1]
    chooser.select_index(1).run()
    assert not at.exception
    assert any(m.value.startswith("### 📍 网格详情：") and m.value.endswith(first.split("（")[0]) for m in at.markdown)
    for measure in maps.MEASURES:
        at.selectbox(key="grid_map_measure").set_value(measure).run()
        assert not at.exception, measure
    at.toggle(key="grid_map_points").set_value(False).run()
    at.toggle(key="grid_map_density").set_value(False).run()
    assert not at.exception
    at.radio(key="grid_plan_view").set_value("按网格和客户经理展开").run()
    plan_manager = at.selectbox(key="grid_plan_manager")
    plan_manager.select_index(1).run()
    at.selectbox(key="grid_channel_pick").select_index(1).run()
    assert not at.exception


def test_page_masks_names_in_training_mode(apptest_env):
    at = _page(training="1")
    assert not at.exception
    at.selectbox(key="grid_map_cell").select_index(1).run()
    frames = [d.value for d in at.dataframe if "customer_name" in d.value.columns]
    assert frames, "no customer table on the page"
    for frame in frames:
        names = frame["customer_name"].dropna()
        assert len(names) and names.map(lambda n: "*" in n).all()


def test_grid_customers_sample_outside_and_one_cell(con, cells):
    params = {"month": MONTH, "branch": "A支行"}
    every = queries.run(con, "grid_customers", params)
    sample = queries.run(con, "grid_customers", {**params, "max_points": 3})
    assert len(sample) == 3 and set(sample["customer_id"]) <= set(every["customer_id"])
    again = queries.run(con, "grid_customers", {**params, "max_points": 3})
    assert sample["customer_id"].tolist() == again["customer_id"].tolist()  # the same points every run
    ids = sorted(every["customer_id"], key=lambda c: con.execute("select hash(?)", [c]).fetchall()[0][0])
    assert sorted(sample["customer_id"]) == sorted(ids[:3])
    candidates = queries.run(con, "grid_customers", {**params, "outside": True})
    assert sorted(candidates["customer_id"]) == ["C6", "C7", "C8"]
    inside = queries.run(con, "grid_customers", {**params, "outside": False})
    assert len(inside) == 5 and inside["in_cell"].all()
    one = queries.run(con, "grid_customers", {**params, "grid_id": "G1"})
    assert sorted(one["customer_id"]) == sorted(every[every["grid_id"] == "G1"]["customer_id"])
    assert len(one)
    # The outside check on the candidates alone gives what it gives on every customer.
    shapes = geo.cell_shapes(cells.reset_index(drop=True))
    compared = ["customer_id", "reason", "located_grid", "located_name"]
    assert (
        grids.outside_customers(candidates, shapes)[compared].fillna("").values.tolist()
        == grids.outside_customers(every, shapes)[compared].fillna("").values.tolist()
    )


def test_grid_customer_counts_match_summary(con, cells):
    for branch in ("A支行", None):
        params = {"month": MONTH, "branch": branch}
        every = queries.run(con, "grid_customers", params)
        totals = queries.run(con, "grid_customer_counts", params)
        assert totals.iloc[0].tolist() == [len(every), int(every["in_cell"].sum())]
    shapes = geo.cell_shapes(cells.reset_index(drop=True))
    every = queries.run(con, "grid_customers", {"month": MONTH, "branch": "A支行"})
    outside = grids.outside_customers(every, shapes)
    totals = queries.run(con, "grid_customer_counts", {"month": MONTH, "branch": "A支行"})
    figures = grids.summary(cells.reset_index(drop=True), totals, outside)
    assert figures == grids.summary(cells.reset_index(drop=True), every, outside)
    assert figures["customers"] == 8 and figures["in_cells"] == 5


def test_grid_plan_sums_events_in_the_database(con, cells):
    events = queries.run(con, "grid_events", {"month": MONTH, "branch": "A支行"})
    counted = queries.run(con, "grid_plan", {"month": MONTH, "branch": "A支行"})
    assert counted["events"].sum() == 6 and counted["week"].min() == pd.Timestamp("2026-10-01")
    frame = cells.reset_index(drop=True)
    expected, labels = grids.weekly_plan(events, frame, MONTH)
    plan, same_labels = grids.weekly_plan(counted, frame, MONTH)
    assert same_labels == labels
    pd.testing.assert_frame_equal(plan, expected)
    assert queries.run(con, "grid_plan", {"month": MONTH, "branch": "B支行"}).empty
    later = queries.run(con, "grid_plan", {"month": MONTH, "branch": "A支行", "phase_start": "2026-10-12"})
    assert later["events"].sum() == 3


def test_grid_events_of_one_cell(con):
    every = queries.run(con, "grid_events", {"month": MONTH, "branch": "A支行"})
    one = queries.run(con, "grid_events", {"month": MONTH, "branch": "A支行", "grid_id": "G1"})
    pd.testing.assert_frame_equal(one, every[every["grid_id"] == "G1"].reset_index(drop=True))
    assert len(one) == 3


def test_channel_totals_and_one_department(con, cells):
    attributed = queries.run(con, "grid_channel_customers", {"month": MONTH, "branch": "A支行"})
    totals = queries.run(con, "grid_channel_totals", {"month": MONTH, "branch": "A支行"})
    frame = cells.reset_index(drop=True)
    pd.testing.assert_frame_equal(grids.channel_list(frame, totals), grids.channel_list(frame, attributed))
    d1 = queries.run(con, "grid_channel_customers", {"month": MONTH, "branch": "A支行", "dept_id": "D1"})
    assert sorted(d1["customer_id"]) == ["C1", "C2", "C4", "C8"]
