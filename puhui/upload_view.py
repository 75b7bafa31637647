"""What the upload page (数据导入) shows: its frames, messages and decisions, built from an ingest plan,
its results and the ingest log; the page only lays them out.

Training mode: the page masks every frame here with ``ctx.mask`` and every text with
``ctx.mask_text`` (file names and messages may carry an ID or phone number); functions that
word a message take that ``mask_text`` callable. The problems list also masks the customer
names a message quotes (:func:`shown_problems`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import duckdb
import pandas as pd

from . import contract, normalize, store

AUTO_MONTH = "自动识别"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXPLAIN = (
    "上传从核心系统导出的月度报表（xlsx、xls、csv，可一次多个文件、一个工作簿多个工作表）。"
    "系统按表头识别每张表是客户经理、管户明细、网格、营销活动、目标还是拜访记录，"
    "跳过表头上方的标题行、剔除合计行和空行，并把万元、亿元统一换算为元。\n\n"
    "一次确认的所有文件是一个批次：同一张表、同一月份、同一支行的数据整体替换，其他月份和支行不受影响；"
    "同一批中同一支行同一月份的多个文件（如对公、个人分开导出）合并导入，不会相互替换。"
    "每个文件单独选择数据月份；月份来源不一致时先请您核对。重复上传相同内容不会改变数据；"
    "任何一个批次都可以在下方整批撤销，被替换的数据随之恢复。"
)

SLOT_COLUMNS = {
    "数据表": ("数据表", "text"),
    "月份": ("月份", "text"),
    "支行": ("支行", "text"),
    "现有行数": ("现有行数", "count"),
    "导入后行数": ("导入后行数", "count"),
    "变化": ("变化", "text"),
    "来源文件": ("来源文件", "text"),
}
PROBLEM_COLUMNS = {name: (name, "text") for name in ["级别", "文件", "工作表", "行号", "列", "问题"]}
HISTORY_COLUMNS = {
    "ingest_id": ("编号", "count"),
    "batch_id": ("批次", "count"),
    "status": ("状态", "text"),
    "ingested_at": ("导入时间", "text"),
    "file_name": ("文件", "text"),
    "table_name": ("数据表", "text"),
    "months": ("月份", "text"),
    "branches": ("支行", "text"),
    "rows_stored": ("导入行数", "count"),
    "rows_dropped": ("剔除行数", "count"),
    "rows_replaced": ("替换原有行数", "count"),
    "undone_at": ("撤销时间", "text"),
}
UNDO_COLUMNS = {
    "数据表": ("数据表", "text"),
    "月份": ("月份", "text"),
    "支行": ("支行", "text"),
    "现有行数": ("现有行数", "count"),
    "撤销后行数": ("撤销后行数", "count"),
    "说明": ("说明", "text"),
}

MaskText = Callable[[str], str]


def _period(table: str, period: str) -> str:
    return f"{period}年" if contract.TABLES[table].kind == "yearly" else period


def mapping_frame(report) -> pd.DataFrame:
    """The column mapping of one sheet: 标准列 ⇐ 源表头, with the unit of amount columns and derived columns."""
    table = contract.TABLES[report.table]
    labels = {c.name: c.label for c in table.columns}
    rows = [(labels.get(name, name), source, report.units.get(name, "")) for name, source in report.mapping.items()]
    if report.table == "customers" and "segment" not in report.mapping and report.derived:
        rows.append(
            (labels["segment"], "（无此列）由贷款余额推算" if not report.segment_unknown else "（无此列）无法推算", "")
        )
    return pd.DataFrame(rows, columns=["标准列", "源表头", "单位"])


def dropped_text(dropped: dict[str, int]) -> str:
    """``{"合计行": 1, "空行": 2}`` → ``合计行 1 行、空行 2 行``."""
    parts = [f"{kind} {n:,} 行" for kind, n in dropped.items() if n]
    return "、".join(parts) if parts else "无"


def sheet_caption(report) -> str:
    """The line under a recognised sheet's figures: sub-branches, rows dropped, units, where the months came from."""
    sources = "；".join(f"{k} {v}" for k, v in report.month_sources.items())
    return (
        f"支行：{'、'.join(b or '全条线' for b in report.branches) or '—'}；"
        f"已剔除：{dropped_text(report.dropped)}；"
        f"金额单位：{'、'.join(sorted(set(report.units.values()))) or '元（默认）'}（入库时统一换算为元）"
        + (f"；月份来源：{sources}" if sources else "")
    )


