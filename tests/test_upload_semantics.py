"""Month-end uploads that never silently lose, duplicate or misplace data (issue 16).

One test (or a few) per defect found at month end, each written against the behaviour a
user sees — the command line, ``ingest.analyse``/``commit``, the upload page in AppTest —
so that it failed on the code before the fix and passes after.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import re
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from puhui import cli, contract, ingest, normalize, store

ROOT = Path(__file__).resolve().parent.parent
UPLOAD = str(ROOT / "pages" / "upload.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BRANCH = "城东支行"
WAN_FIGURE = re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d{2} 万元")


def customers_book(
    month: str | None,
    ids: list[str],
    branch: str = BRANCH,
    title: str | None = None,
    wan: str = "1.50",
    kind: str = "非授信",
    manager: str = "M01",
    total: bool = False,
) -> bytes:
    """A 管户明细 workbook as a core system exports it: a title line, a header, rows in 万元, maybe a 合计."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "管户明细"
    sheet.append([title if title is not None else f"{branch} {month or ''} 管户明细"])
    sheet.append(["客户号", "客户名称", "客户经理编号", "所属支行", "管户类型", "结算存款(万元)"])
    for cid in ids:
        sheet.append([cid, f"{cid}商贸有限公司", manager, branch, kind, wan])
    if total:
        sheet.append(["合计", None, None, None, None, f"{Decimal(wan) * len(ids):,.2f}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "month_end.duckdb"
    store.connect(path).close()
    return path


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def rows_of(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def slot(db: Path, month: str = "2026-11", branch: str = BRANCH) -> tuple[int, Decimal]:
    """(customers, 结算存款 in yuan) stored for one sub-branch and month."""
    return rows_of(
        db,
        "select count(*), coalesce(sum(dep_settlement), 0) from customers where month = $m and branch = $b",
        {"m": month, "b": branch},
    )[0]


IDS_ALL = [f"A{i:02d}" for i in range(40)]
IDS_CORP = [f"G{i:02d}" for i in range(20)]
IDS_RETAIL = [f"P{i:02d}" for i in range(20)]


# --- 1. undo out of order never duplicates ------------------------------------------------------


def test_1_undoing_an_older_import_under_a_newer_one_keeps_the_newer_rows(tmp_path, db):
    whole = write(tmp_path, f"{BRANCH}_2026-11_全部.xlsx", customers_book("2026-11", IDS_ALL, wan="2.00"))
    corp = write(tmp_path, f"{BRANCH}_2026-11_对公.xlsx", customers_book("2026-11", IDS_CORP))
    retail = write(tmp_path, f"{BRANCH}_2026-11_个人.xlsx", customers_book("2026-11", IDS_RETAIL, wan="3.00"))
    assert run_cli("ingest", whole, "--db", str(db))[0] == 0
    assert run_cli("ingest", corp, "--db", str(db))[0] == 0
    assert run_cli("ingest", retail, "--db", str(db))[0] == 0
    corp_id, retail_id = [r[0] for r in rows_of(db, "select ingest_id from ingest_log order by ingest_id")][1:]
    assert slot(db) == (20, Decimal("600000.00"))
    # Undo the older of the two: the newer one's rows stay, nothing comes back twice.
    code, out, err = run_cli("undo", str(corp_id), "--db", str(db))
    assert code == 0, err
    assert slot(db) == (20, Decimal("600000.00"))
    assert "当前数据不变" in out
    # Undo the newer one: what was there before both comes back, once.
    assert run_cli("undo", str(retail_id), "--db", str(db))[0] == 0
    assert slot(db) == (40, Decimal("800000.00"))
    assert rows_of(db, "select count(*), count(distinct customer_id) from customers") == [(40, 40)]
    # Re-uploading 个人 after all that really stores it again.
    code, out, err = run_cli("ingest", retail, "--db", str(db))
    assert code == 0 and "未改动" not in out, out
    assert slot(db) == (20, Decimal("600000.00"))


def test_1_undoing_one_file_of_a_two_file_batch_restores_the_month_once(tmp_path, db):
    whole = write(tmp_path, f"{BRANCH}_2026-11_全部.xlsx", customers_book("2026-11", IDS_ALL, wan="2.00"))
    corp = write(tmp_path, f"{BRANCH}_2026-11_对公.xlsx", customers_book("2026-11", IDS_CORP))
    retail = write(tmp_path, f"{BRANCH}_2026-11_个人.xlsx", customers_book("2026-11", IDS_RETAIL, wan="3.00"))
    assert run_cli("ingest", whole, "--db", str(db))[0] == 0
    assert run_cli("ingest", corp, retail, "--db", str(db))[0] == 0
    older = rows_of(db, "select min(ingest_id) from ingest_log where file_name like '%对公%'")[0][0]
    con = store.connect(db)
    store.undo(con, older)
    con.close()
    assert slot(db) == (40, Decimal("800000.00"))
    assert rows_of(db, "select count(*) from customers") == [(40,)]


# --- 2. files for the same sub-branch and month in one batch are combined ---------------------------


def test_2_two_files_of_one_sub_branch_and_month_are_combined(tmp_path, db):
    whole = write(tmp_path, f"{BRANCH}_2026-11_全部.xlsx", customers_book("2026-11", IDS_ALL, wan="2.00"))
    corp = write(tmp_path, f"{BRANCH}_2026-11_对公.xlsx", customers_book("2026-11", IDS_CORP))
    retail = write(tmp_path, f"{BRANCH}_2026-11_个人.xlsx", customers_book("2026-11", IDS_RETAIL, wan="3.00"))
    assert run_cli("ingest", whole, "--db", str(db))[0] == 0
    code, out, err = run_cli("ingest", corp, retail, "--db", str(db))
    assert code == 0, err
    assert slot(db) == (40, Decimal("900000.00"))
    assert "合并导入" in out and "不会相互替换" in out


def test_2_the_check_step_says_the_files_are_combined_and_reports_shared_keys(tmp_path, db):
    con = store.connect(db)
    corp = customers_book("2026-11", IDS_CORP)
    retail = customers_book("2026-11", [*IDS_RETAIL[:19], IDS_CORP[3]], wan="3.00")  # one customer in both
    plan = ingest.analyse([(f"{BRANCH}_2026-11_对公.xlsx", corp), (f"{BRANCH}_2026-11_个人.xlsx", retail)], con)
    assert plan.merges and "合并导入（共 39 行）" in plan.merges[0]  # the repeated customer is a row error
    duplicate = plan.problems[plan.problems["级别"] == "行错误"]
    assert len(duplicate) == 1
    assert "“G03”与同批文件" in duplicate["问题"].iloc[0] and duplicate["文件"].iloc[0].endswith("个人.xlsx")
    results = ingest.commit(plan, con, skip_bad_rows=True)
    assert {r["batch_id"] for r in results} == {results[0]["batch_id"]}
    assert con.execute("select count(*), count(distinct customer_id) from customers").fetchall() == [(39, 39)]
    con.close()


# --- 3. the month picker applies to its own file; conflicts are put to the user ------------------


def grid_book() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["网格编号", "网格名称", "网格类型", "所属支行", "中心经度", "中心纬度"])
    book.active.append(["G001", "城东工业园", "园区", BRANCH, 112.23, 30.04])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def page(db, monkeypatch) -> AppTest:
    """The upload page on an empty database of its own."""
    monkeypatch.setenv("PUHUI_DB", str(db))
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    return AppTest.from_file(UPLOAD, default_timeout=60).run()


def normalize_md(text: str) -> str:
    """A name as the page writes it into a Markdown label (escaped: ``a.xlsx`` → ``a\\.xlsx``)."""
    from puhui import fmt

    return fmt.md(text)


def month_picker(at: AppTest, file_name: str):
    """The month picker for one file (the page's single picker, on a page that has only one)."""
    mine = [s for s in at.selectbox if normalize_md(file_name) in s.label or file_name in s.label]
    return mine[0] if mine else next(s for s in at.selectbox if s.label == "报表所属月份")


def sheet_months(at: AppTest) -> list[str]:
    return [m.value for m in at.metric if m.label == "数据月份"]


def test_3_a_month_chosen_for_one_file_does_not_apply_to_a_later_file(page):
    at = page
    grids = ("城东支行网格.xlsx", grid_book(), XLSX)
    at.file_uploader[0].set_value(grids).run()
    month_picker(at, "城东支行网格.xlsx").select("2026-11").run()
    assert sheet_months(at) == ["2026-11"]
    december = f"{BRANCH}_2026年12月_管户明细.xlsx"
    data = customers_book(None, IDS_CORP[:3], title=f"{BRANCH} 2026年12月 管户明细")
    at.file_uploader[0].set_value([grids, (december, data, XLSX)]).run()
    assert not at.exception
    assert sorted(sheet_months(at)) == ["2026-11", "2026-12"]
    assert month_picker(at, december).value == "自动识别"


def test_3_a_month_that_disagrees_with_the_file_is_asked_about(page):
    at = page
    december = f"{BRANCH}_2026年12月_管户明细.xlsx"
    at.file_uploader[0].set_value(
        (december, customers_book(None, IDS_CORP[:3], title="2026年12月 管户明细"), XLSX)
    ).run()
    assert sheet_months(at) == ["2026-12"] and not at.button(key="upload_commit").disabled
    month_picker(at, december).select("2026-11").run()
    assert not at.exception
    asked = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.warning))  # as shown: names are escaped Markdown
    assert (
        "需要您确认" in asked
        and "所选月份 2026-11" in asked
        and "文件名 2026-12" in asked
        and "标题行 2026-12" in asked
    )
    assert at.button(key="upload_commit").disabled
    next(c for c in at.checkbox if "按 2026\\-11 导入" in c.label).check().run()
    assert not at.button(key="upload_commit").disabled
    at.button(key="upload_commit").click().run()
    assert not at.exception
    assert any("已导入管户明细 2026-11" in s.value for s in at.success), [s.value for s in at.success]


