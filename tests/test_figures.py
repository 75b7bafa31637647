"""Issue 11: figures a banker can report upward — right on the bank's own data, consistent across pages.

One test (or a few) per numbered defect, each on the messy uploaded book (``tests/messy_book.py``,
stored through the real ingest) or on a small book built here:

1. the grid map on uploaded grids whose cells were never worked (NaT against a date);
2. one definition of progress (increase basis against time progress, balance attainment beside
   it), the overview and 阶段营销 agreeing to the digit;
3. a partial latest month: the newest complete month by default, missing sub-branches named,
   never ranked or averaged;
4. one query runner: ``python -m puhui query NAME --db …`` gives the app's values;
5. figures: percentage points, units by scope, 同比, negative completion in words.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import messy_book as book
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, copy_db
from streamlit.testing.v1 import AppTest

from puhui import campaign, fmt, grids, periods, plans, queries, store, ui
from puhui import overview as ovm

A, B, C, D = book.A, book.B, book.C, book.D


@pytest.fixture(scope="module")
def messy(messy_template):
    """A read-only connection to the messy book (its template: nothing else in this process opens it)."""
    con = duckdb.connect(str(messy_template), read_only=True)
    yield con
    con.close()


@pytest.fixture
def messy_env(messy_apptest_db, monkeypatch):
    """Point the app at the messy book's AppTest copy, training mode not forced."""
    monkeypatch.setenv("PUHUI_DB", str(messy_apptest_db))
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    return messy_apptest_db


