"""数据导入: upload monthly extracts, see what was recognised, store them, see the history, undo."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from puhui import contract, masking, store, ui

ctx = ui.setup("数据导入", "📥", needs_data=False)

AUTO_MONTH = "自动识别"
PLAN, RESULTS, UNDONE, ROUND = "upload_plan", "upload_results", "upload_undone", "upload_round"

st.title("📥 数据导入", anchor=False)
ui.explain(
    "上传从核心系统导出的月度报表（xlsx、xls、csv，可一次多个文件、一个工作簿多个工作表）。"
    "系统按表头识别每张表是客户经理、管户明细、网格、营销活动、目标还是拜访记录，"
    "跳过表头上方的标题行、剔除合计行和空行，并把万元、亿元统一换算为元。\n\n"
    "确认导入后，同一张表、同一月份、同一支行的数据整体替换，其他月份和支行不受影响；"
    "重复上传同一文件不会改变数据；任何一次导入都可以在下方撤销，被替换的数据随之恢复。"
)


def month_options(today: dt.date, stored: list[str]) -> list[str]:
    """Months offered by the picker: next month back three years, plus any stored month, newest first."""
    months = set(stored)
    year, mon = today.year, today.month + 1
    for _ in range(37):
        if mon == 0:
            year, mon = year - 1, 12
        months.add(f"{year:04d}-{mon:02d}")
        mon -= 1
    return sorted(months, reverse=True)


def mapping_frame(report) -> pd.DataFrame:
    """The column mapping of one sheet: 标准列 ⇐ 源表头, with the unit of amount columns."""
    table = contract.TABLES[report.table]
    labels = {c.name: c.label for c in table.columns}
    rows = [(labels.get(name, name), source, report.units.get(name, "")) for name, source in report.mapping.items()]
    return pd.DataFrame(rows, columns=["标准列", "源表头", "单位"])


def dropped_text(dropped: dict[str, int]) -> str:
    """``{"合计行": 1, "空行": 2}`` → ``合计行 1 行、空行 2 行``."""
    parts = [f"{kind} {n} 行" for kind, n in dropped.items() if n]
    return "、".join(parts) if parts else "无"


def show_results() -> None:
    """What the last store or undo did (kept across the rerun that refreshes the sidebar)."""
    for result in st.session_state.get(RESULTS, []):
        where = f"{result['file']}" + (f" · {result['sheet']}" if result.get("sheet") else "")
        label = result.get("table_label") or contract.TABLES[result["table"]].label
        months = "、".join(result["months"])
        if result.get("unchanged"):
            st.info(f"{where}：{label} {months} 与已导入的内容相同，未作改动（导入编号 {result['ingest_id']}）。", icon="ℹ️")
        else:
            st.success(
                f"{where}：已导入{label} {months}，{len(result['branches'])} 个支行，共 {result['rows']:,} 行"
                f"（替换原有 {result['replaced']:,} 行，剔除 {dropped_text(result['dropped'])}），导入编号 {result['ingest_id']}。",
                icon="✅",
            )
    undone = st.session_state.get(UNDONE)
    if undone:
        st.success(
            f"已撤销导入 {undone['ingest_id']}：删除 {undone['removed']:,} 行，恢复被它替换的 {undone['restored']:,} 行。",
            icon="↩️",
        )


def show_sheet(report, index: int) -> None:
    """One recognised sheet: table kind, header row, mapping, units, months, counts, preview."""
    with st.container(border=True):
        st.markdown(f"**📄 {report.file}** · 工作表“{report.sheet}” → 识别为 **{report.table_label}**")
        cols = st.columns(5)
        cols[0].metric("表头所在行", f"第 {report.header_row} 行")
        cols[1].metric("数据月份", "、".join(report.months) or "—")
        cols[2].metric("可导入行数", f"{report.rows:,}")
        cols[3].metric("错误行", f"{report.bad_rows:,}")
        cols[4].metric("支行数", f"{len(report.branches):,}")
        st.caption(
            f"支行：{'、'.join(b or '全条线' for b in report.branches) or '—'}；"
            f"已剔除：{dropped_text(report.dropped)}；"
            f"金额单位：{'、'.join(sorted(set(report.units.values()))) or '元（默认）'}（入库时统一换算为元）"
        )
        left, right = st.columns([2, 3])
        with left:
            st.markdown("列对应（标准列 ⇐ 源表头）")
            st.dataframe(mapping_frame(report), hide_index=True, width="stretch")
        with right:
            st.markdown("预览（前 20 行，已换算为元）")
            ui.table(report.preview, key=f"upload_preview_{index}", download=False)


def problems_frame(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems with the row number as text (blank where a problem concerns a whole file or sheet)."""
    shown = problems.copy()
    shown["行号"] = shown["行号"].map(lambda r: "" if pd.isna(r) else str(int(r)))
    return shown.fillna("")