def test_3_file_name_and_title_that_disagree_are_refused_by_the_command_line(tmp_path, db):
    path = write(
        tmp_path, f"{BRANCH}_2026-11_管户明细.xlsx", customers_book(None, IDS_CORP[:2], title="2026年12月 管户明细")
    )
    code, out, err = run_cli("ingest", path, "--db", str(db))
    assert code == 2 and "文件名 2026-11" in err and "标题行 2026-12" in err and "--month" in err
    assert rows_of(db, "select count(*) from customers") == [(0,)]
    code, out, err = run_cli("ingest", path, "--db", str(db), "--month", "2026-12")
    assert code == 0, err
    assert rows_of(db, "select distinct month from customers") == [("2026-12",)]


# --- 4. a missing 管户类型 is derived and said so, or asked about ----------------------------------


def test_4_no_segment_and_no_loans_is_asked_not_guessed(tmp_path, db):
    text = "客户号,客户名称,客户经理编号,所属支行,结算存款(万元)\nK1,甲,M9,开发区支行,1.5\nK2,乙,M9,开发区支行,2\n"
    path = write(tmp_path, "存款客户_202611.csv", text.encode("gbk"))
    code, out, err = run_cli("ingest", path, "--db", str(db))
    assert code == 2, out
    assert "无法推算" in err and "管户类型" in err and "--assume-non-credit" in err
    assert rows_of(db, "select count(*) from customers") == [(0,)]
    code, out, err = run_cli("ingest", path, "--db", str(db), "--assume-non-credit")
    assert code == 0, err
    assert rows_of(db, "select distinct segment from customers") == [("非授信",)]


