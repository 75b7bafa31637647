"""数据导入: upload monthly extracts as one batch, check what was recognised and what it will replace,
store it, see which sub-branches each month holds, see the history and undo a batch."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from puhui import contract, fmt, store, templates, ui
from puhui import upload_view as view

ctx = ui.setup("数据导入", "📥", needs_data=False)

PLAN, RESULTS, UNDONE, ROUND = "upload_plan", "upload_results", "upload_undone", "upload_round"

st.title("📥 数据导入", anchor=False)
ui.explain(view.EXPLAIN)
# File names and messages may carry an ID or phone number (masked), and Markdown (escaped where shown as text).
safe, say = ctx.mask_text, lambda text: fmt.md(ctx.mask_text(text))


def changed(state: dict, action: str, **detail) -> None:
    """After a store, undo or clear: log it, forget cached queries, keep ``state`` (None: drop the key), rerun."""
    ui.audit(action, **detail)
    ui.clear_cache()  # every page shows the new data from its next run on
    for key, value in state.items():
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value
    st.rerun()


def show_results() -> None:
    """What the last store or undo did (kept across the rerun that refreshes the sidebar)."""
    results = st.session_state.get(RESULTS, [])
    ui.notices(view.result_messages(results, say))
    if results and any(r.get("slots") for r in results):
        slots, title = ctx.mask(view.slots_frame(results)), "本批写入（按表、月份、支行）"
        ui.table(slots, key="upload_stored_slots", title=title, columns=view.SLOT_COLUMNS, download=False)
    undone = st.session_state.get(UNDONE)
    if undone:
        ui.notices(view.undo_messages(undone, say), success_icon="↩️")


def show_sheet(report, index: int) -> None:
    """One recognised sheet: table kind, header row, mapping, units, months and their sources, counts, preview."""
    from puhui import ingest

    with st.container(border=True):
        st.markdown(f"**📄 {say(report.file)}** · 工作表“{say(report.sheet)}” → 识别为 **{report.table_label}**")
        for column, (label, value) in zip(st.columns(5), view.sheet_metrics(report)):
            column.metric(label, value)
        st.caption(view.sheet_caption(report))
        for note in report.derived:
            st.caption(f"🧮 {note}")
        left, right = st.columns([2, 3])
        with left:
            st.markdown("列对应（标准列 ⇐ 源表头）")
            st.dataframe(view.mapping_frame(report), hide_index=True, width="stretch")
        with right:
            st.markdown("预览（前 20 行；金额单位：万元，保留两位小数，入库按元精确保存）")
            preview = ctx.mask(report.preview)
            ui.table(preview, key=f"upload_preview_{index}", columns=ingest.preview_columns(report), download=False)


def show_problems(problems, plan, con, key: str) -> None:
    """The problems list (masked in training mode), downloadable."""
    shown = ctx.mask(view.shown_problems(problems, plan, con, ctx.training))
    ui.table(shown, key=key, title="导入问题清单", columns=view.PROBLEM_COLUMNS)


def template_button(label: str, table: str | None, key: str) -> None:
    """A blank template's download (all tables when ``table`` is None), built only when clicked."""
    ui.download(label, lambda: templates.template_xlsx(table), templates.template_file_name(table), key)


