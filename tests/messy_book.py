"""A messy uploaded book, as a bank's analysts would upload it: files written here, stored by the real ingest.

Not the demo bank: the things real extracts do that the demo never does.

- Four sub-branches: 城关支行 (A), 开发区支行 (B), 埠河支行 (C, no grids at all) and 新区支行
  (D, opened in 2026: no December 2025, no year-earlier month).
- 管户明细 for 2025-10 (a year before 2026-10), 2025-12 (the start of the year), 2026-08, 2026-10
  (its previous month 2026-09 never uploaded) and 2026-11, which only A and C have uploaded
  (a partial latest month; the month's roster lists every sub-branch all the same). Amounts
  in 万元 in some files, 元 in others; xlsx with title rows
  and a 合计 row, and GBK CSV.
- B's loans fall below December's (a negative increase); C held more accounts at the start of
  the year than its default target (target at or below the start of the year), then fewer.
- A manager on B's roster without a single customer; a team lead and a VP holding customers.
- Grids for A, B and D only: cells with customers, activities and visits; a cell with
  customers but no activity and no visit ever; a cell without customers and without an owner;
  a government channel; a cell with a boundary instead of a centre; a cell without coordinates.
- Activities in 2026 for some cells only; visits in 2026-10 to some customers only.
- No targets uploaded.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import openpyxl

from puhui import ingest, store

A, B, C, D = "城关支行", "开发区支行", "埠河支行", "新区支行"
BRANCHES = (A, B, C, D)
MONTHS = ("2025-10", "2025-12", "2026-08", "2026-10", "2026-11")
LATEST, LATEST_COMPLETE = "2026-11", "2026-10"
PRESENT = {
    "2025-10": (A, B, C),
    "2025-12": (A, B, C),
    "2026-08": (A, B, C, D),
    "2026-10": (A, B, C, D),
    "2026-11": (A, C),
}
# (manager_id, name, branch, team, role)
ROSTER = [
    ("A01", "张明", A, "城关一组", "客户经理"),
    ("A02", "李华", A, "城关一组", "客户经理"),
    ("A09", "周涛", A, "城关一组", "团队负责人"),
    ("B01", "王芳", B, "开发区组", "客户经理"),
    ("B02", "赵强", B, "开发区组", "客户经理"),
    ("B03", "孙丽", B, "开发区组", "客户经理"),  # no customers in any month
    ("B09", "吴刚", B, "开发区组", "分管行长"),
    ("C01", "郑洁", C, "埠河组", "客户经理"),
    ("D01", "冯磊", D, "新区组", "客户经理"),
]
# Customers per (month, manager): how many each holds.
BOOK = {
    "2025-10": {"A01": 30, "A02": 22, "A09": 3, "B01": 25, "B02": 20, "C01": 110},
    "2025-12": {"A01": 32, "A02": 24, "A09": 3, "B01": 26, "B02": 21, "B09": 2, "C01": 120},
    "2026-08": {"A01": 40, "A02": 30, "A09": 4, "B01": 27, "B02": 20, "B09": 2, "C01": 100, "D01": 12},
    "2026-10": {"A01": 44, "A02": 33, "A09": 4, "B01": 26, "B02": 19, "B09": 2, "C01": 90, "D01": 18},
    "2026-11": {"A01": 46, "A02": 34, "A09": 4, "C01": 88},
}
SEGMENTS = ("线下授信", "线上授信", "非授信")
# Cells: (grid_id, name, type, branch, owner, lon, lat, boundary, merchants)
GRIDS = [
    ("GA1", "城关商贸城", "专业市场", A, "A01", 112.230, 30.060, None, 300),
    ("GA2", "城关工业园", "园区", A, "A02", 112.250, 30.070, None, 150),  # customers, never worked
    ("GA3", "南门社区", "社区", A, None, 112.210, 30.050, None, None),  # no customers, no owner
    ("GA9", "县税务局", "政府渠道", A, "A09", None, None, None, None),
    (
        "GB1",
        "开发区物流园",
        "园区",
        B,
        "B01",
        None,
        None,
        "POLYGON((112.26 30.03, 112.28 30.03, 112.28 30.045, 112.26 30.045, 112.26 30.03))",
        80,
    ),
    ("GB2", "开发区商圈", "商圈", B, "B03", 112.275, 30.020, None, 120),  # owner without customers
    ("GD1", "新区农贸市场", "专业市场", D, "D01", None, None, None, 60),  # no coordinates at all
]
CELL_OF_MANAGER = {"A01": "GA1", "A02": "GA2", "A09": "GA9", "B01": "GB1", "B02": "GB2", "D01": "GD1"}


def _customer_rows(month: str, rng: random.Random) -> list[dict]:
    rows = []
    branch_of = {m[0]: m[2] for m in ROSTER}
    for manager_id, n in BOOK[month].items():
        branch = branch_of[manager_id]
        for i in range(n):
            customer_id = f"{manager_id}-{i:03d}"
            segment = SEGMENTS[i % 3]
            # B's loans shrink over the year: below December's by 2026-10.
            loan_scale = 0.5 if branch == B and month >= "2026-08" else 1.0
            loan = round((30 + (i * 7) % 90) * loan_scale, 2) if segment != "非授信" else 0
            cell = CELL_OF_MANAGER.get(manager_id) if i % 4 else None
            rows.append(
                {
                    "客户号": customer_id,
                    "客户名称": f"{branch[:2]}测试商贸有限公司{manager_id}{i:03d}",
                    "客户经理编号": manager_id,
                    "所属支行": branch,
                    "管户类型": segment,
                    "客户类型": "小微企业" if i % 2 else "个体工商户",
                    "行业": ("批发和零售业", "制造业", "进出口贸易")[i % 3],
                    "获客渠道": "县税务局" if i % 5 == 0 else "自然到店",
                    "网格编号": cell,
                    "经度": 112.23 + rng.uniform(-0.01, 0.01) if cell and i % 3 else None,
                    "纬度": 30.06 + rng.uniform(-0.01, 0.01) if cell and i % 3 else None,
                    "线下贷款余额": loan if segment == "线下授信" else 0,
                    "线上贷款余额": loan if segment == "线上授信" else 0,
                    "授信额度": loan * 1.5,
                    "结算存款": round(5 + (i * 3) % 40 + (month >= "2026-08") * 3, 2),
                    "纯存款": round((i * 5) % 20, 2),
                    "保证金存款": round(2 if segment == "线下授信" else 0, 2),
                    "储蓄存款": round((i * 2) % 15, 2),
                    "月日均存款": round(10 + (i * 3) % 50, 2),
                    "逾期金额": 3 if i % 17 == 0 and loan else 0,
                    "代发工资": "是" if i % 6 == 0 else "否",
                    "基本户": "√" if i % 4 == 0 else None,
                    "贷款到期日": f"2026-{(i % 12) + 1:02d}-15" if loan else None,
                    "开户日期": "2019-03-01",
                    "联系电话": f"139{int(manager_id[1:]) * 1000 + i:08d}",
                    "证件号码": f"91421022MA4{manager_id}{i:03d}X",
                    "贷款占比": "60%" if loan else None,
                    "结算量占比": f"{(i * 13) % 100}%" if loan else None,
                }
            )
    return rows


AMOUNT_COLUMNS = (
    "线下贷款余额",
    "线上贷款余额",
    "授信额度",
    "结算存款",
    "纯存款",
    "保证金存款",
    "储蓄存款",
    "月日均存款",
    "逾期金额",
)


def customers_xlsx(month: str, rows: list[dict]) -> bytes:
    """管户明细 as an analyst exports it: a title row, a unit in every amount header (万元), a 合计 row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "管户明细"
    sheet.append([f"普惠金融管户明细表（{month}）"])
    headers = [f"{h}(万元)" if h in AMOUNT_COLUMNS else h for h in rows[0]]
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row.values()))
    sheet.append(["合计"] + [None] * (len(headers) - 1))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def customers_csv(rows: list[dict]) -> bytes:
    """管户明细 as a GBK CSV in 元 (amounts × 10,000), as another core system writes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"{h}(元)" if h in AMOUNT_COLUMNS else h for h in rows[0]])
    for row in rows:
        writer.writerow(
            [
                round(v * 10_000, 2) if k in AMOUNT_COLUMNS and v is not None else ("" if v is None else v)
                for k, v in row.items()
            ]
        )
    return buffer.getvalue().encode("gbk")


def _xlsx(sheet_name: str, header: list[str], rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def files() -> list[tuple[str, bytes, str | None]]:
    """Every file of the book: (file name, bytes, data month or None when the file carries its own)."""
    rng = random.Random(11)
    out: list[tuple[str, bytes, str | None]] = []
    for month in MONTHS:
        present = PRESENT[month]
        # The roster comes from head office: in the partial month it lists every sub-branch,
        # also those whose 管户明细 is not uploaded yet.
        on_roster = BRANCHES if month == LATEST else present
        roster = [[month, m[0], m[1], m[2], m[3], m[4]] for m in ROSTER if m[2] in on_roster]
        header = ["数据月份", "客户经理编号", "客户经理姓名", "所属支行", "团队", "岗位"]
        out.append((f"客户经理_{month}.xlsx", _xlsx("客户经理", header, roster), None))
        rows = _customer_rows(month, rng)
        if month in ("2025-12", "2026-10"):
            out.append((f"管户明细_{month}.csv", customers_csv(rows), month))
        else:
            out.append((f"管户明细_{month}.xlsx", customers_xlsx(month, rows), None))
    grid_rows = [[g, n, t, b, o, lon, lat, bd, m] for g, n, t, b, o, lon, lat, bd, m in GRIDS]
    out.append(
        (
            "网格_2026-10.xlsx",
            _xlsx(
                "网格",
                [
                    "网格编号",
                    "网格名称",
                    "网格类型",
                    "所属支行",
                    "网格负责人编号",
                    "中心经度",
                    "中心纬度",
                    "边界",
                    "经营主体数",
                ],
                grid_rows,
            ),
            None,
        )
    )
    activities = [
        ["2026-01-12", "开门红冲刺营销动员会议", A, "A01", "GA1", 12, 2, 1, 80, 50],
        ["2026-03-20", "园区新春联谊活动", B, "B01", "GB1", 5, 1, 0, 20, 0],
        ["2026-08-08", "金融沙龙", A, None, None, 3, 0, 0, 0, 0],
        ["2026-10-10", "“线上产品”冲刺营销活动", A, "A01", "GA1", 8, 1, 2, 35.5, 12],
        ["2026-10-20", "重点产品总结推动会议", D, "D01", "GD1", 2, 0, 0, 5, 0],
    ]
    out.append(
        (
            "营销活动.xlsx",
            _xlsx(
                "营销活动",
                [
                    "活动日期",
                    "活动名称",
                    "支行",
                    "客户经理编号",
                    "网格编号",
                    "新开户数",
                    "新开基本户数",
                    "新增代发户数",
                    "新增存款(万元)",
                    "新增贷款(万元)",
                ],
                activities,
            ),
            None,
        )
    )
    visits = io.StringIO()
    writer = csv.writer(visits)
    writer.writerow(["拜访日期", "客户经理编号", "客户号", "拜访方式", "拜访人角色"])
    for i in range(0, 44, 3):
        writer.writerow([f"2026-10-{1 + i % 28:02d}", "A01", f"A01-{i:03d}", "上门" if i % 2 else "电话", "客户经理"])
    writer.writerow(["2026-10-18", "B01", "B01-002", "上门", "分管行长"])
    out.append(("拜访记录.csv", visits.getvalue().encode("utf-8-sig"), None))
    return out


def build(path: Path) -> Path:
    """Write the book's files and store them with the real ingest (one batch per file)."""
    con = store.connect(path)
    try:
        for name, data, month in files():
            plan = ingest.analyse([(name, data)], con, month)
            ingest.commit(plan, con, skip_bad_rows=False)
        con.execute("checkpoint")
    finally:
        con.close()
    return path