def test_4_a_derived_segment_is_reported_with_its_rule_and_counts(tmp_path, db):
    text = (
        "客户号,客户名称,客户经理编号,所属支行,线下贷款余额(万元),线上贷款余额(万元)\n"
        "K1,甲,M9,开发区支行,10,0\nK2,乙,M9,开发区支行,0,2\nK3,丙,M9,开发区支行,,\n"
    )
    path = write(tmp_path, "客户_202611.csv", text.encode("gbk"))
    code, out, err = run_cli("ingest", path, "--db", str(db))
    assert code == 0, err
    assert "文件中没有“管户类型”列，已按贷款余额推算" in out
    assert "线下授信 1 户、线上授信 1 户、非授信 1 户" in out


# --- 5. headers: common variants, the nearest accepted name, look-alikes, the guide, templates -----


def test_5_common_header_variants_are_recognised(tmp_path, db):
    text = "客户ＩＤ,客户名称,客户经理　工号,所属 支行,管户类型\nK1,甲,M9,开发区支行,非授信\n"
    path = write(tmp_path, "客户_202611.csv", text.encode("utf-8"))
    code, out, err = run_cli("ingest", path, "--db", str(db))
    assert code == 0, err
    assert rows_of(db, "select customer_id, manager_id, branch from customers") == [("K1", "M9", "开发区支行")]


