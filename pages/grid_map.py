"""网格地图: grid cells, their owners, penetration and coverage gaps, the channels beside the map,
a cell's panel on click, and the weekly plan — drawn with no basemap (bank intranets are offline)."""

from __future__ import annotations

import streamlit as st

from puhui import fmt, geo, grids, map_view, maps, periods, settings, ui

ctx = ui.setup("网格地图", "🗺️")

st.title("🗺️ 网格地图")
ui.explain(grids.page_explanation())

try:
    phase = periods.phase_window(ctx.month)
except ValueError as problem:
    st.error(f"{problem}。请检查设置 phase_months、phase_weights、phase_names。", icon="⚠️")
    st.stop()
cells = ctx.only_present(ctx.run("grid_cells"), "网格")
if cells.empty:
    st.info(
        "截至本月还没有网格数据。请在“数据导入”页上传网格表（网格编号、名称、类型、支行、负责人、中心坐标或边界、经营主体数）。",
        icon="🗺️",
    )
    st.stop()

# A million customers stay in the database: a fixed sample for the map, counts for the
# headline, and the point-in-polygon check only for the customers not in a place cell.
max_points = int(settings.get("map_max_points"))
totals = ctx.run("grid_customer_counts")
attributed = ctx.run("grid_channel_totals")
events_from = grids.recent_since(ctx.month, phase)

shapes = ctx.derive("grid_shapes", lambda: geo.cell_shapes(cells))
outside = map_view.outside_list(ctx, shapes)
gaps = ctx.derive("grid_gaps", lambda: grids.cell_gaps(cells, ctx.month))
figures = grids.summary(cells, totals, None, counts=(outside.outside, outside.unassigned_inside))
scope = ctx.branch or "全条线"

st.subheader(f"{fmt.month_label(ctx.month)} · {fmt.md(scope)}")
for column, (label, value, tip) in zip(st.columns(5), grids.headline(figures, gaps)):
    column.metric(label, value, help=tip)

controls = st.columns([3, 2, 2])  # the toggles' labels stay whole at 1280 px
measure = controls[0].selectbox(
    "网格着色指标", list(maps.MEASURES), format_func=lambda m: maps.MEASURES[m].label, key="grid_map_measure"
)
show_points = controls[1].toggle("显示客户（按管户类型着色）", value=True, key="grid_map_points")
show_density = controls[2].toggle("显示网格外客户密度", value=True, key="grid_map_density")

place_ids = shapes["grid_id"].tolist()
cell_names = grids.cell_labels(shapes)


def _open_clicked_cell(ids=tuple(place_ids)):
    # A click on a cell (or on a customer inside one) opens that cell's panel via the selectbox.
    clicked = maps.selected_grid(st.session_state.get("grid_map_deck"))
    if clicked in ids:
        st.session_state["grid_map_cell"] = clicked


map_column, side_column = st.columns([7, 3])
with map_column:
    st.pydeck_chart(
        map_view.deck(ctx, shapes, outside, measure, show_points, show_density),
        on_select=_open_clicked_cell,
        selection_mode="single-object",
        key="grid_map_deck",
        height=560,
        alt=f"{scope}网格地图：{len(place_ids)} 个网格，按{maps.MEASURES[measure].label}着色",
    )
    _, legend = maps.measure_colors(shapes[shapes["shape"].notna()], measure)
    st.markdown(maps.legend_html(legend, maps.MEASURES[measure].label), unsafe_allow_html=True)
    if show_points:
        st.markdown(maps.legend_html(maps.segment_legend(), "客户"), unsafe_allow_html=True)
    if figures["customers"] > max_points and show_points:
        st.caption(f"客户较多，地图上抽样显示 {fmt.count(max_points)} 户。")
    for note in geo.shape_notes(shapes):
        st.caption(note)

with side_column:
    st.markdown("**🏛️ 政府渠道与商会协会（纵轴）**")
    channels = grids.channel_list(cells, attributed)
    if channels.empty:
        st.caption("本范围内没有政府渠道或商会协会网格。")
    else:
        with st.container(height=min(480, 60 + 62 * len(channels)), border=False, key="grid_channel_list"):
            st.markdown(grids.channel_markdown(channels))
        st.caption(
            "客户归属：网格编号为该部门，或“获客渠道”与部门名称一致、包含部门名称，或为部门名称（含常见简称）的唯一部分。"
        )
        chosen = st.selectbox(
            "查看部门带来的客户",
            [None, *channels["grid_id"]],
            format_func=lambda g: "请选择" if g is None else grids.channel_names(channels)[g],
            key="grid_channel_pick",
        )
        if chosen:
            ui.table(
                ctx.run("grid_channel_customers", dept_id=chosen),
                key="grid_channel_customers",
                name="渠道带来的客户",
                filters={"渠道": grids.channel_names(channels)[chosen]},
                columns=grids.CHANNEL_PICK_COLUMNS,
            )