def sheet_metrics(report) -> list[tuple[str, str]]:
    """The figures above a recognised sheet: header row, months, rows, bad rows, sub-branches."""
    return [
        ("表头所在行", f"第 {report.header_row} 行"),
        ("数据月份", "、".join(report.months) or "—"),
        ("可导入行数", f"{report.rows:,}"),
        ("错误行", f"{report.bad_rows:,}"),
        ("支行数", f"{len(report.branches):,}"),
    ]


def question_text(question, mask_text: MaskText) -> str:
    """A question the batch asks before it can be stored (where, what, and for a month a hint)."""
    where = mask_text(question.file + (f" · {question.sheet}" if question.sheet else ""))
    hint = "如月份不对，请在上方为该文件选择正确的数据月份。" if question.kind == "month" else ""
    return f"**需要您确认**：{where}：{mask_text(question.text)}。{hint}"


def slots_frame(results: list[dict]) -> pd.DataFrame:
    """What the stored batch did per table, month and sub-branch (each slot once)."""
    seen = {}
    for result in results:
        for change in result.get("slots", []):
            status = {"相同": "未改动（内容相同）"}.get(change.status, change.status)
            if len(change.files) > 1 and change.status != "相同":
                status += "（多个文件合并）"
            seen[(change.table, change.period, change.branch)] = (
                contract.TABLES[change.table].label,
                _period(change.table, change.period),
                change.branch or store.WHOLE_LINE,
                change.rows_before,
                change.rows_after,
                status,
                "、".join(change.files),
            )
    return pd.DataFrame(list(seen.values()), columns=list(SLOT_COLUMNS))


def result_messages(results: list[dict], mask_text: MaskText) -> list[tuple[str, str]]:
    """What the last store did, as ``(kind, text)`` with kind ``success``, ``warning`` or ``info``."""
    messages = []
    batch_ids = {r.get("batch_id") for r in results} - {None}
    if batch_ids:
        messages.append(
            ("success", f"已作为批次 {batch_ids.pop()} 写入数据库；如有错误，可在“导入记录与撤销”中整批撤销。")
        )
    for result in results:
        where = mask_text(f"{result['file']}" + (f" · {result['sheet']}" if result.get("sheet") else ""))
        label = result.get("table_label") or contract.TABLES[result["table"]].label
        months = "、".join(result["months"])
        if not result["rows"]:
            messages.append(("warning", f"{where}：{label}没有正确的行可导入（错误行已跳过），未作改动。"))
        elif result.get("unchanged"):
            held = f"（导入编号 {result['ingest_id']}）" if result.get("ingest_id") else ""
            messages.append(("info", f"{where}：{label} {months} 与已导入的内容相同，未作改动{held}。"))
        else:
            merged = (
                "；与" + "、".join(f"“{mask_text(f)}”" for f in result["merged_with"]) + "合并导入"
                if result.get("merged_with")
                else ""
            )
            messages.append(
                (
                    "success",
                    f"{where}：已导入{label} {months}，{len(result['branches'])} 个支行，共 {result['rows']:,} 行"
                    f"（替换原有 {result['replaced']:,} 行，剔除 {dropped_text(result['dropped'])}{merged}），导入编号 {result['ingest_id']}。",
                )
            )
    return messages