def test_5_an_unknown_header_names_the_nearest_accepted_one(tmp_path, db):
    text = "客户号,客户名称,客户经理工,所属支行\nK1,甲,M9,开发区支行\n"
    code, out, err = run_cli("ingest", write(tmp_path, "客户_202611.csv", text.encode("utf-8")), "--db", str(db))
    assert code == 2
    assert "“客户经理工”未能识别，最接近的写法是“客户经理工号”（即“客户经理编号”列）" in err
    assert "客户经理编号（可用写法：客户经理编号、" in err and "客户经理工号" in err
    assert "字段说明" in err


def test_5_an_account_number_is_not_taken_for_a_customer_number_and_says_so(tmp_path, db):
    text = "客户账号,客户名称,客户经理编号,所属支行\n6222000011112222,甲,M9,开发区支行\n"
    code, out, err = run_cli("ingest", write(tmp_path, "客户_202611.csv", text.encode("utf-8")), "--db", str(db))
    assert code == 2
    assert "缺少必填列：客户号" in err and "“客户账号”是账号，不是客户号，已忽略" in err


def test_5_the_page_lists_every_accepted_header_and_offers_templates(page, monkeypatch):
    at = page
    guide = next(e for e in at.expander if "字段说明" in e.label)
    text = " ".join(m.value for m in guide.markdown)
    for table in contract.TABLES.values():
        for col in table.columns:
            for header in (col.label, *col.aliases):
                assert header in text, (table.name, header)
    names = {b.proto.label for b in at.get("download_button")}
    assert "下载空白模板（全部数据表，一个工作簿）" in names
    assert {f"下载空白模板：{t.label}" for t in contract.TABLES.values()} <= names


@pytest.mark.parametrize("table_name", [None, *contract.TABLES])
def test_5_a_filled_template_uploads_back_without_a_note_on_its_headers(db, table_name):
    from puhui import templates

    rows = {
        "managers": ["2026-11", "M01", "张伟", BRANCH, "一组", "客户经理"],
        "customers": ["2026-11", "C001", "甲公司", "M01", BRANCH, "线下授信", "小微企业"],
        "grids": ["2026-11", "G01", "城东园区", "园区", BRANCH, "M01", 112.2, 30.1],
        "activities": ["2026-11-05", "园区行", BRANCH, "M01", "G01", 3],
        "targets": [2026, "管户数", 100, BRANCH],
        "visits": ["2026-11-06", "M01", "C001", "上门", "客户经理", BRANCH],
        "scheme": [2026, "管户数", 10, BRANCH],
    }
    book = openpyxl.load_workbook(io.BytesIO(templates.template_xlsx(table_name)))
    for name in [table_name] if table_name else list(contract.TABLES):
        book[contract.TABLES[name].label].append(rows[name])
    buffer = io.BytesIO()
    book.save(buffer)
    con = store.connect(db)
    plan = ingest.analyse([(templates.template_file_name(table_name), buffer.getvalue())], con)
    notes = plan.problems[~plan.problems["问题"].str.contains("填写说明|客户经理名单")]
    assert not plan.refused and plan.bad_rows == 0 and notes.empty, plan.problems.to_string()
    assert sorted(r.table for r in plan.sheets) == sorted([table_name] if table_name else contract.TABLES)
    ingest.commit(plan, con)
    con.close()


# --- 6. a 合计 gap that comes only from skipped rows is not an error; one number format -------------


