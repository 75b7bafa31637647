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
        Setting("max_rows", 2_000_000, "单个工作表允许的最大行数，超过即拒绝导入"),
        Setting("max_cols", 300, "单个工作表允许的最大列数，超过即拒绝导入"),
        Setting("max_upload_bytes", 200 * 1024 * 1024, "单个文件的最大字节数"),
        Setting("max_unzipped_bytes", 2 * 1024 * 1024 * 1024, "xlsx 解压后总字节数上限（防 zip 炸弹）"),
        Setting("max_zip_ratio", 200, "xlsx 中单个部件的最大压缩比（防 zip 炸弹）"),
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
        Setting("phase_weights", "4,3,3,2", "四个阶段的年度目标分配权重"),
        Setting("phase_months", "1-3,4-6,7-9,10-12", "四个阶段各自的月份"),
        Setting("visit_threshold_manager", 1_000_000, "时点存款新增超过此额（元）需客户经理上门"),
        Setting("visit_threshold_lead", 2_000_000, "时点存款新增超过此额（元）需团队负责人及以上上门"),
        Setting("visit_threshold_vp", 5_000_000, "时点存款新增超过此额（元）需分管行长上门"),
        Setting("deviation_threshold", 0.03, "存款偏离度（月末余额相对月日均）的预警线"),
        Setting("penetration_low", 0.05, "渗透率低于此值的网格列为缺口"),
        Setting("stale_weeks", 4, "网格多少周无活动或拜访列为缺口"),
        Setting("basemap_style", "", "内网底图样式 URL；留空则不加载任何底图"),
        Setting("training_mode", False, "培训演示模式：脱敏显示个人信息（PUHUI_TRAINING_MODE=1 强制开启）"),
        Setting("up_is_red", True, "增加显示为红色、减少为绿色（中国财务报表惯例）"),
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
