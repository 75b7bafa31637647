"""The extract contract as data: tables, canonical columns, Chinese aliases, types.

This is the project's own machine-readable copy of ``shared/contract.md``. Readers,
the normaliser, the store's schema, queries and pages all take their column names,
types and labels from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column types. ``amount`` is money (stored as DECIMAL(18,2) yuan, unit from header).
TEXT, AMOUNT, INT, NUMBER, COORD, SHARE, DATE, FLAG, ENUM, YEAR = (
    "text",
    "amount",
    "int",
    "number",
    "coord",
    "share",
    "date",
    "flag",
    "enum",
    "year",
)

SEGMENTS = ("线下授信", "线上授信", "非授信")
GRID_TYPES = ("园区", "商圈", "专业市场", "产业集群", "社区", "行政村", "政府渠道", "商会协会")
VISIT_METHODS = ("电话", "上门", "短信", "网上")
ROLES = ("客户经理", "团队负责人", "分管行长")
# The indicators of the monthly manager evaluation (考核评价), results first, then behaviour:
# the names a 考核方案 sheet uses and the labels of the 考核评价 page.
EVALUATION_INDICATORS = (
    "管户数",
    "管户结构",
    "贷款增长",
    "存款增长",
    "活动成效",
    "三小一卡",
    "逾期率",
    "电话走访",
    "上门走访",
    "异动上门",
    "活动举办",
    "网格深耕",
    "名单跟进",
)
METRICS = (
    "管户数",
    "线下授信户数",
    "线上授信户数",
    "非授信户数",
    "贷款余额",
    "存款余额",
    "结算存款",
    "纯存款",
    "保证金存款",
    "储蓄存款",
    "新开户数",
    "新开基本户数",
    "新增代发户数",
    "新增存款",
    "新增贷款",
)
# Metrics whose targets are money (follow the unit rules); the others are counts.
AMOUNT_METRICS = frozenset(
    {"贷款余额", "存款余额", "结算存款", "纯存款", "保证金存款", "储蓄存款", "新增存款", "新增贷款"}
)

# Spelling variants users type for enum values, mapped to the contract's value.
ENUM_SYNONYMS: dict[str, str] = {
    "线下": "线下授信",
    "线上": "线上授信",
    "非授信户": "非授信",
    "无授信": "非授信",
    "线下授信户": "线下授信",
    "线上授信户": "线上授信",
    "电话拜访": "电话",
    "上门拜访": "上门",
    "实地": "上门",
    "短信拜访": "短信",
    "网上拜访": "网上",
    "微信": "网上",
    "团队长": "团队负责人",
    "副行长": "分管行长",
    "行长": "分管行长",
}

MONTH_ALIASES = ("数据月份", "统计月份", "月份", "数据日期", "统计日期")

# Headers that look like a column of the contract but hold something else: they are never
# taken for it, and the recognition report says so (``客户账号`` is not a 客户号).
_ACCOUNT = "是账号，不是客户号"
_CARD = "是卡号，不是客户号"
_MANAGER_NAME = "通常是客户经理姓名，不是客户经理编号"
_ORG_CODE = "是机构代码，不是支行名称"
LOOKALIKES: dict[str, dict[str, str]] = {
    "customers": {
        "客户账号": _ACCOUNT,
        "账号": _ACCOUNT,
        "结算账号": _ACCOUNT,
        "账户": _ACCOUNT,
        "客户账户": _ACCOUNT,
        "卡号": _CARD,
        "客户卡号": _CARD,
        "客户经理": _MANAGER_NAME,
        "客户经理姓名": _MANAGER_NAME,
        "管户经理": _MANAGER_NAME,
        "管户客户经理": _MANAGER_NAME,
        "机构号": _ORG_CODE,
        "机构代码": _ORG_CODE,
        "机构编号": _ORG_CODE,
        "网点号": _ORG_CODE,
    },
    "managers": {"机构号": _ORG_CODE, "机构代码": _ORG_CODE, "机构编号": _ORG_CODE, "网点号": _ORG_CODE},
    "grids": {"负责人": _MANAGER_NAME, "网格负责人": _MANAGER_NAME, "机构号": _ORG_CODE},
    "activities": {"客户经理": _MANAGER_NAME, "机构号": _ORG_CODE},
    "visits": {"客户账号": _ACCOUNT, "账号": _ACCOUNT, "客户经理": _MANAGER_NAME, "拜访人": _MANAGER_NAME},
}


@dataclass(frozen=True)
class Column:
    """One canonical column of a table."""

    name: str
    label: str
    type: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: tuple[str, ...] = ()
    personal: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header text that maps to this column (label, aliases, canonical name)."""
        return (self.label, *self.aliases, self.name)


@dataclass(frozen=True)
class Table:
    """One table of the contract."""

    name: str
    label: str
    columns: tuple[Column, ...]
    kind: str  # "snapshot" (one data month), "event" (months from dates), "yearly"
    name_hints: tuple[str, ...] = ()
    date_column: str | None = None
    key: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.columns if c.required]