def undo_messages(undone: dict, mask_text: MaskText) -> list[tuple[str, str]]:
    """What the last undo did, as ``(kind, text)``: the rows removed and restored, and the slots a later batch covers."""
    files = undone.get("files", [])
    whole = f"（整批 {len(files)} 个文件：{'、'.join(mask_text(f) for f in files)}）" if len(files) > 1 else ""
    messages = [
        (
            "success",
            f"已撤销导入 {undone['ingest_id']}{whole}：删除 {undone['removed']:,} 行，恢复被它替换的 {undone['restored']:,} 行。",
        )
    ]
    for kept in undone.get("kept", []):
        messages.append(
            (
                "info",
                f"{contract.TABLES[kept.table].label} {kept.branch or store.WHOLE_LINE} {kept.period}："
                f"该批次的数据已被之后的批次 {kept.covered_by} 替换，当前数据不变；以后撤销批次 {kept.covered_by} 时，恢复的是该批次之前的数据。",
            )
        )
    return messages


def problems_frame(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems with the row number as text (blank where a problem concerns a whole file or sheet)."""
    shown = problems.copy()
    shown["行号"] = shown["行号"].map(lambda r: "" if pd.isna(r) else str(int(r)))
    return shown.fillna("")


def shown_problems(problems: pd.DataFrame, plan, con: duckdb.DuckDBPyConnection, training: bool) -> pd.DataFrame:
    """The problems as shown and downloaded; in training mode a quoted cell value (a phone or
    ID number, a customer name in the wrong column) is masked like the tables are.

    ``con`` is the cursor the plan was analysed on: the batch's names are in its temp tables.
    """
    shown = problems_frame(problems)
    if not training:
        return shown
    from . import ingest

    return ingest.masked_problems(shown, ingest.known_names(plan, con))


def problem_counts_text(problems: pd.DataFrame) -> str:
    """The caption under the problems list: how many of each level, and what each level means."""
    counts = problems["级别"].value_counts()
    return (
        f"错误 {counts.get('错误', 0)} 条（整批不能导入），行错误 {counts.get('行错误', 0)} 条（该行有误），"
        f"提示 {counts.get('提示', 0)} 条（仅供参考）。行号即 Excel 中的行号。"
    )


def month_options(today: dt.date, months: list[str]) -> list[str]:
    """The month picker's options: 自动识别, then the months an upload may be for."""
    return [AUTO_MONTH, *normalize.month_choices(today, months)]


def digests(payload: list[tuple[str, bytes]]) -> list[str]:
    """Each file's content digest (keys a file's month choice to its content)."""
    return [hashlib.sha256(data).hexdigest() for _, data in payload]


def plan_signature(payload: list[tuple[str, bytes]], file_digests: list[str], picks: dict[str, str]) -> tuple:
    """What a plan is analysed from: the files' names and contents and the months picked."""
    return (tuple(zip((n for n, _ in payload), file_digests)), tuple(sorted(picks.items())))


def signature_digest(signature: tuple) -> str:
    """A short key for a plan (its confirmations are keyed by it)."""
    return hashlib.sha256(repr(signature).encode()).hexdigest()[:12]


def replacements_frame(replacements: pd.DataFrame, mask_text: MaskText) -> pd.DataFrame:
    """What the batch will write per slot, the source file names masked in training mode."""
    return replacements.assign(来源文件=replacements["来源文件"].map(mask_text))


def replacement_caption(replacements: pd.DataFrame) -> str | None:
    """How much stored data the batch replaces (None when it replaces nothing)."""
    replaced = replacements[replacements["现有行数"] > 0]
    if not len(replaced):
        return None
    return (
        f"将替换 {len(replaced):,} 处现有数据，共 {int(replaced['现有行数'].sum()):,} 行；"
        "替换前的数据会保留，撤销本批次即可恢复。"
    )


def blocked(plan, skip_bad_rows: bool, confirmed: set[str]) -> bool:
    """Whether the batch cannot be stored yet: refused, empty, bad rows not skipped, or a question open."""
    open_questions = [q for q in plan.questions if q.key not in confirmed]
    return plan.refused or not plan.sheets or (plan.bad_rows > 0 and not skip_bad_rows) or bool(open_questions)


def commit_label(plan) -> str:
    """The store button's label: how many sheets and rows."""
    return f"确认导入（{len(plan.sheets)} 张表，共 {sum(r.rows for r in plan.sheets):,} 行）"


def table_label(table: str) -> str:
    """A table's Chinese name (管户明细)."""
    return contract.TABLES[table].label


def coverage_title(table: str) -> str:
    """The coverage grid's title, with how to read its cells."""
    return f"{table_label(table)}：各月已导入的支行（✓ 行数；缺 = 上月或本月其他文件有该支行、本月没有）"


def coverage_tables() -> list[str]:
    """The tables the coverage grid offers (monthly ones), 管户明细 first: every page's months come from it."""
    tables = sorted((t for t in contract.TABLES.values() if t.kind != "yearly"), key=lambda t: t.name != "customers")
    return [t.name for t in tables]


def coverage_columns(grid: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """The coverage grid's columns: month, sub-branches held and expected, then one column a sub-branch."""
    return {
        "period": ("月份", "text"),
        "have": ("已有支行", "count"),
        "expected": ("应有支行", "count"),
        **{c: (c, "text") for c in grid.columns if c not in ("period", "have", "expected")},
    }


def coverage_warnings(grid: pd.DataFrame, table: str, limit: int = 3) -> list[str]:
    """For the first ``limit`` partial months: which sub-branches the month lacks."""
    branch_columns = [c for c in grid.columns if c not in ("period", "have", "expected")]
    label = contract.TABLES[table].label
    warnings = []
    for row in grid[grid["have"] < grid["expected"]].head(limit).itertuples(index=False):
        missing = [c for c in branch_columns if grid.loc[grid["period"] == row.period, c].iloc[0] == "缺"]
        warnings.append(
            f"{row.period} 只有 {row.have} / {row.expected} 个支行的{label}，"
            f"缺：{'、'.join(missing)}。各页面默认显示最近一个完整的月份。"
        )
    return warnings


def history_frame(history: pd.DataFrame, mask_text: MaskText) -> pd.DataFrame:
    """The ingest log as shown: table labels, times as text, 有效/已撤销, file names masked in training mode."""
    shown = history.copy()
    shown["table_name"] = shown["table_name"].map(lambda t: contract.TABLES[t].label if t in contract.TABLES else t)
    shown["file_name"] = shown["file_name"].map(mask_text)
    for col in ("ingested_at", "undone_at"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M:%S}")
    shown["status"] = shown["undone_at"].map(lambda v: "已撤销" if v else "有效")
    return shown


def batch_labels(active: pd.DataFrame, mask_text: MaskText) -> dict[int, str]:
    """The undo picker's options: batch id → ``编号 3 · files · tables · months``."""
    return {
        int(row.batch_id): f"编号 {int(row.batch_id)} · {mask_text(row.files)} · {row.tables} · {row.months}"
        + (f" · 共 {row.imports} 个文件" if row.imports > 1 else "")
        for row in active.itertuples()
    }


def undo_effects_frame(effects) -> pd.DataFrame:
    """What undoing a batch does per slot: rows now, rows after, and whether a later batch keeps the data."""
    rows = [
        (
            contract.TABLES[e.table].label,
            _period(e.table, e.period),
            e.branch or store.WHOLE_LINE,
            e.rows_now,
            e.rows_after,
            f"已被批次 {e.covered_by} 替换，当前数据不变" if e.covered_by else "恢复被替换的数据",
        )
        for e in effects
    ]
    return pd.DataFrame(rows, columns=list(UNDO_COLUMNS))


def demo_notice(real: int) -> str:
    """The notice above the clear-demo button: demo data still in the database, and real batches beside it."""
    return (
        "数据库中仍有演示数据（虚构的分行、客户经理和客户）。"
        + (f"已导入的 {real} 批本行数据与演示数据并存，合计数会把两者相加。" if real else "")
        + "导入本行数据后，可在此清空演示数据，只保留导入的数据。"
    )


def audit_files(results: list[dict]) -> list[dict]:
    """What the audit log keeps of a stored batch: each file's name, sha256, table and rows."""
    return [{"file": r["file"], "sha256": r.get("sha256"), "table": r["table"], "rows": r["rows"]} for r in results]
