"""The one place for the app's own defaults.

Each setting has a name, a default and a line of help (datasette's ``Setting``).
A value can be overridden by an environment variable ``PUHUI_<NAME>`` (upper case).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = ROOT / "queries"
DATA_DIR = ROOT / "data"


@dataclass(frozen=True)
class Setting:
    """A named default with a line of help."""

    name: str
    default: Any
    help: str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("db", str(DATA_DIR / "puhui.duckdb"), "DuckDB 数据库文件路径（--db 或 PUHUI_DB 优先）"),
        Setting("max_rows", 1_048_576, "单个工作表允许的最大行数，超过即拒绝导入"),
        Setting("max_cols", 300, "单个工作表允许的最大列数，超过即拒绝导入"),
        Setting(
            "max_cells", 10_000_000, "单个工作表允许的最大单元格数（行数×列数，按从 A1 起的范围计），超过即拒绝导入"
        ),
        Setting(
            "max_upload_bytes",
            100 * 1024 * 1024,
            "单个文件的最大字节数（与 .streamlit/config.toml 的 server.maxUploadSize 一致）",
        ),
        Setting("max_unzipped_bytes", 1024 * 1024 * 1024, "xlsx 解压后总字节数上限（防 zip 炸弹）"),
        Setting("max_zip_ratio", 200, "xlsx 中单个部件的最大压缩比（防 zip 炸弹）"),
        Setting(
            "parse_memory_mb",
            1200,
            "解析上传文件的工作进程的内存上限（MB，地址空间）；连同服务器自身的开销，一次拒绝不超过 1.5 GB",
        ),
        Setting("parse_timeout_s", 50, "解析一个上传文件的时间上限（秒），超时即中止工作进程并拒绝该文件"),
        Setting("parse_workers", 2, "同时解析上传文件的工作进程数上限（其余排队等候）"),
        Setting(
            "max_amount_yuan",
            100_000_000_000,
            "单个金额的绝对值上限（元，默认 1,000 亿元）：超过即作为行错误拒绝（多为把账号、证件号误填进金额列）",
        ),
        Setting("header_scan_rows", 30, "在前多少行中寻找表头"),
        Setting("total_tolerance_units", "0.01", "合计行与明细之和允许的差额（按原单位计，如 0.01 万元）"),
        Setting("target_offline", 25, "每名客户经理线下授信户目标"),
        Setting("target_online", 30, "每名客户经理线上授信户目标"),
        Setting("target_non_credit", 50, "每名客户经理非授信户目标"),
        Setting("target_total", 100, "每名客户经理管户总数目标（25+30+50 相加为 105，种子文本取 100）"),
        Setting("target_loans_per_manager", 100_000_000, "每名客户经理贷款（资产）目标，元"),
        Setting("target_deposits_per_manager", 100_000_000, "每名客户经理存款（负债）目标，元"),
        Setting("overloaded_accounts", 300, "管户数超过此值视为超负荷"),
        Setting("bottom_group_share", 0.25, "集训营：按管户总数排名最后的比例"),
        Setting(
            "evaluation_weights",
            "管户数=10,管户结构=10,贷款增长=15,存款增长=15,活动成效=5,三小一卡=5,逾期率=10,"
            "电话走访=5,上门走访=5,异动上门=5,活动举办=5,网格深耕=5,名单跟进=5",
            "考核评价：各指标的权重（指标=权重，逗号分隔；结果指标 70、行为指标 30）；上传的考核方案按年度、支行覆盖",
        ),
        Setting("evaluation_activities_target", 1, "考核评价：每名客户经理每月应举办的营销活动场数（月月有活动）"),
        Setting(
            "evaluation_results_target",
            5,
            "考核评价：每名客户经理每月活动带来的新开户、新开基本户、新增代发户数之和的目标",
        ),
        Setting(
            "evaluation_coverage_target",
            0.5,
            "考核评价：客户经理名下客户中使用三小一卡（票据贴现、国际结算、现金管理、信用卡）任一产品的占比目标，0–1",
        ),
        Setting(
            "phase_weights",
            None,
            "改用另一套阶段日历时：各阶段的年度目标分配权重，如 4,3,3,2（留空用 puhui/plans.py 的阶段计划）",
        ),
        Setting(
            "phase_months",
            None,
            "改用另一套阶段日历时：各阶段的月份，如 1-3,4-6,7-9,10-12（留空用 puhui/plans.py 的阶段计划）",
        ),
        Setting("visit_threshold_manager", 1_000_000, "时点存款新增超过此额（元）需客户经理上门"),
        Setting("visit_threshold_lead", 2_000_000, "时点存款新增超过此额（元）需团队负责人及以上上门"),
        Setting("visit_threshold_vp", 5_000_000, "时点存款新增超过此额（元）需分管行长上门"),
        Setting("deviation_threshold", 0.03, "存款偏离度（月末余额相对月日均）的预警线"),
        Setting("penetration_low", 0.05, "渗透率低于此值的网格列为缺口"),
        Setting("stale_weeks", 4, "网格多少周无活动或拜访列为缺口"),
        Setting("basemap_style", "", "内网底图样式 URL；留空则不加载任何底图"),
        Setting("grid_radius_m", 600, "网格表无边界时，以中心点为圆心画圆的半径（米）"),
        Setting("density_h3_res", 8, "网格外客户密度图的 H3 分辨率（8 约为边长 0.5 公里的六边形）"),
        Setting(
            "map_max_points", 3000, "网格地图最多画出的客户点数，超过则按固定种子抽样显示（每次交互都要把点传给浏览器）"
        ),
        Setting("db_memory_limit", "4GB", "DuckDB 可用内存上限（超过时溢出到临时文件或报错，不拖垮服务器）"),
        Setting("db_threads", 4, "DuckDB 查询线程数上限（不超过本机核数）"),
        Setting(
            "users_file",
            str(DATA_DIR / "users.toml"),
            "登录用户及角色文件（启用登录时按此文件授权，未列出的账号一律拒绝）",
        ),
        Setting("training_mode", False, "培训演示模式：脱敏显示个人信息（PUHUI_TRAINING_MODE=1 强制开启）"),
        Setting("up_is_red", True, "增加显示为红色、减少为绿色（中国财务报表惯例）"),
        Setting(
            "table_max_rows",
            1000,
            "页面表格最多显示的行数（下载的 Excel 含全部行；每多一行，每次交互都要多传给浏览器）",
        ),
        Setting("mask_keep_id", "1,2", "脱敏：证件号码（身份证、统一社会信用代码）保留前几位、后几位"),
        Setting("mask_keep_phone", "3,4", "脱敏：电话号码保留前几位、后几位"),
        Setting("mask_keep_account", "6,4", "脱敏：账号、卡号保留前几位、后几位"),
        Setting("mask_employee_names", False, "培训演示模式下也遮盖客户经理姓名（如“集训营”名单旁的姓名）"),
        Setting("mask_keep_customer", "2,2", "脱敏：客户号保留前几位、后几位（培训演示模式下客户号也脱敏）"),
        Setting("mask_min_hidden", 4, "脱敏：号码类至少遮盖的位数（过短的号码少保留）"),
        Setting("prospect_min_deposit", 500_000, "无贷转有贷：非授信客户月末存款达到此额（元）列为贷款潜客"),
        Setting("prospect_maturity_days", 90, "到期清单：数据月末起多少天内到期的贷款"),
        Setting("prospect_dormant_months", 3, "睡眠客户：连续多少个月无余额、无产品"),
        Setting("prospect_payroll_deposit", 300_000, "产品缺口：企业客户存款达到此额（元）未代发工资列为代发缺口"),
        Setting(
            "prospect_cash_mgmt_deposit", 1_000_000, "产品缺口：企业客户结算存款达到此额（元）未开通现金管理列为缺口"
        ),
        Setting("prospect_candidates", 5, "均衡发展清单：每个缺口列出的候选客户数"),
        Setting(
            "phase_names",
            None,
            "改用另一套阶段日历时：各阶段名称，按阶段顺序以逗号分隔，如 开门红,促提升,调结构,抓储备",
        ),
        Setting(
            "phase_themes",
            None,
            "改用另一套阶段日历时：各阶段工作主题，按阶段顺序以 ; 分隔（留空用 puhui/plans.py 的种子001“每阶段工作主题”）",
        ),
        Setting(
            "phase_rank_measures",
            None,
            "改用另一套阶段日历时：各阶段排名所用的主题指标（合同指标名），阶段之间以 ; 分隔，阶段内以逗号分隔",
        ),
        Setting(
            "activity_types",
            None,
            "改用另一套活动分类时：类型:关键词/关键词，类型之间以 ; 分隔，先匹配者优先，都不匹配为“其他”（留空用 puhui/plans.py）",
        ),
        Setting(
            "activity_plan",
            None,
            "改用另一份月度活动计划时：月份|活动名称|匹配关键词（/分隔），条目以 ; 分隔；同月活动名称含活动名称或任一关键词即视为已举办（留空用 puhui/plans.py 的种子001表2）",
        ),
        Setting(
            "deposit_source_main_share",
            0.5,
            "存款来源（表6）：某类存款来自其目标客户的占比低于此值即列为偏离（“以……为主”）",
        ),
        Setting("deposit_top_movers", 10, "存款结构：增加、减少最多的客户各列出多少户"),
        Setting(
            "deposit_list_top_n",
            500,
            "存款结构：全条线或全支行的客户清单（未按月拜访、结算未达标、偏离度超线）各列出最严重的多少户；选客户经理看其完整清单",
        ),
        Setting("goal_line_managers", 50, "“四个5”：条线客户经理人数目标"),
        Setting("goal_line_loans", 5_000_000_000, "“四个5”：条线资产（贷款）规模目标，元"),
        Setting("goal_line_deposits", 5_000_000_000, "“四个5”：条线负债（存款）规模目标，元"),
        Setting("goal_line_accounts", 5000, "“四个5”：条线管户数目标"),
        Setting("interim_line_loans", 4_000_000_000, "本年度过渡目标：条线资产（贷款）规模，元"),
        Setting("interim_line_deposits", 4_000_000_000, "本年度过渡目标：条线负债（存款）规模，元"),
        Setting("interim_line_accounts", 4000, "本年度过渡目标：条线管户数"),
        Setting("interim_manager_loans", 80_000_000, "本年度过渡目标：客户经理人均资产（贷款），元"),
        Setting("interim_manager_deposits", 80_000_000, "本年度过渡目标：客户经理人均负债（存款），元"),
        Setting("interim_manager_accounts", 80, "本年度过渡目标：客户经理人均管户数"),
        Setting(
            "prospect_list_limit", 2000, "存量客户深挖：未选客户经理时每张清单列出的行数（选定客户经理后列出全部）"
        ),
        Setting("prospect_per_manager", 200, "存量客户深挖：未选客户经理时均衡发展每位客户经理每类列出的候选客户数"),
        Setting(
            "overdue_control_rate",
            0.03,
            "资产质量：逾期欠息率（逾期欠息金额 ÷ 贷款余额）的控制目标，0–1（种子 001 按年度控制目标，默认 3%），"
            "客户经理、支行和全条线的逾期率高于此值即标为超控",
        ),
    ]
}


def get(name: str) -> Any:
    """Return a setting's value: the environment variable ``PUHUI_<NAME>`` if set, else the default."""
    setting = SETTINGS[name]
    raw = os.environ.get(f"PUHUI_{name.upper()}")
    if raw is None or raw == "":
        return setting.default
    default = setting.default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on", "是"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database path: ``--db``, else ``PUHUI_DB``, else ``data/puhui.duckdb``."""
    if explicit:
        return Path(explicit)
    return Path(get("db"))
