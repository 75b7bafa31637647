"""阶段营销: phase split, time progress, actuals, targets, ranking, activities, the summary workbook.

A small bank built here by SQL: two sub-branches, three managers and a vice-president, a
handful of activities (one after the data month, one in the previous year) and customer
snapshots for 2025-12, 2026-03, 2026-05 and 2026-06 (2026-04 deliberately missing).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from puhui import campaign, campaign_summary, fmt, periods, plans, queries, store

ROOT = Path(__file__).absolute().parent.parent

MONTH = "2026-05"


def _populate(con) -> None:
    con.execute(
        """insert into managers (month, manager_id, manager_name, branch, role) values
           ('2026-05', 'm1', '张三', '城关支行', '客户经理'),
           ('2026-05', 'm2', '李四', '城关支行', '客户经理'),
           ('2026-05', 'm3', '王五', '城南支行', '团队负责人'),
           ('2026-05', 'v1', '赵六', '城关支行', '分管行长')"""
    )
    con.execute(
        """insert into targets (year, metric, target, branch, manager_id) values
           (2026, '新开户数', 1200, null, null),
           (2026, '新增存款', 8000000, '城关支行', null),
           (2026, '新增存款', 4000000, '城南支行', null),
           (2026, '线上授信户数', 10, '城关支行', 'm1'),
           (2026, '线上授信户数', 10, '城关支行', 'm2'),
           (2026, '线上授信户数', 20, '城南支行', 'm3'),
           (2025, '新开户数', 999, null, null)"""
    )
    con.execute(
        """insert into activities (month, activity_date, activity_name, branch, manager_id,
               new_accounts, new_basic_accounts, new_payroll, new_deposits, new_loans) values
           ('2025-11', '2025-11-10', '去年的活动', '城关支行', 'm1', 77, 0, 0, 0, 0),
           ('2026-01', '2026-01-15', '小企业条线峰会', '城关支行', 'm1', 30, 0, 2, 1000000.00, 0),
           ('2026-02', '2026-02-20', '园区新春联谊活动', '城南支行', 'm3', 20, 3, 0, 500000.50, 0),
           ('2026-03', '2026-03-10', '开门红冲刺营销动员会议', '城关支行', 'm2', 50, 0, 5, 0, 2000000.00),
           ('2026-04', '2026-04-12', '"园区行"专项推动会议', '城关支行', null, 10, 4, 0, 0, 300000.00),
           ('2026-05', '2026-05-08', '金融沙龙', '城南支行', 'm3', 15, 2, 0, 250000.00, 1000000.00),
           ('2026-06', '2026-06-05', '“园区行”总结会议', '城关支行', 'm1', 99, 9, 9, 9000000.00, 0)"""
    )
    snapshots = {
        "2025-12": [
            ("c1", "m1", "城关支行", "线下授信"),
            ("c2", "m1", "城关支行", "非授信"),
            ("c3", "m3", "城南支行", "线上授信"),
        ],
        "2026-03": [
            ("c1", "m1", "城关支行", "线下授信"),
            ("c2", "m1", "城关支行", "非授信"),
            ("c3", "m3", "城南支行", "线上授信"),
            ("c4", "m2", "城关支行", "线上授信"),
            ("c5", "m3", "城南支行", "线上授信"),
        ],
        "2026-05": [
            ("c1", "m1", "城关支行", "线下授信"),
            ("c3", "m3", "城南支行", "线上授信"),
            ("c4", "m2", "城关支行", "线上授信"),
            ("c5", "m3", "城南支行", "线上授信"),
            ("c6", "m2", "城关支行", "线下授信"),
            ("c7", "m2", "城关支行", "线上授信"),
        ],
    }
    snapshots["2026-06"] = snapshots["2026-05"] + [(f"c{i}", "m1", "城关支行", "非授信") for i in range(8, 20)]
    for month, rows in snapshots.items():
        for customer_id, manager_id, branch, segment in rows:
            con.execute(
                """insert into customers (month, customer_id, customer_name, manager_id, branch, segment)
                   values ($m, $c, '某某商贸有限公司', $mg, $b, $s)""",
                {"m": month, "c": customer_id, "mg": manager_id, "b": branch, "s": segment},
            )


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = store.connect(tmp_path_factory.mktemp("campaign") / "campaign.duckdb")
    _populate(connection)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def cal():
    return periods.load_calendar("1-3,4-6,7-9,10-12", "4,3,3,2")


def _row(frame, phase, measure):
    rows = frame[(frame["phase"] == phase) & (frame["measure"] == measure)]
    assert len(rows) == 1, (phase, measure)
    return rows.iloc[0]


def test_default_calendar_from_settings():
    cal = periods.load_calendar()
    assert [p.name for p in cal.phases] == ["开门红", "促提升", "调结构", "抓储备"]
    assert [(p.start_month, p.end_month) for p in cal.phases] == [(1, 3), (4, 6), (7, 9), (10, 12)]
    assert cal.weights_text() == "4:3:3:2"
    assert [cal.share(n) for n in (1, 2, 3, 4)] == [Decimal(4) / 12, Decimal(3) / 12, Decimal(3) / 12, Decimal(2) / 12]
    assert [cal.cumulative_share(n) for n in (1, 2, 3, 4)] == [Decimal(4) / 12, Decimal(7) / 12, Decimal(10) / 12, 1]
    assert cal.phases[0].rank_measures == ("新增存款", "新开户数", "新增代发户数")
    assert cal.phases[0].label == "一阶段 开门红"
    assert cal.phase_of("2026-05").number == 2


@pytest.mark.parametrize(
    "months, weights, message",
    [
        ("1-3,5-12", "1,1", "依次相接"),
        ("1-3,4-6,7-9", "1,1,1", "12月"),
        ("1-3,4-6,7-9,10-12", "4,3,3", "一一对应"),
        ("1-3,4-6,7-9,10-12", "4,3,0,2", "正数"),
        ("一季度", "1", "无法识别"),
    ],
)
def test_bad_calendar_is_refused_in_chinese(months, weights, message):
    with pytest.raises(ValueError, match=message):
        periods.load_calendar(months, weights)


@pytest.mark.parametrize(
    "month, phase_no, expected",
    [
        ("2026-05", 2, 61 / 91),
        ("2026-04", 2, 30 / 91),
        ("2026-06", 2, 1.0),
        ("2026-03", 2, 0.0),
        ("2026-12", 2, 1.0),
        ("2024-02", 1, 60 / 91),  # leap year: 31 + 29 of 31 + 29 + 31
    ],
)
def test_time_progress_within_a_phase(cal, month, phase_no, expected):
    assert periods.phase_progress(month, cal.phases[phase_no - 1]) == pytest.approx(expected)


def test_progress_query_params_are_bound_not_pasted():
    query = queries.get("campaign_progress")
    kinds = {name: param.kind for name, param in query.spec.items()}
    assert kinds["month"] == queries.SCOPE and kinds["branch"] == queries.OPTIONAL
    # The calendar and the default targets are the settings', filled by the registry.
    assert query.settings_driven == {
        "phase_names",
        "phase_starts",
        "phase_ends",
        "phase_weights",
        "default_offline",
        "default_online",
        "default_non_credit",
        "default_total",
    }
    assert "4:3:3:2" not in query.sql and "开门红" not in query.sql


def test_progress_shape_and_phase_split(con, cal):
    frame = campaign.progress(con, MONTH, None, cal)
    assert len(frame) == 4 * 9
    assert list(frame["phase"].unique()) == [1, 2, 3, 4]
    assert list(frame.loc[frame["phase"] == 1, "measure"]) == list(campaign.MEASURES)
    assert list(frame.loc[frame["measure"] == "新开户数", "phase_name"]) == ["开门红", "促提升", "调结构", "抓储备"]
    accounts = frame[frame["measure"] == "新开户数"]
    assert list(accounts["target"]) == [400, 300, 300, 200]
    assert list(accounts["cumulative_target"]) == [400, 700, 1000, 1200]
    assert set(accounts["target_source"]) == {"条线目标"}  # the 2025 target is not this year's


def test_time_progress_column(con, cal):
    frame = campaign.progress(con, MONTH, None, cal)
    accounts = frame[frame["measure"] == "新开户数"]
    assert list(accounts["time_progress"]) == pytest.approx([1.0, 61 / 91, 0.0, 0.0])
    assert list(accounts["days_elapsed"]) == [90, 61, 0, 0]
    assert list(accounts["days_in_phase"]) == [90, 91, 92, 92]


def test_activity_actuals_and_completion(con, cal):
    frame = campaign.progress(con, MONTH, None, cal)
    phase1, phase2 = _row(frame, 1, "新开户数"), _row(frame, 2, "新开户数")
    assert phase1["actual"] == 100 and phase1["cumulative_actual"] == 100
    assert phase1["completion"] == pytest.approx(0.25)
    assert phase1["progress_gap"] == pytest.approx(0.25 - 1.0)
    # the June activity (99 accounts) is after the data month; 2025's is last year
    assert phase2["actual"] == 25 and phase2["cumulative_actual"] == 125
    assert phase2["completion"] == pytest.approx(25 / 300)
    assert phase2["progress_gap"] == pytest.approx(25 / 300 - 61 / 91)
    assert phase2["cumulative_completion"] == pytest.approx(125 / 700)
    later = frame[(frame["phase"] >= 3) & (frame["measure"] == "新开户数")]
    assert later["actual"].isna().all() and later["completion"].isna().all()
    deposits = _row(frame, 1, "新增存款")
    assert deposits["actual"] == Decimal("1500000.50")
    assert isinstance(deposits["actual"], Decimal)
    assert deposits["annual_target"] == Decimal("12000000.00")
    assert deposits["target_source"] == "支行目标合计"
    assert deposits["target"] == Decimal("4000000.00")
    loans = _row(frame, 2, "新增贷款")
    assert loans["actual"] == Decimal("1300000.00")
    assert loans["target"] is None and loans["completion"] != loans["completion"]  # no target → none


def test_count_actuals_are_increases_over_the_phase(con, cal):
    frame = campaign.progress(con, MONTH, None, cal)
    # 2025-12: 1 线下, 1 线上, 1 非授信; 2026-03: 1, 3, 1; 2026-05: 2, 4, 0
    expected = {
        "线下授信户数": (0, 1),
        "线上授信户数": (2, 1),
        "非授信户数": (0, -1),
        "管户数": (2, 1),
    }
    for measure, (first, second) in expected.items():
        assert _row(frame, 1, measure)["actual"] == first, measure
        assert _row(frame, 2, measure)["actual"] == second, measure
        assert _row(frame, 2, measure)["cumulative_actual"] == first + second, measure
        assert _row(frame, 2, measure)["baseline_month"] == "2025-12"
    total = _row(frame, 1, "管户数")
    # no uploaded target: 100 per customer manager × 2 (m1, m2; the team lead m3 and the
    # 分管行长 get no default target, as on the overview and the mix page) = 200,
    # less the 3 accounts at the previous year-end
    assert total["target_level"] == 200 and total["baseline_count"] == 3
    assert total["annual_target"] == 197 and total["target"] == Decimal("65.67")
    assert _row(frame, 2, "管户数")["cumulative_target"] == Decimal("114.92")
    assert total["target_source"].startswith("默认目标")
    online = _row(frame, 1, "线上授信户数")
    assert online["target_source"] == "客户经理目标合计"
    assert online["target_level"] == 40 and online["annual_target"] == 39 and online["target"] == 13


def test_actuals_stop_at_the_data_month(con, cal):
    march = campaign.progress(con, "2026-03", None, cal)
    assert _row(march, 1, "新开户数")["actual"] == 100
    assert _row(march, 1, "管户数")["actual"] == 2
    assert _row(march, 2, "新开户数")["actual"] is None
    assert _row(march, 2, "新开户数")["time_progress"] == 0
    june = campaign.progress(con, "2026-06", None, cal)
    assert _row(june, 2, "新开户数")["actual"] == 25 + 99
    assert _row(june, 2, "管户数")["actual"] == 1 + 12


def test_branch_scope_targets_and_actuals(con, cal):
    frame = campaign.progress(con, MONTH, "城关支行", cal)
    accounts = _row(frame, 1, "新开户数")
    assert accounts["actual"] == 80
    assert accounts["target"] is None  # only a line-level target: a sub-branch gets none
    deposits = _row(frame, 1, "新增存款")
    assert deposits["target_source"] == "支行目标"
    assert deposits["target"] == Decimal("2666666.67")  # 8,000,000 × 4/12
    assert _row(frame, 2, "新增存款")["cumulative_target"] == Decimal("4666666.67")  # × 7/12
    total = _row(frame, 1, "管户数")
    assert total["target_level"] == 200 and total["baseline_count"] == 2 and total["annual_target"] == 198
    assert _row(frame, 1, "线上授信户数")["target_level"] == 20


def test_custom_calendar_and_weights(con):
    cal = periods.load_calendar("1-2,3-6,7-9,10-12", "3:3:3:3", names="甲,乙,丙,丁")
    frame = campaign.progress(con, MONTH, None, cal)
    accounts = frame[frame["measure"] == "新开户数"]
    assert list(accounts["phase_name"]) == ["甲", "乙", "丙", "丁"]
    assert list(accounts["target"]) == [300, 300, 300, 300]
    assert list(accounts["cumulative_target"]) == [300, 600, 900, 1200]
    assert list(accounts["actual"][:2]) == [50, 75]
    # phase 2 runs 2026-03-01..06-30 (122 days); 92 have passed at 2026-05-31
    assert list(accounts["time_progress"]) == pytest.approx([1.0, 92 / 122, 0.0, 0.0])
    assert periods.phase_progress(MONTH, cal.phases[1]) == pytest.approx(92 / 122)
    total = frame[frame["measure"] == "管户数"]
    assert list(total["actual"][:2]) == [0, 3]  # no snapshot in Jan–Feb: phase 1 ends on 2025-12
    assert cal.phase_of(MONTH).name == "乙"


def test_five_phases_work():
    cal = periods.load_calendar("1-2,3-4,5-6,7-9,10-12", "1,1,1,1,1")
    assert [p.label for p in cal.phases][-1] == "五阶段 第5阶段"
    assert cal.cumulative_share(5) == 1


def test_baseline_falls_back_to_earliest_month_of_year(tmp_path, cal):
    connection = store.connect(tmp_path / "no_year_end.duckdb")
    _populate(connection)
    connection.execute("delete from customers where month = '2025-12'")
    frame = campaign.progress(connection, MONTH, None, cal)
    total1, total2 = _row(frame, 1, "管户数"), _row(frame, 2, "管户数")
    assert total1["baseline_month"] == "2026-03" and total1["baseline_count"] == 5
    assert total1["actual"] == 0 and total2["actual"] == 1
    connection.close()


def test_ranking_sub_branches_and_managers(con, cal):
    phase1 = cal.phases[0]
    results = campaign.phase_results(con, MONTH, phase1)
    branches = campaign.ranking(results, phase1.rank_measures, "branch")
    assert list(branches["branch"]) == ["城关支行", "城南支行"]
    assert list(branches["place"]) == [1, 2]
    assert list(branches["新增存款"]) == [Decimal("1000000.00"), Decimal("500000.50")]
    assert list(branches["新开户数"]) == [80, 20]
    managers = campaign.ranking(results, phase1.rank_measures, "manager")
    # places per measure: deposits m1 1, m3 2, m2 3; accounts m2 1, m1 2, m3 3; payroll m2 1, m1 2, m3 3
    # the 分管行长 on the roster has no results and does not rank; m1 and m2 tie on the average
    # place and the first theme measure (deposits) puts m1 first
    assert list(managers["manager_id"]) == ["m1", "m2", "m3"]
    assert list(managers["average_place"]) == [1.67, 1.67, 2.67]
    assert list(managers["place"]) == [1, 1, 3]
    assert managers.loc[0, "manager_name"] == "张三"


def test_ranking_count_increase_matches_progress(con, cal):
    phase2 = cal.phases[1]
    results = campaign.phase_results(con, MONTH, phase2)
    managers = campaign.ranking(results, ("线上授信户数", "新增贷款"), "manager")
    assert dict(zip(managers["manager_id"], managers["线上授信户数"])) == {"m1": 0, "m2": 1, "m3": 0}
    # the manager-less activity's loans count for its sub-branch only
    branches = campaign.ranking(results, ("新开基本户数", "新增贷款"), "branch")
    assert dict(zip(branches["branch"], branches["新增贷款"])) == {
        "城关支行": Decimal("300000.00"),
        "城南支行": Decimal("1000000.00"),
    }
    progress_frame = campaign.progress(con, MONTH, None, cal)
    for measure in campaign.MEASURES:
        total = results.loc[results["measure"] == measure, "value"].sum()
        assert total == _row(progress_frame, 2, measure)["actual"], measure


def test_activities_types_and_summaries(con, cal):
    acts = campaign.activities(con, MONTH, None, cal)
    assert list(acts["activity_name"]) == [
        "小企业条线峰会",
        "园区新春联谊活动",
        "开门红冲刺营销动员会议",
        '"园区行"专项推动会议',
        "金融沙龙",
    ]
    assert list(acts["activity_type"]) == ["会议", "宣传", "会议", "会议", "沙龙"]
    assert list(acts["phase"]) == [1, 1, 1, 2, 2]
    assert acts.loc[0, "manager_name"] == "张三"
    by_type = campaign.activity_summary(acts, "activity_type")
    assert list(by_type["activity_type"]) == ["会议", "宣传", "沙龙"]
    assert list(by_type["activities"]) == [3, 1, 1]
    assert by_type.loc[0, "new_accounts"] == 90 and by_type.loc[0, "new_loans"] == Decimal("2300000.00")
    by_month = campaign.activity_summary(acts, "month")
    assert list(by_month["month"]) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]


def test_plan_held_missed_upcoming(con, cal):
    acts = campaign.activities(con, MONTH, None, cal)
    status = campaign.plan_status(acts, MONTH, cal)
    assert len(status) == len(plans.activity_plan()) == 27
    by_name = {(r.month, r.planned_name): r.status for r in status.itertuples()}
    assert by_name[("2026-01", "小企业条线峰会")] == "已举办"
    assert by_name[("2026-01", "存款、代发业务专项推动会议")] == "未举办"
    assert by_name[("2026-02", "园区新春联谊活动")] == "已举办"
    assert by_name[("2026-03", "开门红冲刺营销动员会议")] == "已举办"
    assert by_name[("2026-03", "员工“双提升”计划")] == "未举办"
    assert by_name[("2026-04", "“园区行”专项推动会议")] == "已举办"  # other quotes, same activity
    assert by_name[("2026-05", "促提升专项推动会议")] == "未举办"
    assert by_name[("2026-06", "“园区行”总结会议")] == "待举办"  # held in June, but June is after the data month
    assert (status["status"] == "已举办").sum() == 4
    assert (status["status"] == "未举办").sum() == 7


def test_months_without_any_activity_data(tmp_path, cal):
    connection = store.connect(tmp_path / "no_q1_activities.duckdb")
    _populate(connection)
    connection.execute("delete from activities where month between '2026-01' and '2026-03'")
    frame = campaign.progress(connection, MONTH, None, cal)
    # nothing stored for phase 1: no actual (not loaded), but the counts still have theirs
    assert _row(frame, 1, "新开户数")["actual"] is None
    assert _row(frame, 1, "管户数")["actual"] == 2
    assert _row(frame, 2, "新开户数")["actual"] == 25
    # a sub-branch with no activities where others have some did hold none: 0
    assert _row(campaign.progress(connection, MONTH, "城北支行", cal), 2, "新开户数")["actual"] == 0
    assert campaign.activity_months(connection, MONTH) == {"2026-04", "2026-05"}
    acts = campaign.activities(connection, MONTH, None, cal)
    status = campaign.plan_status(acts, MONTH, cal, months_with_data=campaign.activity_months(connection, MONTH))
    assert set(status.loc[status["month"] <= "2026-03", "status"]) == {"无活动数据"}
    assert set(status.loc[status["month"] == "2026-05", "status"]) == {"未举办"}
    connection.close()


def test_timeline_figure(con, cal):
    acts = campaign.activities(con, MONTH, None, cal)
    status = campaign.plan_status(acts, MONTH, cal)
    fig = campaign.timeline_figure(cal, MONTH, acts, status)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.base[0] for t in bars] == ["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"]
    assert [t.x[0] for t in bars] == [90 * 86_400_000, 91 * 86_400_000, 92 * 86_400_000, 92 * 86_400_000]
    assert "一阶段 开门红" in bars[0].text[0]
    held = [t for t in fig.data if t.type == "scatter" and t.name.startswith("已举办")]
    assert sum(len(t.x) for t in held) == 5
    plan = [t for t in fig.data if t.type == "scatter" and t.name.startswith("计划活动")]
    assert sum(len(t.x) for t in plan) == 27
    assert fig.layout.shapes[0].x0 == "2026-05-31" and fig.layout.shapes[0].x1 == "2026-05-31"
    assert fig.layout.xaxis.range == ("2026-01-01", "2026-12-31")


def test_phase_table_for_display(con, cal):
    frame = campaign.progress(con, MONTH, None, cal)
    counts = campaign.phase_table(frame, 2, "count")
    assert list(counts["measure"]) == ["新开户数", "新开基本户数", "新增代发户数", *plans.COUNT_MEASURES]
    assert counts.loc[counts["measure"] == "管户数", "target"].iloc[0] == 49  # 197 × 3/12 = 49.25 rounded
    amounts = campaign.phase_table(frame, 2, "wan")
    assert list(amounts["measure"]) == ["新增存款", "新增贷款"]
    assert amounts.loc[1, "target_source"] == "无目标"
    assert set(campaign.phase_table_columns("wan")) <= set(amounts.columns)


def test_completion_matrix(con, cal):
    frame = campaign.progress(con, MONTH, None, cal)
    matrix, columns = campaign.completion_matrix(frame, cal)
    assert list(matrix["measure"]) == list(campaign.MEASURES)
    assert list(columns) == ["measure", "phase_1", "phase_2", "phase_3", "phase_4"]
    accounts = matrix.iloc[0]
    assert accounts["phase_1"] == pytest.approx(0.25) and accounts["phase_2"] == pytest.approx(25 / 300)
    assert accounts["phase_3"] is None


def test_summary_workbook_in_training_mode_for_one_branch(con, cal):
    data = campaign_summary.summary_xlsx(con, MONTH, "城关支行", None, cal, training=True)
    book = openpyxl.load_workbook(io.BytesIO(data))
    notes = {item: content for item, content, _ in book["说明"].iter_rows(min_row=3, values_only=True)}
    assert notes["范围"] == "城关支行" and notes["阶段"].startswith("二阶段 促提升")
    branches = [r[1] for r in book["支行排名"].iter_rows(min_row=3, values_only=True)]
    assert branches == ["城关支行"]
    managers = [r[3] for r in book["客户经理排名"].iter_rows(min_row=3, values_only=True)]
    assert sorted(managers) == ["张三", "李四"]  # employees' names are not masked


def test_summary_workbook_reads_back(con, cal):
    data = campaign_summary.summary_xlsx(con, MONTH, None, cal.phases[0], cal)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "说明",
        "阶段进度",
        "支行排名",
        "客户经理排名",
        "活动明细",
        "活动按类型",
        "活动按月份",
        "活动计划执行",
    ]
    assert book["阶段进度"]["A1"].value.startswith("一阶段 开门红 各阶段目标与完成（数据月份：2026-05")
    progress_rows = list(book["阶段进度"].iter_rows(min_row=2, values_only=True))
    header = progress_rows[0]
    assert len(progress_rows) == 1 + 36
    rows = {(r[0], r[header.index("指标")]): dict(zip(header, r)) for r in progress_rows[1:]}
    accounts = rows[("二阶段 促提升", "新开户数")]
    assert (accounts["阶段目标"], accounts["阶段完成"], accounts["单位"]) == (300, 25, "户")
    assert accounts["阶段序时进度"] == pytest.approx(61 / 91)
    deposits = rows[("一阶段 开门红", "新增存款")]
    assert deposits["单位"] == "万元" and deposits["阶段完成"] == pytest.approx(150.0) and deposits["阶段目标"] == 400
    assert rows[("三阶段 调结构", "新开户数")]["阶段完成"] is None
    ranking_rows = list(book["支行排名"].iter_rows(min_row=2, values_only=True))
    assert ranking_rows[0][:2] == ("名次", "支行")
    assert [r[1] for r in ranking_rows[1:]] == ["城关支行", "城南支行"]
    assert "新增存款(万元)" in ranking_rows[0]
    assert ranking_rows[1][ranking_rows[0].index("新增存款(万元)")] == 100
    manager_rows = list(book["客户经理排名"].iter_rows(min_row=3, values_only=True))
    assert [r[3] for r in manager_rows] == ["张三", "李四", "王五"]
    activity_rows = list(book["活动明细"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in activity_rows[1:]] == ["小企业条线峰会", "园区新春联谊活动", "开门红冲刺营销动员会议"]
    assert activity_rows[1][0].date() == date(2026, 1, 15)
    plan_rows = list(book["活动计划执行"].iter_rows(min_row=3, values_only=True))
    assert len(plan_rows) == 7  # the plan's entries for January–March
    notes = {item: (content, value) for item, content, value in book["说明"].iter_rows(min_row=3, values_only=True)}
    assert notes["目标分配权重"][0] == "4:3:3:2" and notes["范围"][0] == "全条线"
    # The phase's time progress is a number (was the text '66.3%'), formatted as a percentage.
    assert notes["阶段序时进度"][1] == pytest.approx(periods.phase_progress(MONTH, cal.phases[0]))
    assert book["说明"]["C" + str(3 + list(notes).index("阶段序时进度"))].number_format == "0.0%"


def test_summary_workbook_without_any_data(tmp_path, cal):
    connection = store.connect(tmp_path / "empty.duckdb")
    data = campaign_summary.summary_xlsx(connection, MONTH, None, None, cal)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["活动明细"].max_row == 2  # title and header
    assert book["阶段进度"].max_row == 2 + 36
    connection.close()


def _dataframe(at, has: str, first_value: str | None = None, also: str | None = None):
    """The first table on the page with column ``has`` (and that value in its first row, and column ``also``)."""
    for element in at.dataframe:
        frame = element.value
        if also is not None and also not in frame.columns:
            continue
        if has in frame.columns and (first_value is None or (len(frame) and frame[has].iloc[0] == first_value)):
            return frame
    raise AssertionError(f"no table with {has}={first_value}")


def test_page_runs_on_the_demo_bank(apptest_env, demo_facts, demo_template):
    from streamlit.testing.v1 import AppTest

    latest = demo_facts["latest"]
    cal = periods.load_calendar()
    phase = cal.phase_of(latest)
    template = duckdb.connect(str(demo_template), read_only=True)
    try:
        expected = campaign.progress(template, latest, None, cal)
        acts = campaign.activities(template, latest, None, cal)
    finally:
        template.close()

    at = AppTest.from_file(str(ROOT / "pages" / "campaign.py"), default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"当前阶段 · {phase.label.split(' ')[0]}"] == phase.name
    assert metrics["阶段序时进度"] == fmt.pct(periods.phase_progress(latest, phase))
    assert metrics["本阶段已举办活动"] == f"{int((acts['phase'] == phase.number).sum())} 场"
    counts = _dataframe(at, "measure", "新开户数", also="cumulative_target")
    assert list(counts["measure"]) == ["新开户数", "新开基本户数", "新增代发户数", *plans.COUNT_MEASURES]
    want = _row(expected, phase.number, "新开户数")
    assert counts.loc[0, "actual"] == want["actual"]
    assert counts.loc[0, "target"] == want["target"].quantize(Decimal(1), rounding=ROUND_HALF_UP)  # whole accounts
    amounts = _dataframe(at, "measure", "新增存款", also="cumulative_target")
    assert list(amounts["measure"]) == ["新增存款", "新增贷款"]
    # ui.table shows amounts in 万元
    assert amounts.loc[0, "actual"] == pytest.approx(
        float(_row(expected, phase.number, "新增存款")["actual"]) / 10_000, abs=0.005
    )
    assert len(_dataframe(at, "activity_name")) == len(acts)
    assert any(b.label.startswith(f"下载{phase.name}阶段总结") for b in at.get("download_button"))

    # another phase: the tables follow the choice
    other = 1 if phase.number != 1 else 2
    at.button_group(key="campaign_phase").set_value(other).run()
    assert not at.exception
    subheaders = [s.value for s in at.subheader]
    assert f"{cal.phases[other - 1].label} 排名" in subheaders


def test_page_for_one_sub_branch(apptest_env, demo_facts):
    from streamlit.testing.v1 import AppTest

    branch = demo_facts["branches"][0]
    at = AppTest.from_file(str(ROOT / "pages" / "campaign.py"), default_timeout=60)
    at.query_params["branch"] = branch
    at.run()
    assert not at.exception
    assert any(branch in s.value for s in at.subheader)
    ranking = _dataframe(at, "place")
    assert set(ranking["branch"]) == {branch}


def test_page_with_a_custom_calendar(apptest_env, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PUHUI_PHASE_MONTHS", "1-2,3-6,7-9,10-12")
    monkeypatch.setenv("PUHUI_PHASE_WEIGHTS", "3,3,3,3")
    at = AppTest.from_file(str(ROOT / "pages" / "campaign.py"), default_timeout=60).run()
    assert not at.exception
    assert any("**3:3:3:3**" in m.value for m in at.markdown)  # the 如何看本页 panel
    captions = " ".join(c.value for c in at.caption)
    assert "阶段目标占全年 25.0%" in captions


def test_page_reports_a_bad_calendar(apptest_env, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PUHUI_PHASE_MONTHS", "1-3,5-12")
    at = AppTest.from_file(str(ROOT / "pages" / "campaign.py"), default_timeout=60).run()
    assert not at.exception
    assert any("阶段设置有误" in e.value for e in at.error)
