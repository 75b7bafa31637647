"""AppTest tests of the app shell (puhui/ui.py) and the upload page: fast, no browser."""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pytest
from conftest import ROOT, copy_db, customers_xlsx, next_month
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from puhui import fmt, store, ui

UPLOAD = "pages/upload.py"


def page_labels(at: AppTest) -> list[str]:
    """Labels of the sidebar's navigation links."""
    return [el.proto.label for el in at.sidebar.get("page_link")]


def app_test(rel: str = UPLOAD, query: dict | None = None) -> AppTest:
    """An AppTest of one page file, with query parameters set, run once."""
    at = AppTest.from_file(str(ROOT / rel), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def labelled(elements, label: str):
    """The one widget among ``elements`` with this label."""
    found = [el for el in elements if el.label == label]
    assert len(found) == 1, [el.label for el in elements]
    return found[0]


def texts(elements) -> list[str]:
    """The text values of a list of AppTest elements."""
    return [el.value for el in elements]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("rel", [rel for rel, _, _ in ui.PAGES])
def test_every_page_runs_without_exception(rel, apptest_env):
    if not (ROOT / rel).exists():
        pytest.skip(f"{rel} 尚不存在")
    at = app_test(rel)
    assert not at.exception, [e.value for e in at.exception]
    # Every page called ui.setup: the sidebar carries the shared filters.
    assert [s.label for s in at.sidebar.selectbox][:2] == ["数据月份", "支行"]


def test_navigation_lists_existing_pages_with_emoji(apptest_env):
    if not (ROOT / "app.py").exists():
        pytest.skip("app.py 尚不存在")
    at = app_test("app.py")
    expected = [(label, icon) for rel, label, icon in ui.PAGES if (ROOT / rel).exists()]
    links = [(el.proto.label, el.proto.icon) for el in at.sidebar.get("page_link")]
    assert links == expected
    assert ("数据导入", "📥") in links
    assert not any(icon.startswith(":material") for _, icon in links)


def test_sidebar_defaults(apptest_env, demo_facts):
    at = app_test()
    month, branch = at.sidebar.selectbox
    assert month.options == demo_facts["months"]  # newest first
    assert month.value == demo_facts["latest"]
    assert branch.options == [ui.ALL_BRANCHES, *demo_facts["branches"]]
    assert branch.value == ui.ALL_BRANCHES
    training = at.sidebar.toggle[0]
    assert training.label == "培训演示模式" and training.value is False and not training.proto.disabled
    assert at.query_params["month"] == demo_facts["latest"]
    assert "branch" not in at.query_params and "training" not in at.query_params
    captions = texts(at.sidebar.caption)
    assert f"数据来源：{apptest_env.name}" in captions
    assert any(c.startswith("最近导入：") for c in captions)
    banner = [i.value for i in at.info if "演示数据" in i.value]
    assert banner and "请在“数据导入”页上传本行月度报表" in banner[0]


def test_query_params_set_the_filters(apptest_env, demo_facts):
    month, branch = demo_facts["months"][1], demo_facts["branches"][1]
    at = app_test(query={"month": month, "branch": branch, "training": "1"})
    assert not at.exception
    assert [s.value for s in at.sidebar.selectbox] == [month, branch]
    assert at.sidebar.toggle[0].value is True
    assert at.query_params["month"] == month
    assert at.query_params["branch"] == branch
    assert at.query_params["training"] == "1"
    assert not at.warning


def test_bad_query_params_fall_back_with_chinese_warnings(apptest_env, demo_facts):
    at = app_test(query={"month": "1999-01", "branch": "火星支行"})
    warnings = texts(at.warning)
    assert f"链接中的数据月份“1999-01”不在数据库中，已改为最新月份 {demo_facts['latest']}。" in warnings
    assert "链接中的支行不在数据库或您可查看的支行中，已改为全部支行。" in warnings
    assert [s.value for s in at.sidebar.selectbox] == [demo_facts["latest"], ui.ALL_BRANCHES]
    assert at.query_params["month"] == demo_facts["latest"]
    assert "branch" not in at.query_params


def test_changing_a_filter_updates_the_url(apptest_env, demo_facts):
    at = app_test()
    at.sidebar.selectbox(key=ui.KEY_MONTH).select(demo_facts["months"][-1]).run()
    at.sidebar.selectbox(key=ui.KEY_BRANCH).select(demo_facts["branches"][0]).run()
    at.sidebar.toggle(key=ui.KEY_TRAINING).set_value(True).run()
    assert at.query_params["month"] == demo_facts["months"][-1]
    assert at.query_params["branch"] == demo_facts["branches"][0]
    assert at.query_params["training"] == "1"
    # Back to all sub-branches: the key leaves the URL.
    at.sidebar.selectbox(key=ui.KEY_BRANCH).select(ui.ALL_BRANCHES).run()
    assert "branch" not in at.query_params


def test_filters_survive_a_page_switch(apptest_env, demo_facts):
    if not (ROOT / "app.py").exists():
        pytest.skip("app.py 尚不存在")
    at = app_test("app.py")
    at.sidebar.selectbox(key=ui.KEY_MONTH).select(demo_facts["months"][1]).run()
    at.sidebar.selectbox(key=ui.KEY_BRANCH).select(demo_facts["branches"][-1]).run()
    # Navigation may drop the query string; the session keeps the filters all the same.
    at.query_params.clear()
    at.switch_page(UPLOAD).run()
    assert not at.exception
    assert [s.value for s in at.sidebar.selectbox][:2] == [demo_facts["months"][1], demo_facts["branches"][-1]]
    assert at.query_params["month"] == demo_facts["months"][1]


def test_training_mode_forced_by_environment(apptest_env, monkeypatch):
    monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    at = app_test(query={"training": "0"})  # a link cannot switch it off
    toggle = at.sidebar.toggle[0]
    assert toggle.value is True and toggle.proto.disabled
    assert any("PUHUI_TRAINING_MODE=1" in c for c in texts(at.sidebar.caption))


RUN_SCRIPT = """
import streamlit as st
from puhui import ui

ctx = ui.setup("测试", "🧪")
mix = ctx.run("manager_mix", month=st.session_state.get("probe_month", ctx.month))
st.text(f"rows={len(mix)} total={int(mix['total'].sum()) if len(mix) else 0}")
if st.session_state.get("probe_manager"):
    book = ctx.run("manager_customers", manager_id=st.session_state["probe_manager"])
    st.text("names=" + "|".join(book["customer_name"].astype(str).head(3)))
"""


def test_run_cache_follows_new_ingests(demo_template, tmp_path, monkeypatch, demo_facts):
    db = copy_db(demo_template, tmp_path / "cache.duckdb")
    monkeypatch.setenv("PUHUI_DB", str(db))
    new = next_month(demo_facts["latest"])
    at = AppTest.from_string(RUN_SCRIPT, default_timeout=60)
    at.session_state["probe_month"] = new
    at.run()
    assert not at.exception
    assert at.text[0].value == "rows=0 total=0"
    # Store a month through the same connection the app uses, as the upload page does.
    from puhui import ingest

    con = ui._connection(str(ui.db_path())).cursor()
    data = customers_xlsx(new, demo_facts["branches"][0], demo_facts["manager_ids"][0], 7)
    plan = ingest.analyse([(f"管户明细_{new}.xlsx", data)], con)
    ingest.commit(plan, con)
    at.run()
    assert at.text[0].value.endswith("total=7")


def test_run_masks_personal_columns_in_training_mode(apptest_env, demo_facts):
    if not (ROOT / "queries" / "manager_customers.sql").exists():
        pytest.skip("manager_customers 查询尚不存在")
    manager = demo_facts["manager_ids"][0]
    plain = AppTest.from_string(RUN_SCRIPT, default_timeout=60)
    plain.session_state["probe_manager"] = manager
    plain.run()
    masked = AppTest.from_string(RUN_SCRIPT, default_timeout=60)
    masked.session_state["probe_manager"] = manager
    masked.query_params["training"] = "1"
    masked.run()
    assert not plain.exception and not masked.exception
    plain_names = plain.text[1].value.removeprefix("names=").split("|")
    masked_names = masked.text[1].value.removeprefix("names=").split("|")
    assert plain_names and all("*" not in n for n in plain_names)
    assert all("*" in n for n in masked_names)
    assert [len(n) for n in masked_names] == [len(n) for n in plain_names]


def test_empty_database_points_to_the_upload_page(tmp_path, monkeypatch):
    db = tmp_path / "empty.duckdb"
    store.connect(db).close()
    monkeypatch.setenv("PUHUI_DB", str(db))
    at = AppTest.from_string(
        'from puhui import ui\nctx = ui.setup("测试", "🧪")\nimport streamlit as st\nst.text("after")',
        default_timeout=60,
    ).run()
    assert not at.exception
    assert any("还没有管户明细数据" in i.value for i in at.info)
    assert not at.text  # the page stopped after the notice
    upload = app_test()
    assert not upload.exception
    assert "数据月份：尚无数据" in texts(upload.sidebar.caption)


def test_missing_database_is_built_as_demo_with_progress(demo_template, tmp_path, monkeypatch):
    from puhui import demo

    calls = []

    def quick_build(path, seed=42, progress=None, **kwargs):
        # The demo builder has its own tests; here only the shell's part matters.
        calls.append((seed, progress))
        progress(0.5, "客户")
        copy_db(demo_template, path)
        progress(1.0, "完成")

    monkeypatch.setattr(demo, "build", quick_build)
    db = tmp_path / "fresh" / "puhui.duckdb"
    monkeypatch.setenv("PUHUI_DB", str(db))
    at = app_test()
    assert not at.exception
    assert db.exists() and not (tmp_path / "fresh" / "puhui.duckdb.building").exists()
    assert len(calls) == 1 and calls[0][0] == 42 and callable(calls[0][1])
    assert any("演示数据" in i.value for i in at.info)
    assert not at.get("progress")  # the bar is gone once the database is there


def test_display_frame_formats_amounts_counts_and_shares():
    frame = pd.DataFrame(
        {
            "loan": [Decimal("123456789.00"), Decimal("5.00"), None],
            "total": [Decimal("250000000.00"), Decimal("0"), Decimal("1")],
            "n": [1234, 5, 0],
            "share": [0.8329, 0.5, None],
            "name": ["甲", "乙", "丙"],
        }
    )
    shown, config = ui._display_frame(
        frame,
        {
            "name": ("客户经理", "text"),
            "loan": ("贷款余额", "wan"),
            "total": ("存款余额", "yi"),
            "n": ("管户数", "count"),
            "share": ("占比", "pct"),
        },
    )
    assert list(shown.columns) == ["name", "loan", "total", "n", "share"]
    assert shown["loan"].tolist()[:2] == [12345.68, 0.0]
    assert pd.isna(shown["loan"].tolist()[2])
    assert shown["total"].tolist() == [2.5, 0.0, 1e-08]
    assert shown["share"].tolist()[0] == pytest.approx(83.29)
    assert config["loan"]["label"] == "贷款余额（万元）"
    assert config["total"]["label"] == "存款余额（亿元）"
    assert config["loan"]["type_config"]["format"] == "%,.2f"
    assert config["n"]["type_config"]["format"] == "%,d"


METRIC_SCRIPT = """
from puhui import ui
ui.metric_change("存款余额", "1.00 亿元", 50000, "+5.00 万元")
ui.metric_change("贷款余额", "2.00 亿元", -1, "-0.01 万元")
ui.metric_change("管户数", "100", 0, "0")
ui.metric_change("网格数", "12")
"""


def test_metric_change_is_red_up_green_down(monkeypatch):
    monkeypatch.delenv("PUHUI_UP_IS_RED", raising=False)
    at = AppTest.from_string(METRIC_SCRIPT).run()
    up, down, flat, plain = (m.proto for m in at.metric)
    assert (up.color, up.direction) == (MetricProto.MetricColor.RED, MetricProto.MetricDirection.UP)
    assert (down.color, down.direction) == (MetricProto.MetricColor.GREEN, MetricProto.MetricDirection.DOWN)
    assert flat.color == MetricProto.MetricColor.GRAY
    assert plain.delta == ""
    monkeypatch.setenv("PUHUI_UP_IS_RED", "0")
    at = AppTest.from_string(METRIC_SCRIPT).run()
    assert at.metric[0].proto.color == MetricProto.MetricColor.GREEN


@pytest.fixture
def upload_app(demo_template, tmp_path, monkeypatch):
    """The upload page on a private demo copy (it writes)."""
    db = copy_db(demo_template, tmp_path / "upload.duckdb")
    monkeypatch.setenv("PUHUI_DB", str(db))
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    return app_test()


def test_upload_page_analyses_stores_and_undoes(upload_app, demo_facts):
    at = upload_app
    new = next_month(demo_facts["latest"])
    data = customers_xlsx(new, demo_facts["branches"][0], demo_facts["manager_ids"][0], 12)
    at.file_uploader[0].set_value((f"管户明细_{new}.xlsx", data, XLSX)).run()
    assert not at.exception
    page_text = " ".join(texts(at.markdown))
    assert "识别为 **管户明细**" in page_text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["表头所在行"] == "第 3 行"
    assert metrics["数据月份"] == new
    assert metrics["可导入行数"] == "12"
    assert metrics["错误行"] == "0"
    assert any("合计行 1 行" in c for c in texts(at.caption))
    assert any("万元" in c for c in texts(at.caption))
    confirm = at.button(key="upload_commit")
    assert not confirm.disabled and "共 12 行" in confirm.label
    confirm.click().run()
    assert not at.exception
    successes = texts(at.success)
    assert any(f"已导入管户明细 {new}" in s and "共 12 行" in s for s in successes), successes
    # The sidebar knows the new month at once; one sub-branch's upload makes it a partial month,
    # so the whole line stays on the newest complete month, and the new month says what it lacks.
    month_select = at.sidebar.selectbox[0]
    assert month_select.options[0].startswith(new) and "不完整" in month_select.options[0]
    assert month_select.value == demo_facts["latest"]
    assert "最近导入：" in " ".join(texts(at.sidebar.caption))
    # Undo it.
    undo_choice = labelled(at.selectbox, "选择要撤销的导入")
    stored_id = int(re.search(r"导入编号 (\d+)", " ".join(successes)).group(1))
    assert undo_choice.value == stored_id  # the newest ingest, not a stale choice
    assert f"管户明细 · {new}" in undo_choice.options[0]
    assert at.button(key="undo_button").disabled
    labelled(at.checkbox, "我确认撤销这次导入").check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception
    assert any(s.startswith("已撤销导入") and "删除 12 行" in s for s in texts(at.success))
    assert at.sidebar.selectbox[0].options == demo_facts["months"]


def test_upload_page_refuses_a_file_without_required_columns(upload_app):
    at = upload_app
    at.file_uploader[0].set_value(("杂项_2026-10.csv", "名称,数量\n甲,1\n".encode(), "text/csv")).run()
    assert not at.exception
    assert any("不能导入" in e.value for e in at.error)
    assert at.button(key="upload_commit").disabled
    problems = [el for el in at.dataframe if "问题" in el.value.columns]
    assert problems and (problems[0].value["级别"] == "错误").any()


def test_upload_page_offers_to_skip_bad_rows(upload_app, demo_facts):
    at = upload_app
    new = next_month(demo_facts["latest"])
    data = customers_xlsx(new, demo_facts["branches"][0], demo_facts["manager_ids"][0], 5, bad_amount_row=2)
    at.file_uploader[0].set_value((f"管户明细_{new}.xlsx", data, XLSX)).run()
    assert not at.exception
    assert any("1 行数据存在错误" in w.value for w in at.warning)
    assert at.button(key="upload_commit").disabled
    labelled(at.checkbox, "跳过这 1 行错误数据，只导入正确的行").check().run()
    assert not at.button(key="upload_commit").disabled
    at.button(key="upload_commit").click().run()
    assert any("共 4 行" in s for s in texts(at.success)), texts(at.success)


def test_month_picker_overrides_the_file_name(upload_app, demo_facts):
    at = upload_app
    data = customers_xlsx("x", demo_facts["branches"][0], demo_facts["manager_ids"][0], 3)
    at.file_uploader[0].set_value(("管户明细.xlsx", data, XLSX)).run()
    assert at.button(key="upload_commit").disabled  # no month anywhere: refused
    target = next_month(next_month(demo_facts["latest"]))
    labelled(at.selectbox, "“管户明细\\.xlsx”的数据月份").select(target).run()  # the picker of that file
    assert {m.label: m.value for m in at.metric}["数据月份"] == target
    assert not at.button(key="upload_commit").disabled


def test_upload_then_clear_demo_keeps_uploaded_data(upload_app, demo_facts):
    at = upload_app
    assert any("当前显示的是演示数据" in i for i in texts(at.info))
    new = next_month(demo_facts["latest"])
    data = customers_xlsx(new, demo_facts["branches"][0], demo_facts["manager_ids"][0], 5)
    at.file_uploader[0].set_value((f"管户明细_{new}.xlsx", data, XLSX)).run()
    at.button(key="upload_commit").click().run()
    assert not at.exception
    # Demo and real data side by side: the banner says so, plainly.
    assert any("演示数据与已导入的本行数据并存" in w for w in texts(at.warning))
    assert at.button(key="clear_demo_button").disabled
    at.checkbox(key="clear_demo_confirm").check().run()
    at.button(key="clear_demo_button").click().run()
    assert not at.exception
    assert at.sidebar.selectbox[0].options == [new]
    assert not any("演示数据" in i for i in texts(at.info) + texts(at.warning))


TABLE_SCRIPT = """
import pandas as pd
from puhui import ui
ui.table(pd.DataFrame({"n": range(12)}), key="big", title="序号表", columns={"n": ("序号", "count")})
"""


def test_table_shows_at_most_the_setting_and_says_so(monkeypatch):
    monkeypatch.setenv("PUHUI_TABLE_MAX_ROWS", "5")
    at = AppTest.from_string(TABLE_SCRIPT).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 5
    assert any("共 12 行，此处显示前 5 行" in c for c in texts(at.caption))


def test_display_amounts_match_to_wan_half_up_on_every_path():
    # The display converts a column at once (Arrow decimals for exact amounts, numpy for floats,
    # one value at a time for fractions of a cent); each shows what fmt.to_wan rounds, half-up.
    import random

    rng = random.Random(13)
    exact = [Decimal(rng.randint(-(10**12), 10**12)) / 100 for _ in range(3000)]
    exact += [Decimal("12350.00"), Decimal("-12350.00"), Decimal("12349.99"), Decimal("50.00"), Decimal("-50.00"), 7]
    fractions = [*exact[:200], Decimal("1234.565"), Decimal("-0.005")]
    for values in (exact, fractions, [float(v) for v in exact[:500]]):
        column = pd.Series([*values, None], dtype=object if not isinstance(values[0], float) else "float64")
        shown = ui._wan_floats(column).tolist()
        expected = [float(fmt.to_wan(v)) for v in values]
        assert shown[:-1] == expected and pd.isna(shown[-1])