def column(name, label, type_, aliases=(), required=False, choices=(), personal=False):
    """Shorthand for :class:`Column`."""
    return Column(name, label, type_, tuple(aliases), required, tuple(choices), personal)


MANAGERS = Table(
    "managers",
    "客户经理",
    (
        column(
            "manager_id",
            "客户经理编号",
            TEXT,
            [
                "客户经理号",
                "工号",
                "员工号",
                "员工编号",
                "客户经理工号",
                "客户经理代码",
                "员工工号",
                "人员编号",
                "经理工号",
            ],
            True,
        ),
        column(
            "manager_name", "客户经理姓名", TEXT, ["客户经理", "姓名", "员工姓名", "客户经理名称", "人员姓名"], True
        ),
        column(
            "branch",
            "所属支行",
            TEXT,
            ["支行", "机构名称", "经营机构", "支行名称", "所属机构", "归属机构", "所属网点", "网点名称"],
            True,
        ),
        column("team", "团队", TEXT, ["所属团队", "团队名称"]),
        column("role", "岗位", ENUM, ["职务", "角色"], choices=ROLES),
    ),
    "snapshot",
    ("客户经理", "人员", "花名册"),
    key=("manager_id",),
)

CUSTOMERS = Table(
    "customers",
    "管户明细",
    (
        column(
            "customer_id",
            "客户号",
            TEXT,
            ["客户编号", "客户代码", "客户编码", "客户ID", "核心客户号", "客户号码"],
            True,
        ),
        column(
            "customer_name",
            "客户名称",
            TEXT,
            ["企业名称", "户名", "客户姓名", "客户名", "客户全称", "企业全称", "单位名称"],
            True,
            personal=True,
        ),
        column(
            "manager_id",
            "客户经理编号",
            TEXT,
            [
                "管户客户经理编号",
                "工号",
                "客户经理号",
                "管户经理编号",
                "客户经理工号",
                "管户经理工号",
                "管户客户经理工号",
                "客户经理代码",
                "管户人编号",
                "管户人工号",
                "管护客户经理编号",
                "管护经理编号",
                "管护客户经理工号",
                "员工号",
            ],
            True,
        ),
        column(
            "branch",
            "所属支行",
            TEXT,
            ["支行", "经营机构", "机构名称", "支行名称", "所属机构", "归属机构", "所属网点", "网点名称"],
            True,
        ),
        column("segment", "管户类型", ENUM, ["授信类型", "客户类别", "管户类别", "管户分类"], choices=SEGMENTS),
        column("customer_kind", "客户类型", TEXT),
        column("industry", "行业", TEXT, ["所属行业", "行业类别"]),
        column("channel", "获客渠道", TEXT, ["渠道来源", "渠道"]),
        column("grid_id", "网格编号", TEXT, ["所属网格", "网格"]),
        column("lon", "经度", COORD),
        column("lat", "纬度", COORD),
        column("loan_offline", "线下贷款余额", AMOUNT, ["线下贷款"]),
        column("loan_online", "线上贷款余额", AMOUNT, ["线上贷款"]),
        column("credit_limit", "授信额度", AMOUNT, ["授信金额"]),
        column("dep_settlement", "结算存款", AMOUNT, ["结算存款余额"]),
        column("dep_pure", "纯存款", AMOUNT, ["纯存款余额"]),
        column("dep_margin", "保证金存款", AMOUNT, ["保证金存款余额"]),
        column("dep_savings", "储蓄存款", AMOUNT, ["储蓄存款余额"]),
        column("dep_avg", "月日均存款", AMOUNT, ["存款月日均", "存款日均"]),
        column("overdue", "逾期金额", AMOUNT, ["逾期欠息金额", "逾期欠息", "逾期余额"]),
        column("has_payroll", "代发工资", FLAG, ["是否代发工资", "代发"]),
        column("has_bill_discount", "票据贴现", FLAG, ["是否票据贴现", "贴现"]),
        column("has_intl_settlement", "国际结算", FLAG, ["是否国际结算"]),
        column("has_cash_mgmt", "现金管理", FLAG, ["是否现金管理"]),
        column("has_credit_card", "信用卡", FLAG, ["是否信用卡", "是否持有信用卡"]),
        column("has_basic_account", "基本户", FLAG, ["是否基本户", "基本账户"]),
        column("loan_share", "贷款占比", SHARE, ["我行贷款占比"]),
        column("settle_share", "结算量占比", SHARE, ["结算占比", "我行结算量占比"]),
        column("loan_maturity", "贷款到期日", DATE, ["到期日", "贷款到期日期"]),
        column("open_date", "开户日期", DATE, ["开户日"]),
        column("phone", "联系电话", TEXT, ["电话", "手机号", "手机号码", "联系方式"], personal=True),
        column("id_number", "证件号码", TEXT, ["统一社会信用代码", "身份证号", "身份证号码", "证件号"], personal=True),
    ),
    "snapshot",
    ("管户明细", "客户明细", "客户清单", "管户"),
    key=("customer_id",),
)

