"""puhui.periods (months, the calendar, time progress) and puhui.plans (the year's plans as data)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from puhui import campaign, normalize, periods, plans

# The seed's plans as users would write them in a setting (the former defaults, verbatim).
SEED_PLAN_TEXT = (
    "1|小企业条线峰会|条线峰会;1|存款、代发业务专项推动会议|代发业务/存款业务专项;"
    "2|存款业务旺季营销活动|旺季营销;2|园区新春联谊活动|联谊;2|“多开户、多开基本户”活动|多开户/多开基本户;"
    "3|员工“双提升”计划|双提升;3|开门红冲刺营销动员会议|冲刺/动员;"
    "4|“开门红”总结分析会议|总结分析;4|“园区行”专项推动会议|园区行;"
    "5|促提升专项推动会议|促提升;5|员工“双提升”计划(客户经理户外拓展训练)|双提升/拓展训练;"
    "6|“园区行”总结会议|园区行;6|存款总结表彰会议|表彰;"
    "7|上半年条线峰会|条线峰会;7|重点产品总结推动会议|重点产品;"
    "8|“特色产品”集中宣传月活动|特色产品/宣传月;8|员工“双提升”计划(清凉一夏,一线员工高温慰问)|双提升/清凉一夏/高温慰问;"
    "9|全年任务冲刺营销活动|冲刺;9|中秋员工家属答谢活动|中秋/答谢;"
    "10|重点产品总结推动会议|重点产品;10|“线上产品”冲刺营销活动|线上产品;10|员工“双提升”计划(外部机构培训)|双提升/外部机构培训;"
    "11|开门红项目储备活动|项目储备;11|员工“双提升”计划(“营销突击队”强化计划)|双提升/营销突击队;"
    "12|全年条线先进个人及团队评选|先进个人/先进团队;12|“小小银行家”评选活动|小小银行家;12|员工感恩回馈家访活动|家访/感恩回馈"
)
SEED_TYPES_TEXT = (
    "沙龙:沙龙;会议:会议/峰会/推动会/总结会/分析会/动员会;宣传:宣传/宣讲/园区行/进园区/联谊;"
    "营销:营销/开户/代发/冲刺/储备/存款/贷款;员工:双提升/培训/拓展/慰问/答谢/评选/家访/银行家"
)


@pytest.mark.parametrize(
    "month, previous, start",
    [("2026-01", "2025-12", "2025-12"), ("2026-03", "2026-02", "2025-12"), ("2026-12", "2026-11", "2025-12")],
)
def test_previous_month_and_year_start_cross_the_year(month, previous, start):
    assert periods.previous_month(month) == previous
    assert periods.year_start_month(month) == start


def test_month_ends_and_days_of_the_year():
    assert periods.month_end("2028-02") == date(2028, 2, 29)
    assert periods.month_end("2026-02") == date(2026, 2, 28)
    assert periods.year_days("2026-10") == (304, 365)
    assert periods.year_progress("2026-10") == pytest.approx(304 / 365)
    assert periods.year_months("2026-03") == ["2026-01", "2026-02", "2026-03"]
    assert periods.days_before_end("2026-03", 28) == date(2026, 3, 3)
    assert periods.week_monday(date(2026, 10, 1)) == date(2026, 9, 28)  # a Thursday


def test_phase_window_is_dated_and_counted_to_the_data_month():
    window = periods.phase_window("2026-11")
    assert (window.number, window.name) == (4, "四阶段 抓储备")
    assert (window.start, window.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert window.until("2026-11") == date(2026, 11, 30)
    assert window.until("2027-01") == date(2026, 12, 31)
    assert periods.load_calendar().phases[1].months("2026-07") == ["2026-04", "2026-05", "2026-06"]


def test_phase_window_refuses_a_bad_calendar_in_chinese(monkeypatch):
    monkeypatch.setenv("PUHUI_PHASE_MONTHS", "1-3,5-12")
    with pytest.raises(ValueError, match="阶段设置有误"):
        periods.phase_window("2026-04")


def test_the_plans_are_data_equal_to_the_seed_text():
    """The tuples in plans.py are the seed's plan: parsing the text users would write gives the same data."""
    assert plans.parse_activity_plan(SEED_PLAN_TEXT) == plans.ACTIVITY_PLAN == plans.activity_plan()
    assert plans.parse_activity_types(SEED_TYPES_TEXT) == plans.ACTIVITY_TYPES == plans.activity_types()
    assert len(plans.ACTIVITY_PLAN) == 27
    assert plans.phase_plans() is plans.PHASES
    assert [p.weight for p in plans.PHASES] == [Decimal(4), Decimal(3), Decimal(3), Decimal(2)]


def test_settings_still_override_the_plans(monkeypatch):
    monkeypatch.setenv("PUHUI_ACTIVITY_PLAN", "3|春季沙龙|沙龙;4|园区行|园区")
    monkeypatch.setenv("PUHUI_ACTIVITY_TYPES", "路演:路演")
    monkeypatch.setenv("PUHUI_PHASE_NAMES", "甲,乙,丙,丁")
    assert [a.name for a in plans.activity_plan()] == ["春季沙龙", "园区行"]
    assert plans.activity_type("科技园路演") == "路演"
    assert plans.activity_type("客户沙龙") == plans.OTHER_TYPE
    cal = periods.load_calendar()
    assert [p.name for p in cal.phases] == ["甲", "乙", "丙", "丁"]
    # What was not overridden keeps the plan's data.
    assert cal.phases[0].theme == plans.PHASES[0].theme and cal.weights_text() == "4:3:3:2"


def test_a_planned_activity_matches_what_branches_type():
    planned = plans.PlannedActivity(8, "“特色产品”集中宣传月活动", ("特色产品", "宣传月"))
    assert planned.matches("特色产品 集中宣传月活动（城关）")
    assert planned.matches("8月宣传月")
    assert not planned.matches("中秋答谢")
    assert plans.activity_type("园区行专项推动会") == "会议"  # the first rule that matches wins


def test_plan_status_reads_the_plan_data():
    acts = pd.DataFrame({"month": ["2026-01"], "activity_name": ["小企业条线峰会（一季度）"]})
    status = campaign.plan_status(acts, "2026-02", months_with_data={"2026-01", "2026-02"})
    by_name = dict(zip(status["planned_name"], status["status"]))
    assert by_name["小企业条线峰会"] == campaign.HELD
    assert by_name["存款业务旺季营销活动"] == campaign.MISSED
    assert by_name["员工感恩回馈家访活动"] == campaign.UPCOMING
    assert len(status) == len(plans.ACTIVITY_PLAN)


def test_month_arithmetic_and_the_upload_picker_cross_the_year_end():
    assert periods.add_months("2026-12", 1) == "2027-01"
    assert periods.add_months("2026-01", -1) == periods.previous_month("2026-01") == "2025-12"
    assert periods.add_months("2026-05", -17) == "2024-12"
    for today in (date(2026, 11, 30), date(2026, 12, 1), date(2027, 1, 31)):
        stored = ["2019-06", "2026-10"]
        # One copy to come: normalize.month_choices (owned elsewhere) gives the same months.
        assert periods.month_choices(today, stored) == normalize.month_choices(today, stored)
    assert periods.month_choices(date(2026, 12, 1), [])[:2] == ["2027-01", "2026-12"]