PROBLEM_COLUMNS = {name: (name, "text") for name in ["级别", "文件", "工作表", "行号", "列", "问题"]}


def shown_problems(problems: pd.DataFrame, plan, con) -> pd.DataFrame:
    """The problems as shown and downloaded; in training mode a quoted cell value (a phone or
    ID number, a customer name in the wrong column) is masked like the tables are."""
    shown = problems_frame(problems)
    if not ctx.training:
        return shown
    from puhui import ingest

    return ingest.masked_problems(shown, ingest.known_names(plan, con))


show_results()

st.subheader("1. 选择文件", anchor=False)
upload_round = st.session_state.get(ROUND, 0)
files = st.file_uploader(
    "选择或拖入月度报表（可多选）",
    type=["xlsx", "xls", "csv"],
    accept_multiple_files=True,
    key=f"upload_files_{upload_round}",  # a new key empties the uploader after a store
    help="支持 xlsx、xls、csv（UTF-8 或 GBK 编码），单个文件不超过 100 MB。",
)
month_choice = st.selectbox(
    "报表所属月份",
    [AUTO_MONTH, *month_options(dt.date.today(), ctx.months)],
    key="upload_month",
    help="自动识别：依次取表中的“数据月份/统计月份”列、文件名中的月份（如 2026-10、202610、2026年10月）。"
    "都没有时请在此指定。营销活动、拜访记录按各自日期归月，目标按年度。",
)
month = None if month_choice == AUTO_MONTH else month_choice

if files:
    from puhui import ingest  # the ingest machinery loads only when someone uploads

    payload = [(f.name, f.getvalue()) for f in files]
    signature = (tuple((name, hashlib.sha256(data).hexdigest()) for name, data in payload), month)
    cached = st.session_state.get(PLAN)
    if cached is None or cached["signature"] != signature:
        st.session_state.pop(RESULTS, None)
        st.session_state.pop(UNDONE, None)
        try:
            with st.spinner("正在识别表头、换算单位并逐行校验……"):
                plan = ingest.analyse(payload, ctx.con, month)
        except Exception as exc:  # an unexpected reader failure must not take the page down
            st.session_state.pop(PLAN, None)
            detail = masking.mask_text(str(exc)) if ctx.training else exc
            st.error(f"分析文件时出错，数据库未作任何改动：{detail}", icon="🚫")
            st.stop()
        # The plan's clean rows live in temp tables of this cursor, so keep the cursor with it.
        digest = hashlib.sha256(repr(signature).encode()).hexdigest()[:12]
        cached = {"signature": signature, "digest": digest, "plan": plan, "con": ctx.con}
        st.session_state[PLAN] = cached
    plan = cached["plan"]

    st.subheader("2. 检查识别结果", anchor=False)
    for index, report in enumerate(plan.sheets):
        show_sheet(report, index)

    problems = plan.problems
    if len(problems):
        counts = problems["级别"].value_counts()
        ui.table(
            shown_problems(problems, plan, cached["con"]), key="upload_problems", title="导入问题清单", columns=PROBLEM_COLUMNS
        )
        st.caption(
            f"错误 {counts.get('错误', 0)} 条（整批不能导入），行错误 {counts.get('行错误', 0)} 条（该行有误），"
            f"提示 {counts.get('提示', 0)} 条（仅供参考）。行号即 Excel 中的行号。"
        )

    st.subheader("3. 确认导入", anchor=False)
    skip_bad_rows = False
    if plan.refused:
        st.error("文件存在错误（见上方问题清单中级别为“错误”的条目），本批文件不能导入，数据库未作任何改动。请修正后重新上传。", icon="🚫")
    elif plan.bad_rows:
        st.warning(f"共有 {plan.bad_rows:,} 行数据存在错误（见问题清单中的“行错误”）。", icon="⚠️")
        # Keyed by the batch: a tick given for one batch must not carry over to the next.
        skip_bad_rows = st.checkbox(
            f"跳过这 {plan.bad_rows:,} 行错误数据，只导入正确的行", key=f"upload_skip_bad_{cached['digest']}"
        )
    blocked = plan.refused or not plan.sheets or (plan.bad_rows > 0 and not skip_bad_rows)
    total_rows = sum(r.rows for r in plan.sheets)
    if st.button(f"确认导入（{len(plan.sheets)} 张表，共 {total_rows:,} 行）", type="primary", disabled=blocked, key="upload_commit"):
        try:
            with st.spinner("正在写入数据库……"):
                results = ingest.commit(plan, cached["con"], skip_bad_rows=skip_bad_rows)
        except ingest.IngestRefused as exc:
            st.error(str(exc), icon="🚫")
            ui.table(
                shown_problems(exc.problems, plan, cached["con"]),
                key="upload_refused",
                title="导入问题清单",
                columns=PROBLEM_COLUMNS,
            )
        else:
            ui.clear_cache()  # every page shows the new data from its next run on
            st.session_state[RESULTS] = results
            st.session_state.pop(PLAN, None)
            st.session_state[ROUND] = upload_round + 1
            st.rerun()