GRIDS = Table(
    "grids",
    "网格",
    (
        column("grid_id", "网格编号", TEXT, ["网格代码"], True),
        column("grid_name", "网格名称", TEXT, [], True),
        column("grid_type", "网格类型", ENUM, ["类型"], True, choices=GRID_TYPES),
        column("branch", "所属支行", TEXT, ["支行", "经营机构"], True),
        column(
            "manager_id",
            "网格负责人编号",
            TEXT,
            ["责任客户经理编号", "客户经理编号", "负责人编号", "网格负责人工号", "客户经理工号", "责任客户经理工号"],
        ),
        column("lon", "中心经度", COORD, ["经度"]),
        column("lat", "中心纬度", COORD, ["纬度"]),
        column("boundary", "边界", TEXT, ["网格边界", "边界坐标"]),
        column("merchants", "经营主体数", INT, ["商户数", "企业数", "主体数"]),
    ),
    "snapshot",
    ("网格",),
    key=("grid_id",),
)

ACTIVITIES = Table(
    "activities",
    "营销活动",
    (
        column("activity_date", "活动日期", DATE, ["日期"], True),
        column("activity_name", "活动名称", TEXT, [], True),
        column("branch", "支行", TEXT, ["所属支行", "经营机构"], True),
        column("manager_id", "客户经理编号", TEXT, ["工号", "客户经理工号"]),
        column("grid_id", "网格编号", TEXT, ["所属网格"]),
        column("new_accounts", "新开户数", INT),
        column("new_basic_accounts", "新开基本户数", INT),
        column("new_payroll", "新增代发户数", INT),
        column("new_deposits", "新增存款", AMOUNT),
        column("new_loans", "新增贷款", AMOUNT),
    ),
    "event",
    ("营销活动", "活动"),
    date_column="activity_date",
)

TARGETS = Table(
    "targets",
    "目标",
    (
        column("year", "年度", YEAR, ["年份"], True),
        column("metric", "指标", ENUM, ["指标名称"], True, choices=METRICS),
        column("target", "目标值", NUMBER, ["目标"], True),
        column("branch", "支行", TEXT, ["所属支行"]),
        column("manager_id", "客户经理编号", TEXT, ["工号", "客户经理工号"]),
    ),
    "yearly",
    ("目标",),
)

VISITS = Table(
    "visits",
    "拜访记录",
    (
        column("visit_date", "拜访日期", DATE, ["日期"], True),
        column("manager_id", "客户经理编号", TEXT, ["工号", "客户经理工号"], True),
        column("customer_id", "客户号", TEXT, ["客户编号", "客户编码"], True),
        column("method", "拜访方式", ENUM, [], True, choices=VISIT_METHODS),
        column("visitor_role", "拜访人角色", ENUM, ["拜访人岗位"], choices=ROLES),
        column("branch", "支行", TEXT, ["所属支行"]),
    ),
    "event",
    ("拜访记录", "拜访"),
    date_column="visit_date",
)

SCHEME = Table(
    "scheme",
    "考核方案",
    (
        column("year", "年度", YEAR, ["年份"], True),
        column("indicator", "考核指标", ENUM, ["指标", "指标名称"], True, choices=EVALUATION_INDICATORS),
        column("weight", "权重", NUMBER, ["分值", "权重分"], True),
        column("branch", "支行", TEXT, ["所属支行"]),
    ),
    "yearly",
    ("考核方案", "考核"),
)

TABLES: dict[str, Table] = {t.name: t for t in (MANAGERS, CUSTOMERS, GRIDS, ACTIVITIES, TARGETS, VISITS, SCHEME)}

# Columns the store adds to every table beside the contract's.
SQL_TYPES = {
    TEXT: "VARCHAR",
    AMOUNT: "DECIMAL(18,2)",
    INT: "INTEGER",
    NUMBER: "DECIMAL(18,2)",
    COORD: "DOUBLE",
    SHARE: "DECIMAL(9,6)",
    DATE: "DATE",
    FLAG: "BOOLEAN",
    ENUM: "VARCHAR",
    YEAR: "INTEGER",
}

UNIT_FACTORS = {"元": 1, "万元": 10_000, "亿元": 100_000_000}

FLAG_TRUE = frozenset({"是", "Y", "YES", "1", "√", "✓", "✔", "有", "TRUE", "T", "开通", "已开通"})
FLAG_FALSE = frozenset({"否", "N", "NO", "0", "无", "FALSE", "F", "×", "✗", "未开通", "-"})


def stored_columns(table: Table) -> list[tuple[str, str]]:
    """(name, SQL type) of the table as stored, in order: month, contract columns, ingest id."""
    cols: list[tuple[str, str]] = [("month", "VARCHAR")] if table.kind != "yearly" else []
    cols += [(c.name, SQL_TYPES[c.type]) for c in table.columns]
    cols.append(("ingest_id", "BIGINT"))
    return cols