def show_guide() -> None:
    """字段说明: every accepted header per table, and blank templates to download."""
    with st.expander("📋 字段说明（可识别的表头写法）与空白模板", expanded=False):
        st.caption(
            "表头按下列写法识别（不区分全角半角、忽略空格，金额列可在表头注明“(万元)”“(亿元)”）。"
            "带“是”的列必填。也可下载空白模板，填好后直接上传。"
        )
        template_button("下载空白模板（全部数据表，一个工作簿）", None, "template_all")
        tabs = st.tabs([t.label for t in contract.TABLES.values()])
        for tab, table in zip(tabs, contract.TABLES.values()):
            with tab:
                template_button(f"下载空白模板：{table.label}", table.name, f"template_{table.name}")
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
    digests = view.digests(payload)
    st.markdown("**数据月份**（每个文件单独选择；“自动识别”依次取表中的“数据月份”列、文件名中的月份）")
    options = view.month_options(dt.date.today(), ctx.months)
    picks: dict[str, str] = {}
    pick_columns = st.columns(min(len(payload), 3))
    for i, ((name, _), digest) in enumerate(zip(payload, digests)):
        with pick_columns[i % len(pick_columns)]:
            # Keyed by the file's content and the upload round: a choice never carries over to another file.
            choice = st.selectbox(
                f"“{say(name)}”的数据月份",
                options,
                key=f"upload_month_{upload_round}_{digest[:16]}",
                help="营销活动、拜访记录按各自日期归月，目标按年度，不受此处影响。",
            )
        if choice != view.AUTO_MONTH:
            picks[name] = choice
    signature = view.plan_signature(payload, digests, picks)
    cached = st.session_state.get(PLAN)
    if cached is None or cached["signature"] != signature:
        st.session_state.pop(RESULTS, None)
        st.session_state.pop(UNDONE, None)
        try:
            with st.spinner("正在识别表头、换算单位并逐行校验……"):
                plan = ingest.analyse(payload, ctx.con, picks)
        except Exception as exc:  # an unexpected reader failure must not take the page down
            st.session_state.pop(PLAN, None)
            st.error(f"分析文件时出错，数据库未作任何改动：{say(str(exc))}", icon="🚫")
            st.stop()
        # The plan's clean rows live in temp tables of this cursor, so keep the cursor with it.
        cached = {"signature": signature, "digest": view.signature_digest(signature), "plan": plan, "con": ctx.con}
        st.session_state[PLAN] = cached
    plan = cached["plan"]

    st.subheader("2. 检查识别结果", anchor=False)
    for index, report in enumerate(plan.sheets):
        show_sheet(report, index)
    for note in plan.merges:
        st.info(say(note), icon="🧩")
    if len(plan.problems):
        show_problems(plan.problems, plan, cached["con"], "upload_problems")
        st.caption(view.problem_counts_text(plan.problems))

    st.subheader("3. 确认导入", anchor=False)
    skip_bad_rows = False
    confirmed: set[str] = set()
    if plan.refused:
        st.error(
            "文件存在错误（见上方问题清单中级别为“错误”的条目），本批文件不能导入，数据库未作任何改动。请修正后重新上传。",
            icon="🚫",
        )
    else:
        if plan.bad_rows:
            st.warning(f"共有 {plan.bad_rows:,} 行数据存在错误（见问题清单中的“行错误”）。", icon="⚠️")
            # Keyed by the batch: a tick given for one batch must not carry over to the next.
            skip_bad_rows = st.checkbox(
                f"跳过这 {plan.bad_rows:,} 行错误数据，只导入正确的行", key=f"upload_skip_bad_{cached['digest']}"
            )
        for i, question in enumerate(plan.questions):
            st.warning(view.question_text(question, say), icon="❓")
            if st.checkbox(say(question.answer), key=f"upload_confirm_{cached['digest']}_{i}"):
                confirmed.add(question.key)
        if len(plan.replacements):
            shown = ctx.mask(view.replacements_frame(plan.replacements, safe))
            title = "确认后将写入（同一张表、同一月份、同一支行的现有数据整体替换）"
            ui.table(shown, key="upload_replacements", title=title, columns=view.SLOT_COLUMNS, download=False)
            if note := view.replacement_caption(plan.replacements):
                st.caption(note)
    blocked = view.blocked(plan, skip_bad_rows, confirmed)
    if st.button(view.commit_label(plan), type="primary", disabled=blocked, key="upload_commit"):
        try:
            with st.spinner("正在写入数据库……"):
                results = ingest.commit(plan, cached["con"], skip_bad_rows=skip_bad_rows, confirmed=confirmed)
        except ingest.IngestRefused as exc:
            st.error(say(str(exc)), icon="🚫")
            show_problems(exc.problems, plan, cached["con"], "upload_refused")
        except store.StoreBusy as exc:
            st.error(str(exc), icon="⏳")
        except Exception as exc:  # the transaction was rolled back: say so, never a traceback
            st.error(f"写入数据库时出错，本批文件没有写入任何数据：{say(str(exc))}", icon="🚫")
        else:
            changed({RESULTS: results, PLAN: None, ROUND: upload_round + 1}, "upload", files=view.audit_files(results))

st.subheader("4. 各月数据完整性", anchor=False)
shown_table = st.selectbox("数据表", view.coverage_tables(), format_func=view.table_label, key="coverage_table")
grid = store.coverage_grid(ctx.con, shown_table)
if grid.empty or len(grid.columns) <= 1:
    st.caption(f"还没有{view.table_label(shown_table)}数据。")
else:
    title = view.coverage_title(shown_table)
    ui.table(ctx.mask(grid), key="upload_coverage", title=title, columns=view.coverage_columns(grid), download=False)
    for warning in view.coverage_warnings(grid, shown_table):
        st.warning(warning, icon="🧩")

st.subheader("5. 导入记录与撤销", anchor=False)
history = store.history(ctx.con)
if history.empty:
    st.caption("还没有导入记录。")
else:
    ui.table(
        ctx.mask(view.history_frame(history, safe)),
        key="upload_history",
        title="导入记录",
        columns=view.HISTORY_COLUMNS,
    )
    active = store.batches(ctx.con)
    if not active.empty:
        with st.expander("↩️ 撤销一次导入", expanded=False):
            labels = view.batch_labels(active, safe)
            # Keyed by the data version: after any store or undo the choice starts afresh
            # from the newest batch instead of keeping a stale selection.
            version = "_".join(map(str, ctx.version))
            chosen = st.selectbox("选择要撤销的导入", list(labels), format_func=labels.get, key=f"undo_id_{version}")
            effects = ctx.derive("undo_effects", lambda: store.undo_effects(ctx.con, int(chosen)), chosen)
            if effects:
                shown = ctx.mask(view.undo_effects_frame(effects))
                ui.table(shown, key="undo_effects", title="撤销后", columns=view.UNDO_COLUMNS, download=False)
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
                    changed({UNDONE: undone, RESULTS: None}, "undo", batch=int(chosen))

if ctx.demo:
    st.subheader("6. 演示数据", anchor=False)
    st.info(view.demo_notice(store.real_ingests(ctx.con)), icon="🧪")
    sure_demo = st.checkbox("我确认清空全部演示数据（已导入的本行数据不受影响）", key="clear_demo_confirm")
    if st.button("清空演示数据", disabled=not sure_demo, key="clear_demo_button"):
        try:
            removed = store.clear_demo(ctx.con)
        except store.StoreBusy as exc:
            st.error(str(exc), icon="⏳")
        else:
            st.toast(f"已清空演示数据 {removed:,} 行", icon="🧹")
            changed({RESULTS: []}, "clear_demo", rows=removed)
