"""考核评价 (issue 14, part 1): the manager evaluation's figures on a hand-built book, the 考核方案 upload
that overrides the weights, and the page on the demo bank and on the messy uploaded book.

The hand-built book (two managers of 城关支行, December 2025 and October 2026) is small enough that every
indicator's points can be worked out by hand below; the expected values are written as the arithmetic.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from puhui import evaluation, ingest, queries, settings, store

ROOT = Path(__file__).resolve().parent.parent
B = "城关支行"
M = "2026-10"
# Days from 2025-12-31 to 2026-10-31 over the days to 2026-12-31: the time progress (序时进度) of October.
TP = 304 / 365


def _book(path) -> object:
    """A (8 accounts: 2 offline, 3 online, 3 non-credit) and Z (4 managers needed for a 集训营; three more)."""
    con = store.connect(path)
    people = [("A", "甲经理"), ("Z", "乙经理"), ("Y", "丙经理"), ("X", "丁经理")]
    for month in ("2025-12", M):
        for manager_id, name in people:
            con.execute(
                "insert into managers (month, manager_id, manager_name, branch, team, role)"
                " values ($m, $i, $n, $b, '一组', '客户经理')",
                {"m": month, "i": manager_id, "n": name, "b": B},
            )
    segments = ["线下授信"] * 2 + ["线上授信"] * 3 + ["非授信"] * 3
    for month, loan_each, dep_each in (("2025-12", 1_000_000, 500_000), (M, 1_500_000, 800_000)):
        for k, segment in enumerate(segments):
            credit = segment != "非授信"
            con.execute(
                """insert into customers (month, customer_id, customer_name, manager_id, branch, segment,
                       loan_offline, dep_settlement, overdue, has_credit_card, grid_id)
                   values ($m, $c, $n, 'A', $b, $s, $l, $d, $o, $card, 'G1')""",
                {
                    "m": month,
                    "c": f"C{k}",
                    "n": f"客户{k}",
                    "b": B,
                    "s": segment,
                    "l": Decimal(loan_each) if credit else None,
                    "d": Decimal(dep_each),
                    # One credit customer overdue 300,000 in October: 300,000 / 7,500,000 = 4% against 3%.
                    "o": Decimal(300_000) if (month == M and k == 0) else None,
                    "card": k < 2,  # 2 of 8 use a credit card: 三小一卡 coverage 25%
                },
            )
        for manager_id in ("Z", "Y", "X"):
            con.execute(
                "insert into customers (month, customer_id, manager_id, branch, segment, dep_pure)"
                " values ($m, $c, $i, $b, '非授信', 1000)",
                {"m": month, "c": f"{manager_id}-1", "i": manager_id, "b": B},
            )
    # Non-credit customers of A (C5, C6, C7): phone visits to two, an on-site visit to one.
    for customer_id, method in (("C5", "电话"), ("C6", "电话"), ("C5", "上门")):
        con.execute(
            "insert into visits (month, visit_date, manager_id, customer_id, method, branch)"
            " values ($m, date '2026-10-15', 'A', $c, $w, $b)",
            {"m": M, "c": customer_id, "w": method, "b": B},
        )
    # Two activities of A bringing 3 + 1 + 0 and 1 + 0 + 1 = 6 results (target 5: full marks), in cell G2.
    for name, accounts, basic, payroll in (("沙龙", 3, 1, 0), ("进园区", 1, 0, 1)):
        con.execute(
            """insert into activities (month, activity_date, activity_name, branch, manager_id, grid_id,
                   new_accounts, new_basic_accounts, new_payroll)
               values ($m, date '2026-10-20', $n, $b, 'A', 'G2', $a, $ba, $p)""",
            {"m": M, "n": name, "b": B, "a": accounts, "ba": basic, "p": payroll},
        )
    # A owns G1 (visited: C5 lives there), G2 (an activity) and G3 (not worked): 2 of 3.
    for grid_id in ("G1", "G2", "G3"):
        con.execute(
            "insert into grids (month, grid_id, grid_name, branch, manager_id) values ($m, $g, $g, $b, 'A')",
            {"m": M, "g": grid_id, "b": B},
        )
    # Targets for A: 10 accounts, loans 10,000,000, deposits 7,000,000.
    for metric, target in (("管户数", 10), ("贷款余额", 10_000_000), ("存款余额", 7_000_000)):
        con.execute(
            "insert into targets (year, metric, target, manager_id) values (2026, $m, $t, 'A')",
            {"m": metric, "t": Decimal(target)},
        )
    store.refresh_coverage(con)
    return con


def _expected_points() -> dict[str, float | None]:
    """A's attainment per indicator, worked by hand (None = not applicable)."""
    loans_now, loans_base = 5 * 1_500_000, 5 * 1_000_000
    deps_now, deps_base = 8 * 800_000, 8 * 500_000
    return {
        "管户数": 8 / 10,
        "管户结构": (min(1, 2 / 25) + min(1, 3 / 30) + min(1, 3 / 50)) / 3,  # defaults 25/30/50 (no segment targets)
        "贷款增长": min(1, (loans_now - loans_base) / ((10_000_000 - loans_base) * TP)),
        "存款增长": min(1, (deps_now - deps_base) / ((7_000_000 - deps_base) * TP)),
        "活动成效": 1.0,
        "三小一卡": (2 / 8) / 0.5,
        "逾期率": 1 - (0.04 - 0.03) / 0.03,
        "电话走访": 2 / 3,
        "上门走访": 1 / 3,
        "异动上门": None,  # no deposit rose by more than 1,000,000
        "活动举办": 1.0,  # 2 activities against 1 a month, capped
        "网格深耕": 2 / 3,
        "名单跟进": None,  # nothing was listed in September (not stored)
    }