def app_test(rel: str, **query) -> AppTest:
    """A page run once with the link's query parameters."""
    at = AppTest.from_file(str(ROOT / rel), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


# 1 · The grid map on uploaded grids ------------------------------------------------------------


def test_cell_gaps_with_a_cell_never_worked():
    # As DuckDB hands a NULL date to pandas: NaT, which is also a datetime instance.
    cells = pd.DataFrame(
        {
            "grid_id": ["G1", "G2"],
            "grid_name": ["商贸城", "工业园"],
            "grid_type": ["专业市场", "园区"],
            "branch": [A, A],
            "manager_id": ["A01", "A02"],
            "manager_name": ["张明", "李华"],
            "owner_listed": [True, True],
            "is_channel": [False, False],
            "penetration": [0.2, 0.2],
            "customers": [10, 10],
            "merchants": [50, 50],
            "last_activity": pd.to_datetime(["2026-10-20", None]),
        }
    )
    gaps = grids.cell_gaps(cells, "2026-10", stale_weeks=4)
    assert list(gaps["grid_id"]) == ["G2"]
    assert gaps.iloc[0]["gap"] == "久未经营" and gaps.iloc[0]["detail"] == "没有任何营销活动或拜访记录"


@pytest.mark.parametrize("branch", [None, A])
@pytest.mark.parametrize("training", ["0", "1"])
def test_grid_map_on_uploaded_grids_never_worked(messy_env, branch, training):
    query = {"month": "2026-10", "training": training} | ({"branch": branch} if branch else {})
    at = app_test("pages/grid_map.py", **query)
    assert not at.exception, [e.value for e in at.exception]
    gaps = next(el.value for el in at.dataframe if "gap" in el.value.columns)
    stale = gaps[gaps["gap"] == "久未经营"]
    assert "城关工业园" in set(stale["grid_name"])  # customers, but never an activity or a visit


# 2 · One definition of progress -----------------------------------------------------------------


def _kaifaqu_book(path: Path) -> duckdb.DuckDBPyConnection:
    """The issue's 开发区支行: loans 42,573.80 万 at the start of the year, 45,676.19 万 in October,
    a target of 47,060.00 万: 97.1% of the balance, 69.2% of the increase the target asks for."""
    con = store.connect(path)
    rows = {"2025-12": Decimal("425738000.00"), "2026-10": Decimal("456761900.00")}
    for month, loans in rows.items():
        con.execute(
            "insert into managers (month, manager_id, manager_name, branch, role) values ($m, 'K01', '钱进', '开发区支行', '客户经理')",
            {"m": month},
        )
        con.execute(
            """insert into customers (month, customer_id, customer_name, manager_id, branch, segment, loan_offline)
               values ($m, 'K-1', '开发区物流有限公司', 'K01', '开发区支行', '线下授信', $l)""",
            {"m": month, "l": loans},
        )
    con.execute(
        "insert into targets (year, metric, target, branch) values (2026, '贷款余额', 470600000.00, '开发区支行')"
    )
    return con


def test_progress_is_on_the_increase_basis(tmp_path):
    con = _kaifaqu_book(tmp_path / "kaifaqu.duckdb")
    try:
        for frame in (
            queries.run(con, "overview", {"month": "2026-10", "branch": "开发区支行"}),
            queries.run(con, "branch_ranking", {"month": "2026-10"}),
        ):
            loans = frame[frame["metric"] == "贷款余额"].iloc[0]
            assert float(loans["attainment"]) == pytest.approx(456761900 / 470600000)  # 97.1%
            assert float(loans["increase"]) == pytest.approx(31023900)  # 3,102.39 万 done
            assert float(loans["increase_needed"]) == pytest.approx(44862000)  # 4,486.20 万 asked
            assert float(loans["completion"]) == pytest.approx(31023900 / 44862000)  # 69.2%
            assert fmt.pct(loans["completion"]) == "69.2%" and fmt.pct(loans["attainment"]) == "97.1%"
        table = ovm.progress_table(
            queries.run(con, "overview", {"month": "2026-10", "branch": "开发区支行"}), line=False
        )
        loans = table[table["metric"] == "贷款余额"].iloc[0]
        assert loans["status"] == "落后序时"  # 69.2% against 304/365 = 83.3%, not "超前"
        assert loans["progress_gap_pp"] == pytest.approx(round((31023900 / 44862000 - 304 / 365) * 100, 1))
    finally:
        con.close()


def test_target_at_or_below_the_start_of_the_year_and_a_negative_increase(messy):
    ov = queries.run(messy, "overview", {"month": "2026-10", "branch": C})
    table = ovm.progress_table(ov, line=False).set_index("metric")
    # 埠河支行 held 120 accounts in December against a default target of 100, now 90.
    assert table.loc["管户数", "status"] == "年初已达标，现低于目标"
    assert table.loc["线上授信户数", "status"] == "年初已达标"
    # 非授信: 40 in December, target 50, now 30: no "−100%", the fall in words.
    assert table.loc["非授信户数", "completion"] == pytest.approx(-1.0)
    assert pd.isna(table.loc["非授信户数", "completion_shown"]) and pd.isna(table.loc["非授信户数", "progress_gap_pp"])
    assert table.loc["非授信户数", "status"] == "负增长 -10 户"
    # An amount's fall says its unit: 万元 for a sub-branch, 亿元 for the whole line.
    assert table.loc["贷款余额", "status"] == "负增长 -1,390.00 万元"
    line = ovm.progress_table(queries.run(messy, "overview", {"month": "2026-10"}), line=True).set_index("metric")
    assert line.loc["贷款余额", "status"] == "负增长 -0.07 亿元"
    fig = ovm.progress_figure(ov)
    assert fig.data[0].x[list(fig.data[0].y).index("非授信户数")] is None


def test_without_december_the_year_starts_at_the_first_stored_month(messy):
    ov = queries.run(messy, "overview", {"month": "2026-10", "branch": D}).set_index("metric")
    # 新区支行 opened in 2026: its year starts at 2026-08's month-end, 61 of the 122 days left.
    assert ov.loc["管户数", "baseline_month"] == "2026-08"
    assert ov.loc["管户数", "time_progress"] == pytest.approx(61 / 122)
    assert ov.loc["管户数", "completion"] == pytest.approx((18 - 12) / (100 - 12))
    text = ovm.progress_basis_text("2026-10", "2026-08", 0.5)
    assert "未存储上年12月（2025-12）" in text and "2026-08 月末" in text and "50.0%" in text
    first = queries.run(messy, "overview", {"month": "2026-08", "branch": D}).set_index("metric")
    assert first.loc["管户数", "completion"] is None or math.isnan(first.loc["管户数", "completion"])


def _agree(con, month: str, branch: str | None) -> list[str]:
    overview = queries.run(con, "overview", {"month": month, "branch": branch}).set_index("metric")
    progress = campaign.progress(con, month, branch)
    year = campaign.year_table(progress, "count").set_index("measure")
    shown = ovm.progress_table(overview.reset_index(), line=branch is None).set_index("metric")
    wrong = []
    for measure in plans.COUNT_MEASURES:
        o, c = overview.loc[measure], year.loc[measure]
        pairs = {
            "目标": (o["target"], c["target_level"]),
            "年初": (o["year_start"], c["year_start"]),
            "本月": (o["actual"], c["year_actual"]),
            "完成率": (o["completion"], c["year_completion"]),
            "序时进度": (o["time_progress"], c["year_time_progress"]),
            "余额达成率": (o["attainment"], c["attainment"]),
        }
        for what, (left, right) in pairs.items():
            left = None if left is None or pd.isna(left) else float(left)
            right = None if right is None or pd.isna(right) else float(right)
            if left != right:
                wrong.append(f"{month} {branch or '全条线'} {measure} {what}：总览 {left} ≠ 阶段营销 {right}")
        if measure not in shown.index:  # no target in scope (a month without data): nothing printed
            continue
        # What the two pages print is the same text, digit for digit.
        if fmt.pct(shown.loc[measure, "completion_shown"]) != fmt.pct(c["completion_shown"]):
            wrong.append(f"{month} {branch or '全条线'} {measure} 完成率显示不一致")
        if shown.loc[measure, "status"] != c["status"]:
            wrong.append(f"{month} {branch or '全条线'} {measure} 进度：{shown.loc[measure, 'status']} ≠ {c['status']}")
    return wrong


@pytest.mark.parametrize("which", ["messy", "demo"])
def test_overview_and_campaign_agree_to_the_digit(which, messy_template, demo_template):
    path = messy_template if which == "messy" else demo_template
    con = duckdb.connect(str(path), read_only=True)
    try:
        months, branches = store.months(con), store.branches(con)
        wrong = [problem for month in months for branch in (None, *branches) for problem in _agree(con, month, branch)]
    finally:
        con.close()
    assert not wrong, "\n".join(wrong[:20])


def test_both_pages_state_the_definition(messy_env):
    overview = app_test("app.py", month="2026-10", branch=A)
    text = " ".join(m.value for m in overview.markdown)
    assert "增量口径" in text and "（本月 − 年初）÷（年度目标 − 年初）" in text and "余额达成率" in text
    camp = app_test("pages/campaign.py", month="2026-10", branch=A)
    text = " ".join(m.value for m in camp.markdown)
    assert "与经营总览同一口径" in text and "（本月 − 年初）÷（年度目标 − 年初）" in text
    # The same completion, in the same words, on both pages.
    year = next(el.value for el in camp.dataframe if "year_start" in el.value.columns)
    counts = next(
        el.value
        for el in overview.dataframe
        if "completion_shown" in el.value.columns and "管户数" in set(el.value["metric"])
    )
    total_c = year.set_index("measure").loc["管户数"]
    total_o = counts.set_index("metric").loc["管户数"]
    assert total_c["completion_shown"] == pytest.approx(total_o["completion_shown"])
    assert total_c["status"] == total_o["status"]


# 3 · A partial latest month ---------------------------------------------------------------------


def test_month_status_of_the_messy_book(messy):
    statuses = {s.month: s for s in store.month_status(messy)}
    assert statuses["2026-11"].missing == (B, D)
    assert store.newest_complete_month(list(statuses.values()), None) == "2026-10"


@pytest.mark.parametrize(
    "branch, expected",
    [(None, "2026-10"), (A, "2026-11"), (B, "2026-10"), (D, "2026-10")],
)
def test_each_page_opens_on_the_newest_complete_month(messy_env, branch, expected):
    for rel in ("app.py", "pages/mix.py"):
        at = app_test(rel, **({"branch": branch} if branch else {}))
        assert not at.exception
        month = at.sidebar.selectbox(key=ui.KEY_MONTH)
        assert month.value == expected, (rel, branch)
        assert at.query_params["month"] == expected


def test_the_month_select_labels_partial_months(messy_env):
    at = app_test("app.py")
    assert at.sidebar.selectbox(key=ui.KEY_MONTH).options[0] == "2026-11（不完整：缺 2 个支行）"
    at = app_test("app.py", branch=B)
    assert at.sidebar.selectbox(key=ui.KEY_MONTH).options[0] == "2026-11（本支行无数据）"


def test_a_partial_month_names_the_missing_and_ranks_only_the_present(messy_env):
    at = app_test("app.py", month="2026-11")
    assert not at.exception
    notice = " ".join(w.value for w in at.warning)
    assert "2 个支行已上传" in notice and B in notice and D in notice and "2026-10" in notice
    assert any("全条线年度完成率不予计算" in i.value for i in at.info)
    ranking = next(el.value for el in at.dataframe if "rank" in el.value.columns)
    assert set(ranking["branch"]) == {A, C}  # 开发区支行 and 新区支行 have no data: not ranked
    assert any(B in c.value and "不参加排名" in c.value for c in at.caption)
    # One of the two present sub-branches: ranked among the two.
    at = app_test("app.py", month="2026-11", branch=A)
    assert any("在本月有数据的 2 个支行中排第" in m.value for m in at.markdown)


def test_a_sub_branch_without_the_month_is_told_and_not_shown_empty(messy_env):
    for rel in [rel for rel, _, _ in ui.PAGES if rel not in (ui.UPLOAD_PAGE, "pages/admin.py")]:  # the data pages
        at = app_test(rel, month="2026-11", branch=B)
        assert not at.exception, rel
        assert any(f"{B} 尚无" in w.value and "2026-10" in w.value for w in at.warning), rel
        assert not at.metric and not at.dataframe, rel  # no "— 户", no nan cell, no rank
        assert not any("排第" in m.value for m in at.markdown), rel
        assert at.button(key="puhui_go_complete").label == "改看 2026-10"


def test_pages_list_no_manager_of_a_sub_branch_without_the_month(messy_env):
    at = app_test("pages/mix.py", month="2026-11")
    gaps = next(el.value for el in at.dataframe if "gap_total" in el.value.columns)
    assert set(gaps["branch"]) == {A, C}
    assert any(B in c.value and "不计入" in c.value for c in at.caption)
    assert {m.label: m.value for m in at.metric}["客户经理人数"] == "3"
    at = app_test("pages/prospects.py", month="2026-11")
    managers = at.selectbox(key="prospect_manager").options
    assert not any(B in option or D in option for option in managers)


def test_the_go_to_complete_month_button(messy_env):
    at = app_test("app.py", month="2026-11", branch=B)
    at.button(key="puhui_go_complete").click().run()
    assert at.sidebar.selectbox(key=ui.KEY_MONTH).value == "2026-10"
    assert at.metric and not at.exception


def test_rankings_and_averages_leave_out_sub_branches_without_the_month(messy):
    ranking = queries.run(messy, "branch_ranking", {"month": "2026-11"})
    assert set(ranking["branch"]) == {A, C}
    # The roster lists 开发区支行's managers in November, its customers are not uploaded: the
    # line's head count (the base of "三个1") counts only the sub-branches with data.
    line = queries.run(messy, "overview", {"month": "2026-11"}).set_index("metric")
    assert line.loc["客户经理人数", "actual"] == 3  # 张明, 李华 (城关), 郑洁 (埠河)
    phase = periods.load_calendar().phase_of("2026-11")
    results = campaign.phase_results(messy, "2026-11", phase)
    assert set(results["branch"]) == {A, C}
    # "三个1" never prints nan: a scope without managers reads "—".
    empty = queries.run(messy, "overview", {"month": "2026-11", "branch": B})
    goals = ovm.scale_goals(queries.run(messy, "overview", {"month": "2026-10"}), empty, B)
    assert not goals["actual_text"].str.contains("nan").any()
    assert set(goals.loc[goals["scope"].str.startswith("三个1"), "actual_text"]) == {"—"}


# 4 · One query runner ---------------------------------------------------------------------------

# Parameters a query cannot do without: given the same way to the command line and the app.
NEEDED = {"manager_customers": {"manager_id": "A01"}}


def _plain(value):
    """A value as JSON and a DataFrame both can say it: numbers rounded, dates as text, missing as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return round(float(value), 6)
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()[: 10 if value.time() == datetime.min.time() else 19]
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cli(db: Path, name: str, env: dict) -> tuple[list[dict], str]:
    args = [sys.executable, "-m", "puhui", "query", name, "--db", str(db), "--format", "json"]
    for key, value in NEEDED.get(name, {}).items():
        args += ["--param", f"{key}={value}"]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{name}: {done.stderr}"
    return json.loads(done.stdout), done.stderr


def _app(db: Path, name: str) -> pd.DataFrame:
    """The query as a page runs it: ui.Context.run on the month the app opens on."""
    con = store.connect(db)
    try:
        statuses = store.month_status(con)
        ctx = ui.Context(
            con=con,
            db_path=db,
            month=store.newest_complete_month(statuses),
            branch=None,
            training=False,
            statuses=statuses,
            version=(-1, len(name)),
        )
        return ctx.run(name, **NEEDED.get(name, {}))
    finally:
        con.close()


def _same(cli_rows: list[dict], frame: pd.DataFrame) -> list[str]:
    if len(cli_rows) != len(frame):
        return [f"行数：命令行 {len(cli_rows)}，页面 {len(frame)}"]
    wrong = []
    for i, (row, app_row) in enumerate(zip(cli_rows, frame.to_dict("records"))):
        if list(row) != list(app_row):
            return [f"列：{list(row)} ≠ {list(app_row)}"]
        for column in row:
            left, right = _plain(row[column]), _plain(app_row[column])
            if isinstance(left, float) and isinstance(right, float):
                if not math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-6):
                    wrong.append(f"第 {i} 行 {column}：{left} ≠ {right}")
            elif left != right:
                wrong.append(f"第 {i} 行 {column}：{left!r} ≠ {right!r}")
    return wrong


@pytest.fixture(scope="module")
def cli_and_app_dbs(messy_template, tmp_path_factory):
    """Two copies of the messy book: one for the command line's processes, one for this process."""
    folder = tmp_path_factory.mktemp("runner")
    return copy_db(messy_template, folder / "cli.duckdb"), copy_db(messy_template, folder / "app.duckdb")


def test_every_query_from_the_command_line_gives_the_apps_values(cli_and_app_dbs, monkeypatch):
    cli_db, app_db = cli_and_app_dbs
    # A setting changed on the server: both sides must read it (the app's value is the setting's).
    monkeypatch.setenv("PUHUI_TARGET_OFFLINE", "10")
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    names = queries.names()
    assert len(names) >= 30
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = dict(zip(names, pool.map(lambda n: _cli(cli_db, n, env), names)))
    wrong = []
    for name in names:
        rows, stderr = answers[name]
        if "month" in queries.get(name).params:
            assert "2026-10" in stderr, (name, stderr)  # the newest complete month, said on stderr
        wrong += [f"{name}：{problem}" for problem in _same(rows, _app(app_db, name))[:3]]
    assert not wrong, "\n".join(wrong[:30])
    mix = {row["manager_id"]: row for row in answers["manager_mix"][0]}
    assert mix["A01"]["target_offline"] == 10  # PUHUI_TARGET_OFFLINE reaches the command line
    progress = answers["campaign_progress"][0]
    assert {row["measure"] for row in progress} >= set(campaign.MEASURES)


def test_the_registry_declares_every_parameter():
    for name in queries.names():
        query = queries.get(name)  # raises when the SQL and the declaration differ
        assert set(query.spec) == set(query.params), name
        for param, declared in query.spec.items():
            assert declared.kind in (queries.SCOPE, queries.OPTIONAL, queries.REQUIRED, queries.SETTING), (name, param)
            assert declared.help, (name, param)
    with pytest.raises(queries.QueryError, match="缺少参数：manager_id"):
        queries.resolve(queries.get("manager_customers"), {"month": "2026-10"})
    with pytest.raises(queries.QueryError, match="没有参数：colour"):
        queries.resolve(queries.get("overview"), {"colour": "red"})


def test_a_caller_who_gives_a_parameter_gets_exactly_that(monkeypatch):
    monkeypatch.setenv("PUHUI_DEPOSIT_LIST_TOP_N", "7")
    query = queries.get("deposit_settlement_compliance")
    assert queries.resolve(query, {"month": "2026-10"})["top_n"] == 7  # the whole line's worst rows
    assert queries.resolve(query, {"month": "2026-10", "manager_id": "A01"})["top_n"] is None  # a manager's full list
    assert queries.resolve(query, {"month": "2026-10", "top_n": None})["top_n"] is None
    cells = queries.resolve(queries.get("grid_cells"), {"month": "2026-05"})
    assert cells["phase_start"] == "2026-04-01"  # the month's phase, from phase_months
    calendar = queries.resolve(queries.get("campaign_progress"), {"month": "2026-05"})
    assert calendar["phase_weights"] == [Decimal(4), Decimal(3), Decimal(3), Decimal(2)]


def test_command_line_parameter_values():
    from puhui import cli

    assert cli._param_value("00123", "manager_id") == "00123"  # a manager number stays text
    assert cli._param_value("10", "top_n") == 10
    assert cli._param_value("0.05", "threshold") == Decimal("0.05")
    assert cli._param_value("null", "top_n") is None
    assert cli._param_value("true", "outside") is True
    assert cli._param_value("[4, 3, 3, 2]", "phase_weights") == [4, 3, 3, 2]


def test_campaign_progress_from_the_command_line_with_a_month(cli_and_app_dbs):
    cli_db, _ = cli_and_app_dbs
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PUHUI_TRAINING_MODE", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "puhui",
            "query",
            "campaign_progress",
            "--db",
            str(cli_db),
            "--month",
            "2026-08",
            "--branch",
            A,
            "--format",
            "csv",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "开门红" in done.stdout and "缺少参数" not in done.stderr


# 5 · Figures a banker would not question --------------------------------------------------------


def test_rate_changes_in_percentage_points():
    assert fmt.pp(0.0006) == "+0.06 个百分点"
    assert fmt.pp(-0.0123) == "-1.23 个百分点"
    assert fmt.pp(None) == "—"
    assert ovm.value_text("比率", 0.0006, signed=True) == "+0.06 个百分点"


def test_amounts_by_scope():
    assert fmt.amount(Decimal("4567619000"), line=True) == "45.68 亿元"
    assert fmt.amount(Decimal("456761900"), line=False) == "45,676.19 万元"
    assert fmt.amount(Decimal("456761900"), line=False, unit=False, signed=True) == "+45,676.19"


def test_overview_cards_units_and_year_on_year(messy):
    line = ovm.overview_cards(queries.run(messy, "overview", {"month": "2026-10"}), line=True)
    cards = {c.metric: c for c in line}
    assert cards["贷款余额"].label == "贷款余额（亿元）" and cards["贷款余额"].value_text == "1.00"
    assert cards["管户数"].yoy_text == "同比 +26 户"  # 2025-10 is stored
    assert cards["逾期率"].mom_text is None  # 2026-09 was never uploaded: no month-on-month change
    assert cards["逾期率"].yoy_text.endswith("个百分点")
    branch = {
        c.metric: c
        for c in ovm.overview_cards(queries.run(messy, "overview", {"month": "2026-10", "branch": B}), line=False)
    }
    assert branch["贷款余额"].label == "贷款余额（万元）" and branch["贷款余额"].value_text == "1,100.00"
    assert branch["贷款余额"].ytd_text == "较年初 -1,173.00"


def test_deposit_cards_units_by_scope_and_year_on_year(messy_env):
    at = app_test("pages/deposits.py", month="2026-10")
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["存款合计（亿元）"][0] == "0.95"  # the whole line: 亿元, whatever its size
    assert any("同比" in m.value for m in at.markdown)
    at = app_test("pages/deposits.py", month="2026-10", branch=A)
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["存款合计（万元）"][0] == "3,234.00"  # a sub-branch: 万元


def test_the_deposit_tables_put_the_changes_first(messy_env):
    at = app_test("pages/deposits.py", month="2026-10")
    branch_table = next(
        el for el in at.dataframe if "branch" in el.value.columns and "dep_total_mom" in el.value.columns
    )
    assert list(branch_table.value.columns[:5]) == [
        "branch",
        "dep_total",
        "dep_total_mom",
        "dep_total_ytd",
        "dep_total_yoy",
    ]
    managers = next(
        el for el in at.dataframe if "manager_name" in el.value.columns and "dep_settlement_mom" in el.value.columns
    )
    assert list(managers.value.columns[:4]) == ["manager_name", "dep_total", "dep_total_mom", "dep_total_ytd"]