st.subheader("4. 导入记录与撤销", anchor=False)
history = store.history(ctx.con)
if history.empty:
    st.caption("还没有导入记录。")
else:
    shown = history.copy()
    shown["table_name"] = shown["table_name"].map(lambda t: contract.TABLES[t].label if t in contract.TABLES else t)
    for col in ("ingested_at", "undone_at"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M:%S}")
    shown["status"] = shown["undone_at"].map(lambda v: "已撤销" if v else "有效")
    ui.table(
        shown,
        key="upload_history",
        title="导入记录",
        columns={
            "ingest_id": ("编号", "count"),
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
        },
    )
    active = history[history["undone_at"].isna()]
    if not active.empty:
        with st.expander("↩️ 撤销一次导入", expanded=False):
            labels = {
                int(row.ingest_id): f"编号 {int(row.ingest_id)} · {row.file_name} · "
                f"{contract.TABLES[row.table_name].label if row.table_name in contract.TABLES else row.table_name} · {row.months}"
                for row in active.itertuples()
            }
            # Keyed by the data version: after any store or undo the choice starts afresh
            # from the newest ingest instead of keeping a stale selection.
            version = "_".join(map(str, ctx.version))
            chosen = st.selectbox("选择要撤销的导入", list(labels), format_func=labels.get, key=f"undo_id_{version}")
            st.caption("撤销会删除这次导入写入的全部行，并恢复被它替换掉的数据。")
            sure = st.checkbox("我确认撤销这次导入", key=f"undo_confirm_{version}")
            if st.button("撤销导入", disabled=not sure, key="undo_button"):
                try:
                    undone = store.undo(ctx.con, int(chosen))
                except LookupError as exc:
                    st.error(str(exc), icon="🚫")
                else:
                    ui.clear_cache()
                    st.session_state[UNDONE] = undone
                    st.session_state.pop(RESULTS, None)
                    st.rerun()

if ctx.demo:
    st.subheader("5. 演示数据", anchor=False)
    real = store.real_ingests(ctx.con)
    st.info(
        "数据库中仍有演示数据（虚构的分行、客户经理和客户）。"
        + (f"已导入的 {real} 批本行数据与演示数据并存，合计数会把两者相加。" if real else "")
        + "导入本行数据后，可在此清空演示数据，只保留导入的数据。",
        icon="🧪",
    )
    sure_demo = st.checkbox("我确认清空全部演示数据（已导入的本行数据不受影响）", key="clear_demo_confirm")
    if st.button("清空演示数据", disabled=not sure_demo, key="clear_demo_button"):
        removed = store.clear_demo(ctx.con)
        ui.clear_cache()
        st.session_state[RESULTS] = []
        st.toast(f"已清空演示数据 {removed:,} 行", icon="🧹")
        st.rerun()