@pytest.fixture
def book(tmp_path):
    con = _book(tmp_path / "eval.duckdb")
    yield con
    con.close()


def _row(frame: pd.DataFrame, manager_id: str) -> pd.Series:
    return frame[frame["manager_id"] == manager_id].iloc[0]


def test_points_follow_the_indicators_worked_by_hand(book):
    rows = queries.run(book, "manager_evaluation", {"month": M})
    a = _row(rows, "A")
    weights = queries.evaluation_weights(settings.get("evaluation_weights"))
    expected = _expected_points()
    applicable = sum(weights[k] for k, v in expected.items() if v is not None)
    for indicator in evaluation.INDICATORS:
        attained = expected[indicator.label]
        if attained is None:
            assert pd.isna(a[f"p_{indicator.key}"]) and pd.isna(a[f"max_{indicator.key}"]), indicator.label
            continue
        assert float(a[f"max_{indicator.key}"]) == pytest.approx(100 * weights[indicator.label] / applicable)
        assert float(a[f"p_{indicator.key}"]) == pytest.approx(
            100 * weights[indicator.label] * attained / applicable
        ), indicator.label
    total = sum(100 * weights[k] * v / applicable for k, v in expected.items() if v is not None)
    assert float(a["score"]) == pytest.approx(round(total, 2))
    assert int(a["visits"]) == 3 and int(a["activities"]) == 2 and int(a["grids_worked"]) == 2
    assert float(a["overdue_rate"]) == pytest.approx(0.04)
    assert a["loan_increase"] == Decimal("2500000.00")


def test_rank_bottom_group_and_the_mix_flag(book):
    rows = queries.run(book, "manager_evaluation", {"month": M})
    assert list(rows["manager_id"])[0] == "A" and int(_row(rows, "A")["rank"]) == 1
    assert set(rows["manager_id"]) == {"A", "Z", "Y", "X"}
    # 4 managers × 0.25 = 1 in the 集训营, but Z, Y and X tie at the bottom: all three go.
    assert set(rows[rows["eval_bottom_group"]]["manager_id"]) == {"Z", "Y", "X"}
    mix = queries.run(book, "manager_mix", {"month": M})
    flagged = set(mix[mix["bottom_group"]]["manager_id"])
    assert set(rows[rows["mix_bottom_group"]]["manager_id"]) == flagged  # 管户结构's own flag
    assert (rows["branch_rank"] == rows["rank"]).all()  # one sub-branch


def test_weights_from_the_setting(book, monkeypatch):
    monkeypatch.setenv("PUHUI_EVALUATION_WEIGHTS", "管户数=1")
    rows = queries.run(book, "manager_evaluation", {"month": M})
    a = _row(rows, "A")
    assert float(a["score"]) == pytest.approx(80.0)  # only 管户数 weighs: 8 of 10 accounts
    assert float(a["max_accounts"]) == pytest.approx(100.0)
    with pytest.raises(queries.QueryError, match="考核评价权重中的指标“存款”不存在"):
        queries.evaluation_weights("存款=10")
    with pytest.raises(queries.QueryError, match="不能为负数"):
        queries.evaluation_weights("管户数=-1")


