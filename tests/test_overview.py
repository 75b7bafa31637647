"""The overview's queries and frames (经营总览) on the account-mix fixture book.

The book (see ``test_mix``): February 2026 holds 555 customers, 90/95/370 by segment, in
城关支行 (195) and 开发区支行 (360); January 500 (77/75/348); December 2025 only 城关支行
with 70 (20/10/40). Targets 2026: 城关支行 管户数 350 and 贷款余额 5 亿, M07's own
(10/10/10, 40, 2000 万), the line's 存款余额 20 亿; nothing uploaded for 2025.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from test_mix import A, B, build

from puhui import fmt, periods, queries, store
from puhui import overview as ovm

FEB_TP = 59 / 365


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    """The fixture database."""
    connection = store.connect(tmp_path_factory.mktemp("overview") / "overview.duckdb")
    build(connection)
    yield connection
    connection.close()


def overview(con, **params):
    """overview rows by metric, values exact."""
    columns, data = queries.run_rows(con, "overview", {**ovm.target_params(), **params})
    return {r[0]: dict(zip(columns, r)) for r in data}


def ranking(con, **params):
    """branch_ranking rows by (branch, metric)."""
    columns, data = queries.run_rows(con, "branch_ranking", {**ovm.target_params(), **params})
    return {(r[0], r[1]): dict(zip(columns, r)) for r in data}


def figures(record, *names):
    """Selected values of a record as a tuple."""
    return tuple(record[n] for n in names)


ROW = ("actual", "target", "mom_change", "ytd_change")


def test_line_scorecard(con):
    ov = overview(con, month="2026-02")
    assert list(ov) == [
        "管户数",
        "线下授信户数",
        "线上授信户数",
        "非授信户数",
        "贷款余额",
        "存款余额",
        "逾期金额",
        "逾期率",
        "客户经理人数",
    ]
    # 管户数: 城关支行's uploaded 350 + 开发区支行's managers 100 + 100 + 40 (M07) + 100 (M08), the team lead none.
    assert figures(ov["管户数"], *ROW) == (555, 690, 55, 485)
    assert figures(ov["线下授信户数"], *ROW) == (90, 160, 13, 70)
    assert figures(ov["线上授信户数"], *ROW) == (95, 190, 20, 85)
    assert figures(ov["非授信户数"], *ROW) == (370, 310, 22, 330)
    assert figures(ov["贷款余额"], *ROW) == (D("101905000"), D("820000000"), D("33405000"), D("81405000"))
    # The line's uploaded 存款余额 target wins over the sum of the sub-branches.
    assert figures(ov["存款余额"], *ROW) == (D("55000000"), D("2000000000"), D("500000"), D("51000000"))
    assert figures(ov["逾期金额"], *ROW) == (D("250000"), None, D("0"), D("200000"))
    assert ov["逾期率"]["actual"] == D("0.002453") and ov["逾期率"]["target"] is None
    assert figures(ov["客户经理人数"], *ROW) == (7, None, 1, 6)
    units = {m: r["unit"] for m, r in ov.items()}
    assert (
        units["管户数"] == "户"
        and units["贷款余额"] == "元"
        and units["逾期率"] == "比率"
        and units["客户经理人数"] == "人"
    )
    assert ov["管户数"]["time_progress"] == pytest.approx(FEB_TP)
    # Completion on the increase basis: (555 − 70 at December) ÷ (690 − 70); the balance basis beside it.
    assert figures(ov["管户数"], "year_start", "increase", "increase_needed", "baseline_month") == (
        70,
        485,
        620,
        "2025-12",
    )
    assert ov["管户数"]["completion"] == pytest.approx(485 / 620)
    assert ov["管户数"]["attainment"] == pytest.approx(555 / 690)
    assert ov["管户数"]["progress_gap"] == pytest.approx(485 / 620 - FEB_TP)
    assert ov["逾期金额"]["completion"] is None and ov["逾期金额"]["attainment"] is None
    assert ov["管户数"]["yoy_change"] is None  # 2025-02 is not stored


def test_sub_branch_scorecard(con):
    a = overview(con, month="2026-02", branch=A)
    assert figures(a["管户数"], *ROW) == (195, 350, -5, 125)  # M04 left for 开发区支行 in February
    assert figures(a["客户经理人数"], *ROW) == (3, None, -1, 2)
    # No uploaded 存款余额 target for 城关支行: the sum of its three managers' 1 亿 (the line's does not apply).
    assert a["存款余额"]["target"] == D("300000000")
    assert a["贷款余额"]["target"] == D("500000000")
    b = overview(con, month="2026-02", branch=B)
    assert figures(b["管户数"], *ROW) == (360, 340, 60, None)  # December is not stored for 开发区支行
    assert b["存款余额"]["target"] == D("400000000")
    assert b["客户经理人数"]["actual"] == 4


def test_year_without_uploaded_targets(con):
    ov = overview(con, month="2025-12")
    # One customer manager (M01) in December 2025: the per-manager defaults × 1.
    assert figures(ov["管户数"], "actual", "target") == (70, 100)
    assert [ov[m]["target"] for m in ("线下授信户数", "线上授信户数", "非授信户数")] == [25, 30, 50]
    assert ov["贷款余额"]["target"] == D("100000000") and ov["存款余额"]["target"] == D("100000000")
    assert ov["管户数"]["time_progress"] == pytest.approx(1.0)
    assert ov["管户数"]["mom_change"] is None and ov["管户数"]["ytd_change"] is None  # 2025-11, 2024-12 not stored


def test_only_sub_branch_targets(con):
    con.execute("begin transaction")
    try:
        for branch, target in ((A, 300), (B, 200)):
            con.execute(
                "insert into targets (year, metric, target, branch) values (2027, '管户数', $t, $b)",
                {"t": target, "b": branch},
            )
        # No sub-branch has data in 2027-03: nothing to compare a target with (like for like).
        ov = overview(con, month="2027-03")
        assert ov["管户数"]["actual"] is None and ov["管户数"]["target"] is None
        assert ov["管户数"]["completion"] is None
        assert overview(con, month="2027-03", branch=B)["管户数"]["target"] is None
    finally:
        con.execute("rollback")


@pytest.mark.parametrize(
    "month, expected",
    [
        ("2026-10", 304 / 365),
        ("2026-02", 59 / 365),
        ("2028-02", 60 / 366),
        ("2100-02", 59 / 365),
        ("2028-12", 1.0),
        ("2026-01", 31 / 365),
    ],
)
def test_time_progress_in_sql_and_python(con, month, expected):
    assert overview(con, month=month)["管户数"]["time_progress"] == pytest.approx(expected)
    assert periods.year_progress(month) == pytest.approx(expected)


def test_branch_ranking(con):
    rk = ranking(con, month="2026-02")
    assert set(b for b, _ in rk) == {A, B}
    assert figures(rk[(A, "管户数")], *ROW) == (195, 350, -5, 125)
    assert figures(rk[(B, "管户数")], *ROW) == (360, 340, 60, None)
    assert rk[(B, "管户数")]["rank"] == 1 and rk[(A, "管户数")]["rank"] == 2  # 360/340 ahead of 195/350
    assert rk[(A, "逾期率")]["rank"] == 1  # 50,000 / 30,500,000 below 200,000 / 71,405,000
    assert rk[(B, "客户经理人数")]["rank"] == 1
    assert rk[(B, "客户经理人数")]["actual"] == 4 and rk[(A, "客户经理人数")]["mom_change"] == -1


ADDITIVE = ("管户数", "线下授信户数", "线上授信户数", "非授信户数", "贷款余额", "存款余额", "逾期金额")


@pytest.mark.parametrize("month", ["2026-02", "2026-01", "2025-12"])
def test_overview_and_ranking_invariants(con, month):
    ov = overview(con, month=month)
    rk = ranking(con, month=month)
    assert len(ov) == 9 and len(rk) == len({key for key in rk})
    branches = {b for b, _ in rk}
    for col in ("actual", "mom_change", "ytd_change"):
        parts = [ov[m][col] for m in ("线下授信户数", "线上授信户数", "非授信户数")]
        if ov["管户数"][col] is not None:
            assert sum(parts) == ov["管户数"][col]
    stored = con.execute("select count(*) from customers where month = $m", {"m": month}).fetchall()[0][0]
    assert ov["管户数"]["actual"] == stored
    for metric in ADDITIVE:
        assert sum(rk[(b, metric)]["actual"] or 0 for b in branches) == ov[metric]["actual"]
    for metric in ("管户数", "线下授信户数", "线上授信户数", "非授信户数", "贷款余额"):
        # No line-level upload for these: the line's target is the sub-branches' sum.
        assert sum(rk[(b, metric)]["target"] or 0 for b in branches) == ov[metric]["target"]
    for branch in branches:
        scoped = overview(con, month=month, branch=branch)
        for metric, record in scoped.items():
            assert figures(record, *ROW) == figures(rk[(branch, metric)], *ROW)
    ranks = {}
    for (_branch, metric), record in rk.items():
        ranks.setdefault(metric, []).append(record["rank"])
    for values in ranks.values():
        assert min(values) == 1


def test_cards(con):
    ov = queries.run(con, "overview", {"month": "2026-02", **ovm.target_params()})
    cards = {c.metric: c for c in ovm.overview_cards(ov)}
    assert list(cards) == list(ovm.CARD_METRICS)
    accounts = cards["管户数"]
    assert (accounts.label, accounts.value_text) == ("管户数", "555 户")
    assert (accounts.mom, accounts.mom_text, accounts.ytd_text) == (55, "环比 +55 户", "较年初 +485 户")
    assert accounts.ytd_colour == "#d62728"  # an increase is red
    assert accounts.yoy_text is None  # no February 2025 stored
    # The whole line's amounts in 亿元, the unit in the label so the value stays short.
    loans = cards["贷款余额"]
    assert (loans.label, loans.value_text, loans.mom_text) == ("贷款余额（亿元）", "1.02", "环比 +0.33")
    # A rate's change in percentage points, not in %.
    rate = cards["逾期率"]
    assert rate.value_text == "0.25%"
    assert rate.mom_text.startswith("环比 ") and rate.mom_text.endswith(" 个百分点")
    b = queries.run(con, "overview", {"month": "2026-02", "branch": B})
    b_cards = ovm.overview_cards(b, line=False)
    assert b_cards[0].ytd_text == "较年初 —"
    assert b_cards[4].label == "贷款余额（万元）" and "," in b_cards[4].value_text  # a sub-branch in 万元


def test_progress_table(con):
    ov = queries.run(con, "overview", {"month": "2026-02"})
    table = ovm.progress_table(ov)
    assert list(table["metric"]) == ["管户数", "线下授信户数", "线上授信户数", "非授信户数", "贷款余额", "存款余额"]
    first = table.iloc[0]
    assert (first["actual_text"], first["target_text"], first["status"]) == ("555", "690", "超前序时")
    assert first["progress_gap_pp"] == pytest.approx(round((485 / 620 - FEB_TP) * 100, 1))
    deposits = table.iloc[5]
    assert deposits["status"] == "落后序时"  # 5,500 万 of 20 亿 against 16% of the year
    assert deposits["target_text"] == "20.00 亿元"
    assert list(ovm.progress_table(ov, kind="count")["metric"]) == list(table["metric"][:4])
    assert list(ovm.progress_table(ov, kind="amount")["metric"]) == ["贷款余额", "存款余额"]
    assert ovm.progress_columns("amount", line=True)["actual"] == ("本月", "yi")
    assert ovm.progress_columns("amount", line=False)["target"] == ("年度目标", "wan")
    assert ovm.progress_status(0.004) == "持平序时" and ovm.progress_status(None) == "—"
    assert ovm.progress_status(None, start_known=False) == "无年初数据"
    fig = ovm.progress_figure(ov)
    assert list(fig.data[0].y) == list(table["metric"])
    assert fig.data[0].x[0] == pytest.approx(485 / 620 * 100)


def test_scale_goals(con):
    line = queries.run(con, "overview", {"month": "2026-02"})
    goals = ovm.scale_goals(line).set_index("measure")
    assert goals.loc["客户经理人数", "goal_share"] == pytest.approx(7 / 50)
    assert goals.loc["管户数", "goal_share"] == pytest.approx(555 / 5000)
    assert goals.loc["管户数", "interim_share"] == pytest.approx(555 / 4000)
    assert goals.loc["资产规模（贷款）", "goal_text"] == "50.00 亿元"
    assert goals.loc["资产规模（贷款）", "interim_share"] == pytest.approx(101_905_000 / 4e9)
    assert goals.loc["人均管户数", "actual"] == pytest.approx(555 / 7)
    assert goals.loc["人均管户数", "actual_text"] == "79.3"
    assert goals.loc["人均管户数", "interim_share"] == pytest.approx(555 / 7 / 80)
    assert goals.loc["人均资产（贷款）", "goal_text"] == "10,000.00 万元"
    assert goals.loc["人均负债（存款）", "interim_text"] == "8,000.00 万元"
    assert goals.loc["人均负债（存款）", "actual"] == pytest.approx(55_000_000 / 7)
    scoped = queries.run(con, "overview", {"month": "2026-02", "branch": A})
    by_a = ovm.scale_goals(line, scoped, A).set_index("measure")
    assert by_a.loc["人均管户数", "actual"] == pytest.approx(65)
    assert by_a.loc["管户数", "actual"] == 555  # 四个5 stays the line's
    assert by_a.loc["人均管户数", "scope"] == f"三个1 · 人均（{A}）"


def test_ranking_table_and_figure(con):
    rk = queries.run(con, "branch_ranking", {"month": "2026-02"})
    table = ovm.ranking_table(rk, "管户数")
    assert list(table["branch"]) == [B, A]
    assert list(table["mom_text"]) == ["+60", "-5"]
    fig = ovm.ranking_figure(rk, "管户数")
    assert list(fig.data[0].y) == [B, A]
    overdue = ovm.ranking_table(rk, "逾期率")
    assert list(overdue["branch"]) == [A, B] and overdue.iloc[0]["actual_text"] == "0.16%"
    assert list(ovm.ranking_figure(rk, "客户经理人数").data[0].x) == [4, 3]


def test_value_text():
    assert ovm.value_text("户", 4012) == "4,012"
    assert ovm.value_text("元", D("123456789")) == "1.23 亿元"
    assert ovm.value_text("元", D("123456789"), line=False) == "12,345.68 万元"
    assert ovm.value_text("比率", 0.0123) == "1.23%"
    assert ovm.value_text("比率", 0.0006, signed=True) == "+0.06 个百分点"
    assert ovm.value_text("人", None) == "—"


def test_overview_page_apptest(apptest_env, demo_facts):
    from conftest import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["管户数"] == f"{fmt.count(demo_facts['customers'][demo_facts['latest']])} 户"
    assert [label.split("（")[0] for label in metrics] == list(ovm.CARD_METRICS)
    assert "贷款余额（亿元）" in metrics  # the whole line in 亿元
    elapsed, days = periods.year_days(demo_facts["latest"])
    assert any(f"第 {elapsed} 天（全年 {days} 天）" in c.value for c in at.caption)
    ranking = [s for s in at.selectbox if s.label == "排名指标"][0]
    for metric in ranking.options:
        ranking.select(metric).run()
        assert not at.exception
    at.query_params["branch"] = demo_facts["branches"][0]
    at.run()
    assert not at.exception
    assert any("在" in m.value and "排第" in m.value for m in at.markdown)
    assert "贷款余额（万元）" in {m.label for m in at.metric}  # a sub-branch in 万元