def test_6_a_bad_cell_under_a_correct_total_can_be_skipped(tmp_path, db):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["城东支行 2026年11月 管户明细"])
    sheet.append(["客户号", "客户名称", "客户经理编号", "所属支行", "管户类型", "结算存款(万元)"])
    sheet.append(["C1", "甲", "M01", BRANCH, "非授信", "12,3O4.5"])
    sheet.append(["C2", "乙", "M01", BRANCH, "非授信", "1,000.25"])
    sheet.append(["C3", "丙", "M01", BRANCH, "非授信", "200"])
    sheet.append(["合计", None, None, None, None, "13,504.75"])
    buffer = io.BytesIO()
    book.save(buffer)
    con = store.connect(db)
    plan = ingest.analyse([(f"{BRANCH}_2026-11.xlsx", buffer.getvalue())], con)
    assert not plan.refused, plan.problems.to_string()
    assert plan.bad_rows == 1
    note = plan.problems[plan.problems["问题"].str.contains("合计行")]["问题"].iloc[0]
    assert "合计行无法完整核对" in note
    assert WAN_FIGURE.findall(note) == ["13,504.75 万元", "1,200.25 万元", "12,304.50 万元", "1,200.25 万元"]
    ingest.commit(plan, con, skip_bad_rows=True)
    assert con.execute("select count(*), sum(dep_settlement) from customers").fetchall() == [
        (2, Decimal("12002500.00"))
    ]
    con.close()


def test_6_a_real_total_mismatch_is_an_error_in_one_format(tmp_path, db):
    data = customers_book("2026-11", IDS_CORP[:3], wan="1,000.5", total=False)
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.active.append(["合计", None, None, None, None, "3,000.5"])
    buffer = io.BytesIO()
    book.save(buffer)
    con = store.connect(db)
    plan = ingest.analyse([(f"{BRANCH}_2026-11.xlsx", buffer.getvalue())], con)
    assert plan.refused
    message = plan.problems[plan.problems["级别"] == "错误"]["问题"].iloc[0]
    assert message.startswith("合计行与明细不符")
    assert WAN_FIGURE.findall(message) == ["3,000.50 万元", "3,001.50 万元", "-1.00 万元"]
    con.close()


# --- 7. what a confirm will replace is shown before it ---------------------------------------------


def test_7_the_check_step_shows_what_will_be_replaced(tmp_path, db, monkeypatch):
    con = store.connect(db)
    ingest.commit(ingest.analyse([(f"{BRANCH}_2026-11_全部.xlsx", customers_book("2026-11", IDS_ALL))], con), con)
    con.close()
    monkeypatch.setenv("PUHUI_DB", str(db))
    at = AppTest.from_file(UPLOAD, default_timeout=60).run()
    at.file_uploader[0].set_value((f"{BRANCH}_2026-11_更正.xlsx", customers_book("2026-11", IDS_CORP), XLSX)).run()
    assert not at.exception
    frames = [d.value for d in at.dataframe if "现有行数" in d.value.columns]
    assert frames, [d.value.columns.tolist() for d in at.dataframe]
    row = frames[0].iloc[0]
    assert (row["数据表"], row["月份"], row["支行"], row["现有行数"], row["导入后行数"]) == (
        "管户明细",
        "2026-11",
        BRANCH,
        40,
        20,
    )
    assert any("将替换 1 处现有数据，共 40 行" in c.value for c in at.caption)


# --- 8. the same files after an undo change nothing; a batch is undone as one -----------------------


def test_8_the_same_batch_after_an_undo_is_recognised_as_unchanged(db):
    con = store.connect(db)
    corp = (f"{BRANCH}_2026-11_对公.xlsx", customers_book("2026-11", IDS_CORP))
    retail = (f"{BRANCH}_2026-11_个人.xlsx", customers_book("2026-11", IDS_RETAIL, wan="3.00"))
    ingest.commit(ingest.analyse([corp, retail], con), con)
    only_corp = ingest.commit(ingest.analyse([corp], con), con)
    assert con.execute("select count(*) from customers").fetchall() == [(20,)]
    store.undo(con, only_corp[0]["ingest_id"])
    before = con.execute("select count(*) from ingest_log").fetchall()
    again = ingest.commit(ingest.analyse([corp, retail], con), con)
    assert [r["unchanged"] for r in again] == [True, True]
    assert con.execute("select count(*) from ingest_log").fetchall() == before
    assert con.execute("select count(*) from customers").fetchall() == [(40,)]
    con.close()