def _scheme_xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "考核方案"
    sheet.append(["2026年普惠条线客户经理考核方案"])
    sheet.append(["年度", "考核指标", "权重", "支行"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_uploaded_scheme_overrides_the_weights_line_then_branch(book):
    # The line's scheme: only 管户数 and 逾期率, 50 each; other indicators keep the setting's weights.
    plan = ingest.analyse(
        [("考核方案.xlsx", _scheme_xlsx([[2026, "管户数", 50, None], [2026, "逾期率", 50, None]]))], book
    )
    assert not plan.refused, plan.problems
    ingest.commit(plan, book)
    assert book.execute("select count(*) from scheme").fetchall()[0][0] == 2
    rows = queries.run(book, "manager_evaluation", {"month": M})
    expected = _expected_points()
    weights = {**queries.evaluation_weights(settings.get("evaluation_weights")), "管户数": 50.0, "逾期率": 50.0}
    applicable = sum(weights[k] for k, v in expected.items() if v is not None)
    assert float(_row(rows, "A")["max_accounts"]) == pytest.approx(100 * 50 / applicable)
    # The sub-branch's own scheme wins over the line's for its managers.
    plan = ingest.analyse([("城关考核方案.xlsx", _scheme_xlsx([[2026, "管户数", 0, B]]))], book)
    ingest.commit(plan, book)
    rows = queries.run(book, "manager_evaluation", {"month": M})
    assert pd.isna(_row(rows, "A")["p_accounts"]) or float(_row(rows, "A")["p_accounts"]) == 0
    # A scheme for another year does not apply.
    plan = ingest.analyse([("2025方案.xlsx", _scheme_xlsx([[2025, "逾期率", 0, None]]))], book)
    ingest.commit(plan, book)
    assert float(queries.run(book, "manager_evaluation", {"month": M}).pipe(_row, "A")["max_overdue"]) > 0


def test_a_scheme_with_an_unknown_indicator_is_a_row_error(book):
    plan = ingest.analyse(
        [("考核方案.xlsx", _scheme_xlsx([[2026, "拉存款", 10, None], [2026, "管户数", 10, None]]))], book
    )
    problems = plan.problems
    assert problems["问题"].str.contains("拉存款").any() if "问题" in problems else "拉存款" in problems.to_string()


def test_breakdown_says_why(book):
    rows = queries.run(book, "manager_evaluation", {"month": M})
    parts = evaluation.breakdown(_row(rows, "A"))
    assert list(parts["indicator"])[-2:] == ["异动上门", "名单跟进"]  # not applicable, last
    assert set(parts.tail(2)["actual"]) == {"不适用"}
    lost = parts.dropna(subset=["lost"])
    assert list(lost["lost"]) == sorted(lost["lost"], reverse=True)
    assert float(lost["points"].sum()) == pytest.approx(float(_row(rows, "A")["score"]), abs=0.05)
    assert evaluation.why(_row(rows, "A")).startswith(lost.iloc[0]["indicator"])
    ranking = evaluation.ranking(rows)
    together = (ranking["result_points"] + ranking["behaviour_points"]).tolist()
    assert together == pytest.approx(ranking["score"].astype(float).tolist(), abs=0.02)


def test_sheet_for_the_meeting_has_every_indicator(book):
    sheet = evaluation.sheet(queries.run(book, "manager_evaluation", {"month": M}))
    assert [f"p_{i.key}" for i in evaluation.INDICATORS] == [c for c in sheet.columns if c.startswith("p_")]
    assert {"visits", "overdue_rate", "flags"} <= set(sheet.columns)


def _page(env_db, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "evaluation.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("training", [False, True])
def test_page_on_the_demo_bank(apptest_env, training):
    at = _page(apptest_env, **({"training": "1"} if training else {}))
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["参评客户经理"].endswith("人") and int(metrics["参评客户经理"].split()[0]) > 0
    ranking = at.dataframe[0].value
    assert list(ranking["rank"])[0] == 1 and ranking["score"].is_monotonic_decreasing
    assert len(at.get("plotly_chart")) == 1  # the trend waits for a chosen manager (a month = a whole evaluation)
    picker = at.selectbox(key="evaluation_manager")
    at = picker.select(picker.options[0]).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2
    breakdown = at.dataframe[1].value
    assert set(breakdown["indicator"]) == {i.label for i in evaluation.INDICATORS}
    assert any("主要失分" in m.value for m in at.markdown)


def test_page_on_the_messy_uploaded_book(messy_apptest_db, monkeypatch):
    monkeypatch.setenv("PUHUI_DB", str(messy_apptest_db))
    at = _page(messy_apptest_db)
    assert not at.exception, [e.value for e in at.exception]
    assert at.dataframe or any("没有可参评" in i.value for i in at.info)


def test_a_scoped_head_sees_the_same_scores_under_the_lines_scheme(book):
    from puhui import access

    plan = ingest.analyse([("考核方案.xlsx", _scheme_xlsx([[2026, "管户数", 50, None]]))], book)
    ingest.commit(plan, book)
    line = queries.run(book, "manager_evaluation", {"month": M})
    scoped = queries.run(access.scope_cursor(book, [B]), "manager_evaluation", {"month": M})
    assert list(scoped["score"]) == list(line["score"])
    assert float(_row(scoped, "A")["max_accounts"]) == float(_row(line, "A")["max_accounts"])
    # Another sub-branch's own scheme stays out of sight.
    plan = ingest.analyse([("城西方案.xlsx", _scheme_xlsx([[2026, "逾期率", 99, "城西支行"]]))], book)
    ingest.commit(plan, book)
    seen = access.scope_cursor(book, [B]).execute("select distinct branch from scheme").fetchall()
    assert {r[0] for r in seen} == {None}