st.divider()
selected = st.selectbox(
    "查看网格详情（也可直接点击地图上的网格）",
    [None, *place_ids],
    format_func=lambda g: "请选择网格" if g is None else cell_names.get(g, g),
    key="grid_map_cell",
)
if selected:
    cell = grids.cell_row(cells, selected)
    with st.container(border=True, key="grid_cell_panel"):
        st.markdown(f"### 📍 网格详情：{fmt.md(cell['grid_name'])}")
        st.caption(
            " · ".join(
                fmt.md(part)
                for part in (
                    cell["grid_type"],
                    cell["branch"],
                    f"网格编号 {selected}",
                    f"负责人 {grids.owner_text(cell)}",
                )
            )
        )
        row = st.columns(5)
        row[0].metric("我行客户", fmt.count(cell["customers"]))
        row[1].metric("经营主体", fmt.count(cell["merchants"]))
        row[2].metric("渗透率", fmt.pct(cell["penetration"]))
        row[3].metric("存款（万元）", fmt.wan(float(cell["deposits"])))
        row[4].metric("贷款（万元）", fmt.wan(float(cell["loans"])))
        left, right = st.columns(2)
        with left:
            ui.table(
                grids.segment_counts(cell),
                key="grid_cell_segments",
                title="管户类型",
                columns=grids.CELL_SEGMENT_COLUMNS,
                download=False,
            )
        with right:
            ui.table(
                grids.deposit_kinds(cell),
                key="grid_cell_deposits",
                title="存款结构",
                columns=grids.CELL_DEPOSIT_COLUMNS,
                download=False,
            )
        st.caption(
            f"本阶段（{phase.name}）新开户 {fmt.count(cell['new_accounts'])} 户；"
            f"营销活动 {fmt.count(cell['phase_activities'])} 次、拜访 {fmt.count(cell['phase_visits'])} 次；"
            f"最近一次活动或拜访：{maps.date_text(cell['last_activity'])}"
        )
        ui.table(
            ctx.run("grid_customers", grid_id=selected),
            key="grid_cell_customers",
            title="网格内客户",
            columns=grids.CELL_CUSTOMER_COLUMNS,
        )
        recent = ctx.run("grid_events", start=events_from.isoformat(), grid_id=selected).head(30)
        if recent.empty:
            st.caption(f"自 {events_from:%Y-%m-%d} 以来该网格没有营销活动或拜访记录。")
        else:
            ui.table(
                recent,
                key="grid_cell_events",
                title=f"近期营销活动与拜访（自 {events_from:%Y-%m-%d}，最近 30 条）",
                columns=grids.EVENT_COLUMNS,
            )

gap_tab, plan_tab, all_tab, channel_tab = st.tabs(["⚠️ 覆盖缺口", "🗓️ 周计划", "📋 全部网格", "🏛️ 渠道明细"])
with gap_tab:
    counts = st.columns(len(grids.GAP_KINDS) + 1)
    for column, (kind, n) in zip(counts, grids.gap_counts(gaps).items()):
        column.metric(kind, fmt.count(n))
    counts[-1].metric("网格外客户", fmt.count(figures["outside"]))
    ui.table(gaps, key="grid_gaps", title="网格缺口清单", columns=grids.GAP_COLUMNS)
    ui.table(
        outside.head,
        key="grid_outside",
        title="未归属网格的客户（“坐标所在网格”非空者可补录网格编号）",
        columns=grids.OUTSIDE_COLUMNS,
        full=outside.full,
        total=outside.rows,
    )

with plan_tab:
    plan, week_labels = map_view.weekly_plan(ctx, cells)
    view = st.radio("查看方式", ["按网格汇总", "按网格和客户经理展开"], horizontal=True, key="grid_plan_view")
    st.caption(
        f"本阶段：{phase.name}（{phase.start:%Y-%m-%d} 起，统计至 {phase.until(ctx.month):%Y-%m-%d}）。"
        "✓ 后的数字为当周在该网格的营销活动和拜访次数（拜访按被拜访客户所属网格计）；全空的行是本阶段无人经营的网格。"
    )
    if view == "按网格汇总":
        ui.table(
            map_view.plan_cells(ctx, plan, week_labels),
            key="grid_plan_cells",
            title="网格周计划（按网格）",
            columns=grids.plan_columns(week_labels, by_cell=True),
        )
    else:
        shown = grids.plan_display(plan, week_labels)
        managers = grids.plan_managers(shown)
        who = st.selectbox(
            "客户经理", [None, *managers], format_func=lambda m: "全部" if m is None else m, key="grid_plan_manager"
        )
        if who:
            shown = shown[shown["manager_name"] == who]
        ui.table(
            shown,
            key="grid_plan",
            title="网格周计划（按网格和客户经理）",
            columns=grids.plan_columns(week_labels, by_cell=False),
        )

with all_tab:
    ui.table(cells, key="grid_all", title="网格明细", columns=grids.CELL_COLUMNS)

with channel_tab:
    if channels.empty:
        st.caption("本范围内没有政府渠道或商会协会网格。")
    else:
        ui.table(
            channels, key="grid_channel_table", title="政府渠道与商会协会带来的客户", columns=grids.CHANNEL_COLUMNS
        )
        # The full list can run to hundreds of thousands of rows: one department at a time.
        dept = st.selectbox(
            "渠道客户明细：选择部门",
            [None, *channels["grid_id"]],
            format_func=lambda g: "请选择" if g is None else grids.channel_names(channels)[g],
            key="grid_channel_detail_pick",
        )
        if dept:
            ui.table(
                ctx.run("grid_channel_customers", dept_id=dept),
                key="grid_channel_all_customers",
                title="渠道客户明细（含归属依据）",
                columns=grids.CHANNEL_CUSTOMER_COLUMNS,
            )