def test_8_a_batch_is_undone_as_one(tmp_path, db):
    roster = "客户经理编号,客户经理姓名,所属支行\nM01,张伟,城东支行\n".encode()
    paths = [
        write(tmp_path, "客户经理_2026-11.csv", roster),
        write(tmp_path, f"{BRANCH}_2026-11_对公.xlsx", customers_book("2026-11", IDS_CORP)),
    ]
    assert run_cli("ingest", *paths, "--db", str(db))[0] == 0
    ids = [r[0] for r in rows_of(db, "select ingest_id from ingest_log order by 1")]
    assert len(ids) == 2
    con = store.connect(db)
    result = store.undo(con, ids[-1])
    con.close()
    assert rows_of(db, "select count(*) from ingest_log where undone_at is null") == [(0,)]
    assert rows_of(db, "select (select count(*) from customers) + (select count(*) from managers)") == [(0,)]
    assert sorted(result["ingest_ids"]) == ids


def test_8_the_command_line_says_a_batch_goes_as_one_before_undoing_it(tmp_path, db):
    roster = "客户经理编号,客户经理姓名,所属支行\nM01,张伟,城东支行\n".encode()
    paths = [
        write(tmp_path, "客户经理_2026-11.csv", roster),
        write(tmp_path, f"{BRANCH}_2026-11_对公.xlsx", customers_book("2026-11", IDS_CORP)),
    ]
    assert run_cli("ingest", *paths, "--db", str(db))[0] == 0
    first = rows_of(db, "select min(ingest_id) from ingest_log")[0][0]
    code, out, err = run_cli("undo", str(first), "--db", str(db))
    assert code == 2 and "共 2 个导入" in err and "--yes" in err
    assert rows_of(db, "select count(*) from ingest_log where undone_at is null") == [(2,)]
    code, out, err = run_cli("undo", str(first), "--db", str(db), "--yes")
    assert code == 0 and "已撤销批次" in out
    assert rows_of(db, "select count(*) from ingest_log where undone_at is null") == [(0,)]


# --- 9. a partially uploaded month is known and shown as partial -----------------------------------


def test_9_a_month_holding_two_of_ten_sub_branches_is_recorded_and_shown(tmp_path, db, monkeypatch):
    branches = [f"第{i}支行" for i in range(10)]
    con = store.connect(db)
    october = [
        (f"{b}_2026-10.xlsx", customers_book("2026-10", [f"{b}-{k}" for k in range(3)], branch=b)) for b in branches
    ]
    ingest.commit(ingest.analyse(october, con), con)
    november = [
        (f"{b}_2026-11.xlsx", customers_book("2026-11", [f"{b}-{k}" for k in range(2)], branch=b)) for b in branches[:2]
    ]
    ingest.commit(ingest.analyse(november, con), con)
    held = store.coverage(con, "customers")
    assert len(held[held["period"] == "2026-11"]) == 2 and len(held[held["period"] == "2026-10"]) == 10
    assert set(held[held["period"] == "2026-11"]["rows"]) == {2}
    statuses = store.month_status(con)
    assert statuses[0].month == "2026-11" and len(statuses[0].missing) == 8
    assert store.newest_complete_month(statuses) == "2026-10"
    con.close()
    monkeypatch.setenv("PUHUI_DB", str(db))
    at = AppTest.from_file(UPLOAD, default_timeout=60).run()
    assert not at.exception
    assert any("2026-11 只有 2 / 10 个支行的管户明细" in w.value for w in at.warning)
    grid = next(d.value for d in at.dataframe if "period" in d.value.columns)
    november_row = grid[grid["period"] == "2026-11"].iloc[0]
    assert november_row["第0支行"] == "✓ 2" and november_row["第9支行"] == "缺"


# --- 10. two analysts confirming at once: serialised, never a traceback --------------------------------


