"""数据导入: upload monthly extracts as one batch, check what was recognised and what it will replace,
store it, see which sub-branches each month holds, see the history and undo a batch."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from puhui import contract, masking, normalize, store, templates, ui

ctx = ui.setup("数据导入", "📥", needs_data=False)

AUTO_MONTH = "自动识别"
PLAN, RESULTS, UNDONE, ROUND = "upload_plan", "upload_results", "upload_undone", "upload_round"

st.title("📥 数据导入", anchor=False)
ui.explain(
    "上传从核心系统导出的月度报表（xlsx、xls、csv，可一次多个文件、一个工作簿多个工作表）。"
    "系统按表头识别每张表是客户经理、管户明细、网格、营销活动、目标还是拜访记录，"
    "跳过表头上方的标题行、剔除合计行和空行，并把万元、亿元统一换算为元。\n\n"
    "一次确认的所有文件是一个批次：同一张表、同一月份、同一支行的数据整体替换，其他月份和支行不受影响；"
    "同一批中同一支行同一月份的多个文件（如对公、个人分开导出）合并导入，不会相互替换。"
    "每个文件单独选择数据月份；月份来源不一致时先请您核对。重复上传相同内容不会改变数据；"
    "任何一个批次都可以在下方整批撤销，被替换的数据随之恢复。"
)


def mapping_frame(report) -> pd.DataFrame:
    """The column mapping of one sheet: 标准列 ⇐ 源表头, with the unit of amount columns and derived columns."""
    table = contract.TABLES[report.table]
    labels = {c.name: c.label for c in table.columns}
    rows = [(labels.get(name, name), source, report.units.get(name, "")) for name, source in report.mapping.items()]
    if report.table == "customers" and "segment" not in report.mapping and report.derived:
        rows.append((labels["segment"], "（无此列）由贷款余额推算" if not report.segment_unknown else "（无此列）无法推算", ""))
    return pd.DataFrame(rows, columns=["标准列", "源表头", "单位"])


def dropped_text(dropped: dict[str, int]) -> str:
    """``{"合计行": 1, "空行": 2}`` → ``合计行 1 行、空行 2 行``."""
    parts = [f"{kind} {n:,} 行" for kind, n in dropped.items() if n]
    return "、".join(parts) if parts else "无"


def safe(text: str) -> str:
    """Text shown on the page: ID and phone numbers masked in training mode (file names may carry them)."""
    return masking.mask_text(text) if ctx.training else text


SLOT_COLUMNS = {
    "数据表": ("数据表", "text"),
    "月份": ("月份", "text"),
    "支行": ("支行", "text"),
    "现有行数": ("现有行数", "count"),
    "导入后行数": ("导入后行数", "count"),
    "变化": ("变化", "text"),
    "来源文件": ("来源文件", "text"),
}


def slots_frame(results: list[dict]) -> pd.DataFrame:
    """What the stored batch did per table, month and sub-branch (each slot once)."""
    seen = {}
    for result in results:
        for change in result.get("slots", []):
            table = contract.TABLES[change.table]
            period = f"{change.period}年" if table.kind == "yearly" else change.period
            status = {"相同": "未改动（内容相同）"}.get(change.status, change.status)
            if len(change.files) > 1 and change.status != "相同":
                status += "（多个文件合并）"
            seen[(change.table, change.period, change.branch)] = (
                table.label, period, change.branch or store.WHOLE_LINE, change.rows_before, change.rows_after,
                status, "、".join(change.files),
            )
    return pd.DataFrame(list(seen.values()), columns=list(SLOT_COLUMNS))


def show_results() -> None:
    """What the last store or undo did (kept across the rerun that refreshes the sidebar)."""
    results = st.session_state.get(RESULTS, [])
    batch_ids = {r.get("batch_id") for r in results} - {None}
    if batch_ids:
        st.success(f"已作为批次 {batch_ids.pop()} 写入数据库；如有错误，可在“导入记录与撤销”中整批撤销。", icon="✅")
    for result in results:
        where = safe(f"{result['file']}" + (f" · {result['sheet']}" if result.get("sheet") else ""))
        label = result.get("table_label") or contract.TABLES[result["table"]].label
        months = "、".join(result["months"])
        if not result["rows"]:
            st.warning(f"{where}：{label}没有正确的行可导入（错误行已跳过），未作改动。", icon="⚠️")
        elif result.get("unchanged"):
            held = f"（导入编号 {result['ingest_id']}）" if result.get("ingest_id") else ""
            st.info(f"{where}：{label} {months} 与已导入的内容相同，未作改动{held}。", icon="ℹ️")
        else:
            merged = "；与" + "、".join(f"“{safe(f)}”" for f in result["merged_with"]) + "合并导入" if result.get("merged_with") else ""
            st.success(
                f"{where}：已导入{label} {months}，{len(result['branches'])} 个支行，共 {result['rows']:,} 行"
                f"（替换原有 {result['replaced']:,} 行，剔除 {dropped_text(result['dropped'])}{merged}），导入编号 {result['ingest_id']}。",
                icon="✅",
            )
    if results and any(r.get("slots") for r in results):
        ui.table(slots_frame(results), key="upload_stored_slots", title="本批写入（按表、月份、支行）", columns=SLOT_COLUMNS, download=False)
    undone = st.session_state.get(UNDONE)
    if undone:
        files = undone.get("files", [])
        whole = f"（整批 {len(files)} 个文件：{'、'.join(safe(f) for f in files)}）" if len(files) > 1 else ""
        st.success(
            f"已撤销导入 {undone['ingest_id']}{whole}：删除 {undone['removed']:,} 行，恢复被它替换的 {undone['restored']:,} 行。",
            icon="↩️",
        )
        for kept in undone.get("kept", []):
            st.info(
                f"{contract.TABLES[kept.table].label} {kept.branch or store.WHOLE_LINE} {kept.period}："
                f"该批次的数据已被之后的批次 {kept.covered_by} 替换，当前数据不变；以后撤销批次 {kept.covered_by} 时，恢复的是该批次之前的数据。",
                icon="ℹ️",
            )


def show_sheet(report, index: int) -> None:
    """One recognised sheet: table kind, header row, mapping, units, months and their sources, counts, preview."""
    from puhui import ingest

    with st.container(border=True):
        st.markdown(f"**📄 {safe(report.file)}** · 工作表“{report.sheet}” → 识别为 **{report.table_label}**")
        cols = st.columns(5)
        cols[0].metric("表头所在行", f"第 {report.header_row} 行")
        cols[1].metric("数据月份", "、".join(report.months) or "—")
        cols[2].metric("可导入行数", f"{report.rows:,}")
        cols[3].metric("错误行", f"{report.bad_rows:,}")
        cols[4].metric("支行数", f"{len(report.branches):,}")
        sources = "；".join(f"{k} {v}" for k, v in report.month_sources.items())
        st.caption(
            f"支行：{'、'.join(b or '全条线' for b in report.branches) or '—'}；"
            f"已剔除：{dropped_text(report.dropped)}；"
            f"金额单位：{'、'.join(sorted(set(report.units.values()))) or '元（默认）'}（入库时统一换算为元）"
            + (f"；月份来源：{sources}" if sources else "")
        )
        for note in report.derived:
            st.caption(f"🧮 {note}")
        left, right = st.columns([2, 3])
        with left:
            st.markdown("列对应（标准列 ⇐ 源表头）")
            st.dataframe(mapping_frame(report), hide_index=True, width="stretch")
        with right:
            st.markdown("预览（前 20 行；金额单位：万元，保留两位小数，入库按元精确保存）")
            ui.table(report.preview, key=f"upload_preview_{index}", columns=ingest.preview_columns(report), download=False)


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


def show_guide() -> None:
    """字段说明: every accepted header per table, and blank templates to download."""
    with st.expander("📋 字段说明（可识别的表头写法）与空白模板", expanded=False):
        st.caption(
            "表头按下列写法识别（不区分全角半角、忽略空格，金额列可在表头注明“(万元)”“(亿元)”）。"
            "带“是”的列必填。也可下载空白模板，填好后直接上传。"
        )
        st.download_button(
            "下载空白模板（全部数据表，一个工作簿）",
            data=lambda: templates.template_xlsx(),  # built only when clicked
            file_name=templates.template_file_name(),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="template_all",
            on_click="ignore",
            icon="⬇️",
        )
        tabs = st.tabs([t.label for t in contract.TABLES.values()])
        for tab, table in zip(tabs, contract.TABLES.values()):
            with tab:
                st.download_button(
                    f"下载空白模板：{table.label}",
                    data=lambda name=table.name: templates.template_xlsx(name),
                    file_name=templates.template_file_name(table.name),
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    key=f"template_{table.name}",
                    on_click="ignore",
                    icon="⬇️",
                )
                st.markdown(templates.guide_markdown(table.name))


show_results()

st.subheader("1. 选择文件", anchor=False)
upload_round = st.session_state.get(ROUND, 0)
files = st.file_uploader(
    "选择或拖入月度报表（可多选，一次选择的文件作为一个批次导入）",
    type=["xlsx", "xls", "csv"],
    accept_multiple_files=True,
    key=f"upload_files_{upload_round}",  # a new key empties the uploader after a store
    help="支持 xlsx、xls、csv（UTF-8 或 GBK 编码），单个文件不超过 100 MB。",
)
show_guide()

if files:
    from puhui import ingest  # the ingest machinery loads only when someone uploads

    payload = [(f.name, f.getvalue()) for f in files]
    digests = [hashlib.sha256(data).hexdigest() for _, data in payload]
    st.markdown("**数据月份**（每个文件单独选择；“自动识别”依次取表中的“数据月份”列、文件名中的月份）")
    options = [AUTO_MONTH, *normalize.month_choices(dt.date.today(), ctx.months)]
    picks: dict[str, str] = {}
    pick_columns = st.columns(min(len(payload), 3))
    for i, ((name, _), digest) in enumerate(zip(payload, digests)):
        with pick_columns[i % len(pick_columns)]:
            # Keyed by the file's content and the upload round: a choice never carries over to another file.
            choice = st.selectbox(
                f"“{safe(name)}”的数据月份",
                options,
                key=f"upload_month_{upload_round}_{digest[:16]}",
                help="营销活动、拜访记录按各自日期归月，目标按年度，不受此处影响。",
            )
        if choice != AUTO_MONTH:
            picks[name] = choice
    signature = (tuple(zip((n for n, _ in payload), digests)), tuple(sorted(picks.items())))
    cached = st.session_state.get(PLAN)
    if cached is None or cached["signature"] != signature:
        st.session_state.pop(RESULTS, None)
        st.session_state.pop(UNDONE, None)
        try:
            with st.spinner("正在识别表头、换算单位并逐行校验……"):
                plan = ingest.analyse(payload, ctx.con, picks)
        except Exception as exc:  # an unexpected reader failure must not take the page down
            st.session_state.pop(PLAN, None)
            st.error(f"分析文件时出错，数据库未作任何改动：{safe(str(exc))}", icon="🚫")
            st.stop()
        # The plan's clean rows live in temp tables of this cursor, so keep the cursor with it.
        digest = hashlib.sha256(repr(signature).encode()).hexdigest()[:12]
        cached = {"signature": signature, "digest": digest, "plan": plan, "con": ctx.con}
        st.session_state[PLAN] = cached
    plan = cached["plan"]

    st.subheader("2. 检查识别结果", anchor=False)
    for index, report in enumerate(plan.sheets):
        show_sheet(report, index)
    for note in plan.merges:
        st.info(safe(note), icon="🧩")

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
    confirmed: set[str] = set()
    if plan.refused:
        st.error("文件存在错误（见上方问题清单中级别为“错误”的条目），本批文件不能导入，数据库未作任何改动。请修正后重新上传。", icon="🚫")
    else:
        if plan.bad_rows:
            st.warning(f"共有 {plan.bad_rows:,} 行数据存在错误（见问题清单中的“行错误”）。", icon="⚠️")
            # Keyed by the batch: a tick given for one batch must not carry over to the next.
            skip_bad_rows = st.checkbox(
                f"跳过这 {plan.bad_rows:,} 行错误数据，只导入正确的行", key=f"upload_skip_bad_{cached['digest']}"
            )
        for i, question in enumerate(plan.questions):
            where = safe(question.file + (f" · {question.sheet}" if question.sheet else ""))
            hint = "如月份不对，请在上方为该文件选择正确的数据月份。" if question.kind == "month" else ""
            st.warning(f"**需要您确认**：{where}：{safe(question.text)}。{hint}", icon="❓")
            if st.checkbox(safe(question.answer), key=f"upload_confirm_{cached['digest']}_{i}"):
                confirmed.add(question.key)
        if len(plan.replacements):
            ui.table(
                plan.replacements.assign(来源文件=plan.replacements["来源文件"].map(safe)),
                key="upload_replacements",
                title="确认后将写入（同一张表、同一月份、同一支行的现有数据整体替换）",
                columns=SLOT_COLUMNS,
                download=False,
            )
            replaced = plan.replacements[plan.replacements["现有行数"] > 0]
            if len(replaced):
                st.caption(
                    f"将替换 {len(replaced):,} 处现有数据，共 {int(replaced['现有行数'].sum()):,} 行；"
                    "替换前的数据会保留，撤销本批次即可恢复。"
                )
    open_questions = [q for q in plan.questions if q.key not in confirmed]
    blocked = plan.refused or not plan.sheets or (plan.bad_rows > 0 and not skip_bad_rows) or bool(open_questions)
    total_rows = sum(r.rows for r in plan.sheets)
    if st.button(f"确认导入（{len(plan.sheets)} 张表，共 {total_rows:,} 行）", type="primary", disabled=blocked, key="upload_commit"):
        try:
            with st.spinner("正在写入数据库……"):
                results = ingest.commit(plan, cached["con"], skip_bad_rows=skip_bad_rows, confirmed=confirmed)
        except ingest.IngestRefused as exc:
            st.error(safe(str(exc)), icon="🚫")
            ui.table(
                shown_problems(exc.problems, plan, cached["con"]),
                key="upload_refused",
                title="导入问题清单",
                columns=PROBLEM_COLUMNS,
            )
        except store.StoreBusy as exc:
            st.error(str(exc), icon="⏳")
        except Exception as exc:  # the transaction was rolled back: say so, never a traceback
            st.error(f"写入数据库时出错，本批文件没有写入任何数据：{safe(str(exc))}", icon="🚫")
        else:
            ui.clear_cache()  # every page shows the new data from its next run on
            st.session_state[RESULTS] = results
            st.session_state.pop(PLAN, None)
            st.session_state[ROUND] = upload_round + 1
            st.rerun()

st.subheader("4. 各月数据完整性", anchor=False)
# 管户明细 first: it is the table every page's months come from.
coverage_tables = sorted((t for t in contract.TABLES.values() if t.kind != "yearly"), key=lambda t: t.name != "customers")
shown_table = st.selectbox(
    "数据表", [t.name for t in coverage_tables], format_func=lambda n: contract.TABLES[n].label, key="coverage_table"
)
grid = store.coverage_grid(ctx.con, shown_table)
if grid.empty or len(grid.columns) <= 1:
    st.caption(f"还没有{contract.TABLES[shown_table].label}数据。")
else:
    branch_columns = [c for c in grid.columns if c not in ("period", "have", "expected")]
    ui.table(
        grid,
        key="upload_coverage",
        title=f"{contract.TABLES[shown_table].label}：各月已导入的支行（✓ 行数；缺 = 上月或本月其他文件有该支行、本月没有）",
        columns={"period": ("月份", "text"), "have": ("已有支行", "count"), "expected": ("应有支行", "count"),
                 **{c: (c, "text") for c in branch_columns}},
        download=False,
    )
    partial = grid[grid["have"] < grid["expected"]]
    for row in partial.head(3).itertuples(index=False):
        missing = [c for c in branch_columns if grid.loc[grid["period"] == row.period, c].iloc[0] == "缺"]
        st.warning(
            f"{row.period} 只有 {row.have} / {row.expected} 个支行的{contract.TABLES[shown_table].label}，"
            f"缺：{'、'.join(missing)}。各页面默认显示最近一个完整的月份。",
            icon="🧩",
        )

st.subheader("5. 导入记录与撤销", anchor=False)
history = store.history(ctx.con)
if history.empty:
    st.caption("还没有导入记录。")
else:
    shown = history.copy()
    shown["table_name"] = shown["table_name"].map(lambda t: contract.TABLES[t].label if t in contract.TABLES else t)
    shown["file_name"] = shown["file_name"].map(safe)
    for col in ("ingested_at", "undone_at"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M:%S}")
    shown["status"] = shown["undone_at"].map(lambda v: "已撤销" if v else "有效")
    ui.table(
        shown,
        key="upload_history",
        title="导入记录",
        columns={
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
        },
    )
    active = store.batches(ctx.con)
    if not active.empty:
        with st.expander("↩️ 撤销一次导入", expanded=False):
            labels = {
                int(row.batch_id): f"编号 {int(row.batch_id)} · {safe(row.files)} · {row.tables} · {row.months}"
                + (f" · 共 {row.imports} 个文件" if row.imports > 1 else "")
                for row in active.itertuples()
            }
            # Keyed by the data version: after any store or undo the choice starts afresh
            # from the newest batch instead of keeping a stale selection.
            version = "_".join(map(str, ctx.version))
            chosen = st.selectbox("选择要撤销的导入", list(labels), format_func=labels.get, key=f"undo_id_{version}")
            effects = store.undo_effects(ctx.con, int(chosen))
            if effects:
                effect_rows = [
                    (
                        contract.TABLES[e.table].label,
                        f"{e.period}年" if contract.TABLES[e.table].kind == "yearly" else e.period,
                        e.branch or store.WHOLE_LINE,
                        e.rows_now,
                        e.rows_after,
                        f"已被批次 {e.covered_by} 替换，当前数据不变" if e.covered_by else "恢复被替换的数据",
                    )
                    for e in effects
                ]
                ui.table(
                    pd.DataFrame(effect_rows, columns=["数据表", "月份", "支行", "现有行数", "撤销后行数", "说明"]),
                    key="undo_effects",
                    title="撤销后",
                    columns={
                        "数据表": ("数据表", "text"), "月份": ("月份", "text"), "支行": ("支行", "text"),
                        "现有行数": ("现有行数", "count"), "撤销后行数": ("撤销后行数", "count"), "说明": ("说明", "text"),
                    },
                    download=False,
                )
            st.caption("同一批次的文件一起撤销：删除这次导入写入的全部行，并恢复被它替换掉的数据。")
            sure = st.checkbox("我确认撤销这次导入", key=f"undo_confirm_{version}")
            if st.button("撤销导入", disabled=not sure, key="undo_button"):
                try:
                    undone = store.undo(ctx.con, int(chosen))
                except LookupError as exc:
                    st.error(str(exc), icon="🚫")
                except store.StoreBusy as exc:
                    st.error(str(exc), icon="⏳")
                else:
                    ui.clear_cache()
                    st.session_state[UNDONE] = undone
                    st.session_state.pop(RESULTS, None)
                    st.rerun()

if ctx.demo:
    st.subheader("6. 演示数据", anchor=False)
    real = store.real_ingests(ctx.con)
    st.info(
        "数据库中仍有演示数据（虚构的分行、客户经理和客户）。"
        + (f"已导入的 {real} 批本行数据与演示数据并存，合计数会把两者相加。" if real else "")
        + "导入本行数据后，可在此清空演示数据，只保留导入的数据。",
        icon="🧪",
    )
    sure_demo = st.checkbox("我确认清空全部演示数据（已导入的本行数据不受影响）", key="clear_demo_confirm")
    if st.button("清空演示数据", disabled=not sure_demo, key="clear_demo_button"):
        try:
            removed = store.clear_demo(ctx.con)
        except store.StoreBusy as exc:
            st.error(str(exc), icon="⏳")
        else:
            ui.clear_cache()
            st.session_state[RESULTS] = []
            st.toast(f"已清空演示数据 {removed:,} 行", icon="🧹")
            st.rerun()
