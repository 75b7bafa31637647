"""Ingestion: messy real files written by the tests, exact yuan, refusals, replace and undo."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
import xlwt

from puhui import cli, contract, store

ROOT = Path(__file__).resolve().parent.parent


def content_digest(db: Path) -> str:
    """A digest of every row of every table (the database's content, not its bytes)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        parts = []
        names = sorted(r[0] for r in con.execute("select table_name from information_schema.tables").fetchall())
        for name in names:
            rows = con.execute(f"select * from {name}").fetchall()
            parts.append(f"{name}:{sorted(map(repr, rows))}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()
    finally:
        con.close()


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the command line in this process (fast); returns exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def run_cli_process(*args: str) -> tuple[int, str, str]:
    """Run ``python -m puhui`` in a subprocess, exactly as an analyst would."""
    proc = subprocess.run([sys.executable, "-m", "puhui", *args], cwd=ROOT, capture_output=True, text=True, timeout=180)
    return proc.returncode, proc.stdout, proc.stderr


def messy_customers_xlsx(path: Path, rows=None, total=None) -> Path:
    """A 管户明细 sheet as core systems export it: title, unit line, merged cells, 万元 text, 合计."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "管户明细"
    ws.append(["城关支行 2026年10月 客户经理管户明细表"])
    ws.merge_cells("A1:J1")
    ws.append(["单位：万元", None, None, None, None, None, None, "制表日期：2026-11-02"])
    ws.append([])
    ws.append(
        [
            "客户号",
            "客户名称",
            "客户经理编号",
            "所属支行",
            "线下贷款余额",
            "线上贷款余额（万元）",
            "结算存款(万元)",
            "纯存款（元）",
            "代发工资",
            "基本户",
            "开户日期",
        ]
    )
    rows = (
        rows
        if rows is not None
        else [
            [
                "C001",
                "公安县宏达商贸有限公司",
                "M01",
                "城关支行",
                "1,234.56",
                None,
                "12.3456",
                "1,000.50",
                "√",
                "是",
                "2023/03/15",
            ],
            ["C002", "张三", "M01", "城关支行", None, "３.５", 0.5, 200, None, "Y", 45000],
            ["C003", "李四", "M02", "城关支行", None, None, "1,000", "0", "是", "否", "2026年10月31日"],
        ]
    )
    for row in rows:
        ws.append(row)
    ws.append(total if total is not None else ["合计", None, None, None, "1,234.56", "3.50", "1,012.8456", "1,200.50"])
    wb.save(path)
    return path


@pytest.fixture()
def db(tmp_path) -> Path:
    path = tmp_path / "t.duckdb"
    store.connect(path).close()
    return path


def stored(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def test_messy_xlsx_exact_yuan(tmp_path, db):
    path = messy_customers_xlsx(tmp_path / "城关支行管户明细_202610.xlsx")
    code, out, err = run_cli_process("ingest", str(path), "--db", str(db))
    assert code == 0, err
    assert "合计行 1 行" in out and "2026-10" in out
    rows = stored(
        db,
        "select customer_id, segment, loan_offline, loan_online, dep_settlement, dep_pure, has_payroll, has_basic_account, open_date, month from customers order by 1",
    )
    assert rows == [
        (
            "C001",
            "线下授信",
            Decimal("12345600.00"),
            None,
            Decimal("123456.00"),
            Decimal("1000.50"),
            True,
            True,
            dt.date(2023, 3, 15),
            "2026-10",
        ),
        (
            "C002",
            "线上授信",
            None,
            Decimal("35000.00"),
            Decimal("5000.00"),
            Decimal("200.00"),
            False,
            True,
            dt.date(2023, 3, 15),
            "2026-10",
        ),
        (
            "C003",
            "非授信",
            None,
            None,
            Decimal("10000000.00"),
            Decimal("0.00"),
            True,
            False,
            dt.date(2026, 10, 31),
            "2026-10",
        ),
    ]
    assert stored(db, "select typeof(loan_offline) from customers limit 1") == [("DECIMAL(18,2)",)]


def test_gbk_csv_without_segment_column(tmp_path, db):
    text = (
        "营业网点管户清单\n"
        "客户编号,户名,管户客户经理编号,经营机构,线下贷款余额(万元),线上贷款余额(万元),储蓄存款(元),信用卡,贷款到期日,数据月份\n"
        'K1,王五,M9,开发区支行,"1,000.01",0,"12,345.67",Y,20261130,2026年10月\n'
        "K2,赵六,M9,开发区支行,0,2.5,0,N,2026-12-01,2026年10月\n"
        "K3,钱七,M9,开发区支行,,,,,,2026年10月\n"
        "合计,,,,1000.01,2.5,12345.67,,,\n"
    )
    path = tmp_path / "clients.csv"
    path.write_bytes(text.encode("gbk"))
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 0, err
    rows = stored(
        db,
        "select customer_id, customer_name, segment, loan_offline, loan_online, dep_savings, has_credit_card, loan_maturity from customers order by 1",
    )
    assert rows == [
        (
            "K1",
            "王五",
            "线下授信",
            Decimal("10000100.00"),
            Decimal("0.00"),
            Decimal("12345.67"),
            True,
            dt.date(2026, 11, 30),
        ),
        ("K2", "赵六", "线上授信", Decimal("0.00"), Decimal("25000.00"), Decimal("0.00"), False, dt.date(2026, 12, 1)),
        ("K3", "钱七", "非授信", None, None, None, False, None),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_detected(tmp_path, db, encoding):
    text = "客户经理编号,客户经理姓名,所属支行,岗位\nM1,欧阳娜娜,城关支行,客户经理\nM2,李强,城关支行,团队负责人\n"
    path = tmp_path / "客户经理_2026-10.csv"
    path.write_bytes(text.encode(encoding))
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 0, err
    assert stored(db, "select manager_name, role from managers order by manager_id") == [
        ("欧阳娜娜", "客户经理"),
        ("李强", "团队负责人"),
    ]


def test_undecodable_csv_refused(tmp_path, db):
    path = tmp_path / "x_202610.csv"
    path.write_bytes("客户号,客户名称\n".encode() + b"\x81\xff\xfe\x80\n")
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code != 0
    assert "编码" in err and "Traceback" not in err


def test_legacy_xls_with_serial_dates(tmp_path, db):
    wb = xlwt.Workbook()
    ws = wb.add_sheet("营销活动")
    headers = ["活动日期", "活动名称", "支行", "新开户数", "新增存款（万元）"]
    ws.write(0, 0, "2026年营销活动登记表")
    for j, h in enumerate(headers):
        ws.write(2, j, h)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(3, 0, 46296, date_style)  # 2026-10-01 as an Excel serial
    ws.write(3, 1, "园区行")
    ws.write(3, 2, "城关支行")
    ws.write(3, 3, 12)
    ws.write(3, 4, "1,234.5")
    ws.write(4, 0, 46325.0)  # 2026-10-30, unformatted serial
    ws.write(4, 1, "周周有沙龙")
    ws.write(4, 2, "城关支行")
    ws.write(4, 3, 3)
    ws.write(4, 4, 0.75)
    path = tmp_path / "activities.xls"
    wb.save(str(path))
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 0, err
    assert stored(db, "select activity_date, month, new_accounts, new_deposits from activities order by 1") == [
        (dt.date(2026, 10, 1), "2026-10", 12, Decimal("12345000.00")),
        (dt.date(2026, 10, 30), "2026-10", 3, Decimal("7500.00")),
    ]


def test_flags_and_full_width_brackets(tmp_path, db):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "客户号",
            "客户名称",
            "客户经理编号",
            "支行",
            "管户类型",
            "票据贴现",
            "国际结算",
            "现金管理",
            "贷款占比（%）",
            "结算量占比",
            "保证金存款（亿元）",
        ]
    )
    ws.append(["A", "甲", "M1", "城关支行", "线下", "√", "Y", "TRUE", "60%", 0.45, "0.01"])
    ws.append(["B", "乙", "M1", "城关支行", "非授信户", None, "N", "否", "30", "50%", "0"])
    path = tmp_path / "明细202610.xlsx"
    wb.save(path)
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 0, err
    assert stored(
        db,
        "select segment, has_bill_discount, has_intl_settlement, has_cash_mgmt, loan_share, settle_share, dep_margin from customers order by 1",
    ) == [
        ("线下授信", True, True, True, Decimal("0.600000"), Decimal("0.450000"), Decimal("1000000.00")),
        ("非授信", False, False, False, Decimal("0.300000"), Decimal("0.500000"), Decimal("0.00")),
    ]


# --- refusals: the database is unchanged in content ------------------------------------------


def _seed(tmp_path, db):
    path = messy_customers_xlsx(tmp_path / "seed_202610.xlsx")
    assert run_cli("ingest", str(path), "--db", str(db))[0] == 0
    return content_digest(db)


def _zip_bomb(path: Path) -> Path:
    good = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["客户号", "客户名称"])
    wb.save(good)
    src = zipfile.ZipFile(io.BytesIO(good.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b"<!--" + b" " * 60_000_000 + b"--></worksheet>")
            out.writestr(info.filename, data)
    return path


def _entity_bomb(path: Path) -> Path:
    good = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["客户号", "客户名称"])
    wb.save(good)
    src = zipfile.ZipFile(io.BytesIO(good.getvalue()))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/sharedStrings.xml" or info.filename == "xl/worksheets/sheet1.xml":
                data = bomb + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
            out.writestr(info.filename, data)
    return path


def _beyond_cap(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户号", "客户名称"])
    ws.cell(row=1_048_576, column=1, value="x")  # declared dimension A1:B1048576
    ws.cell(row=1, column=400, value="y")
    wb.save(path)
    return path


def _formula_without_value(path: Path) -> Path:
    messy_customers_xlsx(path, total=["合计", None, None, None, "=SUM(E5:E7)"])
    return path


def _missing_required(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["客户号", "客户名称", "所属支行", "结算存款"])
    wb.active.append(["C9", "某某", "城关支行", 1])
    wb.save(path)
    return path


def _duplicate_headers(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["客户号", "客户名称", "客户经理编号", "所属支行", "结算存款", "结算存款余额"])
    wb.active.append(["C9", "某某", "M1", "城关支行", 1, 2])
    wb.save(path)
    return path


def _no_month(path: Path) -> Path:
    return messy_customers_xlsx(path)


def _bad_total(path: Path) -> Path:
    return messy_customers_xlsx(path, total=["合计", None, None, None, "1,234.56", "3.50", "1,013.8456", "1,200.50"])


def _html_as_xls(path: Path) -> Path:
    path.write_text("<html><body><table><tr><td>客户号</td></tr></table></body></html>", encoding="utf-8")
    return path


def _text_as_xlsx(path: Path) -> Path:
    path.write_text("客户号,客户名称\nC1,甲\n", encoding="utf-8")
    return path


def _binary(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 10)
    return path


REFUSALS = [
    ("zip炸弹_202610.xlsx", _zip_bomb, "压缩"),
    ("实体炸弹_202610.xlsx", _entity_bomb, "DTD"),
    ("超大_202610.xlsx", _beyond_cap, "超过上限"),
    ("公式_202610.xlsx", _formula_without_value, "E8"),
    ("缺列_202610.xlsx", _missing_required, "客户经理编号"),
    ("重复表头_202610.xlsx", _duplicate_headers, "表头重复"),
    ("no_month.xlsx", _no_month, "无法确定数据月份"),
    ("合计不符_202610.xlsx", _bad_total, "合计行与明细不符"),
    ("网页_202610.xls", _html_as_xls, "HTML"),
    ("文本_202610.xlsx", _text_as_xlsx, "纯文本"),
    ("乱码_202610.xlsx", _binary, "无法识别"),
]


@pytest.mark.parametrize("name,make,needle", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_and_unchanged(tmp_path, db, name, make, needle):
    before = _seed(tmp_path, db)
    path = make(tmp_path / name)
    runner = run_cli_process if name.startswith("no_month") else run_cli
    code, out, err = runner("ingest", str(path), "--db", str(db))
    assert code == 2, (out, err)
    assert needle in err, err
    assert "Traceback" not in err
    assert content_digest(db) == before


def test_defusedxml_is_used_by_openpyxl():
    from openpyxl import xml as openpyxl_xml

    assert openpyxl_xml.DEFUSEDXML is True


def test_bad_amounts_refused_then_skipped(tmp_path, db):
    before = _seed(tmp_path, db)
    rows = [
        ["C101", "甲", "M01", "东城支行", "abc", None, "1", "1", None, None, None],
        ["C102", "乙", "M01", "东城支行", "10", None, "2", "2", None, None, None],
        ["C103", "丙", "M01", "东城支行", "1.2.3", None, "3", "3", None, None, None],
    ]
    path = messy_customers_xlsx(tmp_path / "东城_202610.xlsx", rows=rows, total=[])
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 2
    assert "第 5 行" in err and "第 7 行" in err and "“abc”不是有效的金额" in err
    assert content_digest(db) == before
    code, out, err = run_cli("ingest", str(path), "--db", str(db), "--skip-bad-rows")
    assert code == 0, err
    assert stored(db, "select customer_id, loan_offline from customers where branch = '东城支行'") == [
        ("C102", Decimal("100000.00"))
    ]
    assert json.loads(stored(db, "select dropped_detail from ingest_log order by ingest_id desc limit 1")[0][0]) == {
        "错误行": 2
    }


def test_reingest_same_file_changes_nothing(tmp_path, db):
    before = _seed(tmp_path, db)
    code, out, err = run_cli("ingest", str(tmp_path / "seed_202610.xlsx"), "--db", str(db))
    assert code == 0 and "未改动" in out
    assert content_digest(db) == before


def test_corrected_file_replaces_exactly_its_scope(tmp_path, db):
    con = store.connect(db)
    for branch, month in [("城关支行", "2026-09"), ("城关支行", "2026-10"), ("东城支行", "2026-10")]:
        con.execute(
            "insert into customers (month, customer_id, customer_name, manager_id, branch, segment, dep_pure, ingest_id) values ($m, 'X', '旧', 'M1', $b, '非授信', 1, 0)",
            {"m": month, "b": branch},
        )
    con.close()
    path = messy_customers_xlsx(tmp_path / "城关_202610.xlsx")
    assert run_cli("ingest", str(path), "--db", str(db))[0] == 0
    assert stored(db, "select month, branch, count(*) from customers group by all order by 1, 2") == [
        ("2026-09", "城关支行", 1),
        ("2026-10", "东城支行", 1),
        ("2026-10", "城关支行", 3),
    ]
    # Undo brings the replaced rows back.
    ingest_id = stored(db, "select max(ingest_id) from ingest_log")[0][0]
    code, out, err = run_cli("undo", str(ingest_id), "--db", str(db))
    assert code == 0, err
    assert stored(db, "select month, branch, customer_name from customers order by 1, 2") == [
        ("2026-09", "城关支行", "旧"),
        ("2026-10", "东城支行", "旧"),
        ("2026-10", "城关支行", "旧"),
    ]
    code, out, err = run_cli("history", "--db", str(db))
    assert code == 0 and "城关_202610.xlsx" in out


def test_roster_check_and_visits_branch(tmp_path, db):
    roster = tmp_path / "客户经理_202610.csv"
    roster.write_text("客户经理编号,客户经理姓名,所属支行\nM01,甲,城关支行\nM02,乙,城关支行\n", encoding="utf-8")
    customers = messy_customers_xlsx(
        tmp_path / "c_202610.xlsx",
        rows=[
            ["C1", "甲公司", "M01", "城关支行", None, None, "1", "0", None, None, None],
            ["C2", "乙公司", "M77", "城关支行", None, None, "2", "0", None, None, None],
        ],
        total=[],
    )
    visits = tmp_path / "拜访记录.csv"
    visits.write_text(
        "拜访日期,客户经理编号,客户号,拜访方式,拜访人角色\n2026-10-08,M01,C1,上门拜访,团队长\n", encoding="utf-8"
    )
    code, out, err = run_cli("ingest", str(roster), str(customers), str(visits), "--db", str(db))
    assert code == 2 and "“M77”不在 2026-10 城关支行 的客户经理名单中" in err
    code, out, err = run_cli("ingest", str(roster), str(customers), str(visits), "--db", str(db), "--skip-bad-rows")
    assert code == 0, err
    assert stored(db, "select customer_id from customers") == [("C1",)]
    assert stored(db, "select branch, method, visitor_role, month from visits") == [
        ("城关支行", "上门", "团队负责人", "2026-10")
    ]


def test_targets_units_apply_to_amount_metrics_only(tmp_path, db):
    path = tmp_path / "目标.csv"
    path.write_text(
        '年度,指标,目标值(万元),支行\n2026,存款余额,"50,000",\n2026,管户数,5000,\n2026,贷款余额,1000,城关支行\n',
        encoding="utf-8",
    )
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 0, err
    assert stored(db, "select metric, target, coalesce(branch, '') from targets order by 1") == [
        ("存款余额", Decimal("500000000.00"), ""),
        ("管户数", Decimal("5000.00"), ""),
        ("贷款余额", Decimal("10000000.00"), "城关支行"),
    ]


def test_query_cli_json(tmp_path, db):
    _seed(tmp_path, db)
    code, out, err = run_cli("query", "deposit_mix", "--db", str(db), "--month", "2026-10", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["manager_id"], r["dep_settlement"], r["dep_total"]) for r in rows] == [
        ("M01", 128456, 129656.5),
        ("M02", 10000000, 10000000),
    ]
    code, out, err = run_cli("query", "no_such_query", "--db", str(db))
    assert code != 0 and "没有名为" in err


def test_query_registry_refuses_unknown_and_missing(db):
    from puhui import queries

    con = store.connect(db)
    # The month has a default (the newest complete month); a manager's list needs its manager.
    with pytest.raises(queries.QueryError, match="缺少参数"):
        queries.run(con, "manager_customers", {})
    with pytest.raises(queries.QueryError, match="没有参数"):
        queries.run(con, "manager_mix", {"month": "2026-10", "colour": "red"})
    con.close()


def test_interrupted_ingest_leaves_previous_data(tmp_path, db):
    before = _seed(tmp_path, db)
    rows = [[f"N{i}", f"新客户{i}", "M01", "城关支行", "1", None, "1", "1", None, None, None] for i in range(50)]
    path = messy_customers_xlsx(tmp_path / "更正_202610.xlsx", rows=rows, total=[])
    flag = tmp_path / "in-transaction"
    env = {**os.environ, "PUHUI_TEST_HOLD_TRANSACTION": str(flag)}
    proc = subprocess.Popen([sys.executable, "-m", "puhui", "ingest", str(path), "--db", str(db)], cwd=ROOT, env=env)
    deadline = time.time() + 60
    while not flag.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert flag.exists(), "the ingest never reached its transaction"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert content_digest(db) == before
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 0, err
    assert stored(db, "select count(*) from customers where branch = '城关支行'") == [(50,)]


def test_contract_tables_have_required_columns():
    for table in contract.TABLES.values():
        assert table.required, table.name
        headers = [h for c in table.columns for h in c.headers]
        assert len(headers) == len(set(headers)), table.name


def test_cli_main_in_process(tmp_path, db, capsys):
    path = messy_customers_xlsx(tmp_path / "c_202610.xlsx")
    assert cli.main(["ingest", str(path), "--db", str(db)]) == 0
    assert "管户明细" in capsys.readouterr().out


def test_two_row_merged_header(tmp_path, db):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户明细"
    ws.append(["2026年10月客户明细"])
    ws.append(["客户号", "客户名称", "客户经理编号", "所属支行", "存款（万元）", None, "贷款（万元）"])
    ws.append([None, None, None, None, "结算存款", "纯存款", "线下贷款余额"])
    ws.merge_cells("E2:F2")
    for col in "ABCD":
        ws.merge_cells(f"{col}2:{col}3")
    ws.append(["C1", "甲公司", "M1", "城关支行", 1.5, "2", "10"])
    path = tmp_path / "明细_202610.xlsx"
    wb.save(path)
    code, out, err = run_cli("ingest", str(path), "--db", str(db))
    assert code == 0, err
    assert stored(db, "select dep_settlement, dep_pure, loan_offline, segment from customers") == [
        (Decimal("15000.00"), Decimal("20000.00"), Decimal("100000.00"), "线下授信")
    ]


@pytest.mark.parametrize(
    "header,cell,expected",
    [
        ("结算存款(元)", "12.345", "12.35"),
        ("结算存款(元)", "-12.345", "-12.35"),
        ("结算存款(元)", "(1,000.00)", "-1000.00"),
        ("结算存款(元)", "￥1,234.5", "1234.50"),
        ("结算存款(万元)", "12.3456785", "123456.79"),
        ("结算存款(万元)", "12.3456784", "123456.78"),
        ("结算存款(万元)", "０.０１", "100.00"),
        ("结算存款(亿元)", "1.23456789", "123456789.00"),
        ("结算存款(亿元)", "0.000000005", "0.50"),
    ],
)
def test_money_is_exact_half_up(tmp_path, db, header, cell, expected):
    path = tmp_path / "m_202610.csv"
    path.write_text(f'客户号,客户名称,客户经理编号,所属支行,{header}\nC1,甲,M1,城关支行,"{cell}"\n', encoding="utf-8")
    code, out, err = run_cli("ingest", str(path), "--db", str(db), "--assume-non-credit")
    assert code == 0, err
    assert stored(db, "select dep_settlement from customers") == [(Decimal(expected),)]