def test_10_two_sessions_confirming_at_once_are_serialised(tmp_path, db, monkeypatch):
    con = store.connect(db)
    ingest.commit(ingest.analyse([(f"{BRANCH}_2026-11_全部.xlsx", customers_book("2026-11", IDS_ALL))], con), con)
    first, second = con.cursor(), con.cursor()
    plans = [
        ingest.analyse([(f"{BRANCH}_2026-11_对公.xlsx", customers_book("2026-11", IDS_CORP))], first),
        ingest.analyse([(f"{BRANCH}_2026-11_个人.xlsx", customers_book("2026-11", IDS_RETAIL))], second),
    ]
    inside, release = threading.Event(), threading.Event()
    calls = []

    def hold() -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:  # the first writer waits inside its open transaction
            inside.set()
            release.wait(30)

    monkeypatch.setattr(ingest, "_hold_for_test", hold)
    errors: dict[str, BaseException] = {}

    def confirm(name: str, plan, cursor) -> None:
        try:
            ingest.commit(plan, cursor)
        except BaseException as exc:  # what a session would have shown
            errors[name] = exc

    one = threading.Thread(target=confirm, args=("one", plans[0], first), name="one")
    one.start()
    assert inside.wait(30)
    two = threading.Thread(target=confirm, args=("two", plans[1], second), name="two")
    two.start()
    time.sleep(1.0)  # the second confirm reaches the store while the first is mid-transaction
    release.set()
    one.join(60)
    two.join(60)
    assert errors == {}, {k: repr(v) for k, v in errors.items()}
    assert calls == ["one", "two"]
    # Both batches stored whole, one after the other: the later one holds the month.
    assert con.execute("select count(*), min(customer_id) from customers").fetchall() == [(20, "P00")]
    assert con.execute("select count(*) from ingest_log where undone_at is null").fetchall() == [(3,)]
    con.close()


def test_10_a_conflict_from_outside_the_lock_is_a_chinese_retry_message(db):
    con = store.connect(db)
    ingest.commit(ingest.analyse([(f"{BRANCH}_2026-11_全部.xlsx", customers_book("2026-11", IDS_ALL))], con), con)
    outsider = con.cursor()
    outsider.execute("begin transaction")
    outsider.execute("delete from customers")  # a write the lock does not know about (another tool)
    plan = ingest.analyse([(f"{BRANCH}_2026-11_对公.xlsx", customers_book("2026-11", IDS_CORP))], con)
    with pytest.raises(store.StoreBusy, match="请稍等片刻后重新点击确认"):
        ingest.commit(plan, con)
    outsider.execute("rollback")
    assert con.execute("select count(*) from customers").fetchall() == [(40,)]
    assert con.execute("select count(*) from ingest_log").fetchall() == [(1,)]
    con.close()


@pytest.mark.parametrize(
    ("today", "newest", "oldest"),
    [
        (dt.date(2026, 12, 1), "2027-01", "2024-01"),
        (dt.date(2026, 11, 30), "2026-12", "2023-12"),
        (dt.date(2027, 1, 15), "2027-02", "2024-02"),
    ],
)
def test_month_picker_runs_across_the_year_end(today, newest, oldest):
    # In December the picker offered "2026-13" and never 2027-01 (CI failed on 2026-12-01).
    months = normalize.month_choices(today, ["2019-05"])
    assert months[0] == newest and months[-2] == oldest and months[-1] == "2019-05"
    assert len(months) == 38 and all(1 <= int(m[5:]) <= 12 for m in months)


def test_an_upload_and_its_undo_are_written_to_the_audit_log(page, db):
    from puhui import audit

    at = page
    name = f"{BRANCH}_2026年11月_管户明细.xlsx"
    data = customers_book(None, IDS_CORP[:3], title="2026年11月 管户明细")
    at.file_uploader[0].set_value((name, data, XLSX)).run()
    at.button(key="upload_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with duckdb.connect(str(db), config=store.hardened_config()) as con:
        log = audit.read(con)
    upload = log[log["action"] == "upload"]
    assert len(upload) == 1 and upload.iloc[0]["who"] == "本机用户"
    detail = upload.iloc[0]["detail"]
    assert name in detail and hashlib.sha256(data).hexdigest() in detail and '"rows": 3' in detail
    undo = next(s for s in at.selectbox if s.label == "选择要撤销的导入")  # the undo panel, once a batch is stored
    at.checkbox(key=next(c.key for c in at.checkbox if c.key.startswith("undo_confirm_"))).check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception and undo is not None
    with duckdb.connect(str(db), config=store.hardened_config()) as con:
        actions = audit.read(con)["action"].tolist()
    assert actions[:2] == ["undo", "upload"]
