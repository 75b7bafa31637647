"""Raw sheets → clean rows per the contract.

Finds the header row below title rows, maps Chinese headers to canonical columns
(with units from the header or a ``单位：万元`` line), drops blank and footer rows
(checking a ``合计`` row against the detail rows), and converts every value. Amount,
number and date parsing runs inside DuckDB over Arrow columns, so a 200,000-row sheet
costs little beyond reading it; enum-like columns (few distinct values) are mapped in
Python. The result is a DuckDB temp table of clean rows plus a list of problems.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import contract, fmt, settings
from .readers import Sheet

FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋（）％：　", "0123456789.,-+()%: ")
_UNIT_SUFFIX = re.compile(r"[(\[](?:单位[:：]?)?(元|万元|亿元|%|％|户|个|家|人)[)\]]$")
_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(元|万元|亿元)")
_MONTH_IN_TEXT = re.compile(
    r"(20\d{2})\s*(?:[-_./年])\s*(1[0-2]|0?[1-9])(?:\s*月|(?!\d))|(20\d{2})(1[0-2]|0[1-9])(?!\d)"
)
FOOTER_WORDS = ("合计", "总计", "小计", "合 计", "总 计")
NOTE_WORDS = ("注：", "注:", "说明", "备注", "制表", "审核", "填报", "打印")
_FOOTER_PATTERN = r"^[\s\x{3000}]*(合\s*计|总\s*计|小\s*计|注[:：]|说明|备注|制表|审核|填报|打印)"
LEVEL_ERROR, LEVEL_ROW, LEVEL_INFO = "错误", "行错误", "提示"


@dataclass
class Problem:
    """One problem found in a file, located as the user sees it in Excel."""

    file: str
    sheet: str
    row: int | None
    column: str | None
    message: str
    level: str = LEVEL_ERROR


@dataclass
class Header:
    """The recognised header of a sheet."""

    table: contract.Table
    row_index: int  # 0-based index into sheet rows
    columns: dict[str, int]  # canonical name → column index
    sources: dict[str, str]  # canonical name → source header text
    units: dict[str, str]  # canonical amount column → unit
    month_col: int | None
    unused: list[str]
    data_start: int = 0  # 0-based index of the first data row


@dataclass
class Clean:
    """One sheet normalised: a temp table of clean rows and what happened."""

    file: str
    sheet: str
    table: contract.Table
    header: Header
    relation: str  # temp table holding rows (with _row and _bad)
    rows: int = 0
    bad_rows: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    months: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Where the data month came from: source (所选月份, 数据月份列, 文件名, 工作表名, 标题行) → month(s).
    month_sources: dict[str, str] = field(default_factory=dict)
    month_conflict: str | None = None  # set when the sources disagree: the user must confirm
    derived: list[str] = field(default_factory=list)  # columns derived from others, and how
    segment_unknown: int = 0  # rows whose 管户类型 is neither in the file nor derivable


class Refused(Exception):
    """A sheet that cannot be ingested at all; carries its problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__("；".join(p.message for p in problems))
        self.problems = problems


def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (Excel column letters)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def clean_header(cell) -> tuple[str, str | None]:
    """Header text without spaces, markers and unit suffix; and the unit it names, if any."""
    if cell is None:
        return "", None
    text = unicodedata.normalize("NFKC", str(cell)).translate(FULL_WIDTH)
    text = re.sub(r"\s+", "", text).strip("*＊:：")
    unit = None
    match = _UNIT_SUFFIX.search(text)
    if match:
        unit = match.group(1).replace("％", "%")
        text = text[: match.start()]
    else:
        for candidate in ("亿元", "万元"):
            if text.endswith(candidate) and len(text) > len(candidate) + 1:
                unit, text = candidate, text[: -len(candidate)]
                break
    return text.lower() if text.isascii() else text, unit


_ALIASES: dict[str, dict[str, str]] = {
    t.name: {clean_header(h)[0]: c.name for c in t.columns for h in c.headers} for t in contract.TABLES.values()
}
_MONTH_HEADERS = {clean_header(h)[0] for h in contract.MONTH_ALIASES}


def _match_row(cells: list, table: contract.Table) -> tuple[dict[str, list[int]], dict[str, str | None], int | None]:
    aliases = _ALIASES[table.name]
    found: dict[str, list[int]] = {}
    units: dict[str, str | None] = {}
    month_col = None
    for index, cell in enumerate(cells):
        text, unit = clean_header(cell)
        if not text:
            continue
        name = aliases.get(text)
        if name:
            found.setdefault(name, []).append(index)
            units.setdefault(name, unit)
        elif text in _MONTH_HEADERS and month_col is None:
            month_col = index
    return found, units, month_col


def detect_header(sheet: Sheet, table_hint: str | None = None) -> Header:
    """Find the header row and table kind of ``sheet``; raise :class:`Refused` when none fits."""
    scan = settings.get("header_scan_rows")
    hint_text = f"{sheet.file} {sheet.name}"
    best = None
    nearest = None
    for row_index, cells in enumerate(sheet.rows[:scan]):
        if not cells or all(c is None for c in cells):
            continue
        for table in contract.TABLES.values():
            if table_hint and table.name != table_hint:
                continue
            found, units, month_col = _match_row(cells, table)
            missing = [c for c in table.required if c not in found]
            score = len(found) + (0.5 if any(h in hint_text for h in table.name_hints) else 0)
            if not missing:
                # prefer more matched columns, then the hinted table, then the earlier row
                key = (score, -row_index)
                if best is None or key > best[0]:
                    best = (key, table, row_index, found, units, month_col)
            elif found and (nearest is None or len(found) > nearest[0]):
                nearest = (len(found), table, row_index, missing)
    if best is None:
        if nearest:
            _, table, row_index, missing = nearest
            labels = "；".join(
                f"{table.column(m).label}（可用写法：{'、'.join(accepted_headers(table.column(m)))}）" for m in missing
            )
            found_cols = set(_match_row(sheet.rows[row_index], table)[0])
            notes = header_notes(sheet.rows[row_index], table, found_cols)
            message = (
                f"未能识别表头：最接近“{table.label}”（第 {row_index + 1} 行），但缺少必填列：{labels}。"
                + ("".join(f"{n}。" for n in notes))
                + "全部可用的表头写法见“数据导入”页的“字段说明”，也可在该页下载空白模板"
            )
        else:
            message = f"未能在前 {scan} 行中找到可识别的表头（客户经理、管户明细、网格、营销活动、目标、拜访记录）"
        raise Refused([Problem(sheet.file, sheet.name, None, None, message)])
    _, table, row_index, found, units, month_col = best
    cells = sheet.rows[row_index]
    problems = []
    for name, indexes in found.items():
        if len(indexes) > 1:
            cols = "、".join(f"{col_letter(i)} 列“{cells[i]}”" for i in indexes)
            problems.append(
                Problem(
                    sheet.file,
                    sheet.name,
                    row_index + 1,
                    table.column(name).label,
                    f"表头重复：{cols} 都对应“{table.column(name).label}”，无法确定用哪一列",
                )
            )
    if problems:
        raise Refused(problems)
    columns = {name: idx[0] for name, idx in found.items()}
    cells = list(cells)
    data_start = row_index + 1
    # A two-row header (e.g. “存款” merged above “结算存款 | 纯存款”): the next row names more
    # columns where this one is empty or unmapped, and has nothing in the required columns.
    if data_start < len(sheet.rows):
        below = sheet.rows[data_start]
        more, more_units, _ = _match_row(below, table)
        extra = {n: i for n, i in more.items() if n not in columns and len(i) == 1 and i[0] not in columns.values()}
        required_empty = all(columns[r] >= len(below) or below[columns[r]] in (None, "") for r in table.required)
        if extra and required_empty:
            upper = list(cells)
            for name, indexes in extra.items():
                columns[name] = indexes[0]
                units[name] = more_units.get(name) or _group_unit(upper, indexes[0])
                cells += [None] * (indexes[0] + 1 - len(cells))
                cells[indexes[0]] = below[indexes[0]]
            data_start += 1
    default_unit = _unit_line(sheet.rows[:row_index]) or "元"
    amount_units = {}
    for name in columns:
        col = table.column(name)
        if col.type in (contract.AMOUNT, contract.NUMBER):
            unit = units.get(name)
            amount_units[name] = unit if unit in contract.UNIT_FACTORS else default_unit
    used = set(columns.values()) | ({month_col} if month_col is not None else set())
    unused = [str(c) for i, c in enumerate(cells) if c is not None and i not in used and str(c).strip()]
    return Header(
        table,
        row_index,
        columns,
        {name: str(cells[i]).strip() for name, i in columns.items()},
        amount_units,
        month_col,
        unused,
        data_start,
    )


def accepted_headers(col: contract.Column) -> list[str]:
    """The header texts that map to ``col``, as a user would type them (the label first)."""
    return list(dict.fromkeys(h for h in (col.label, *col.aliases)))


def header_notes(cells: list, table: contract.Table, mapped: set[str]) -> list[str]:
    """Notes on a header row's unrecognised cells: a look-alike that is ignored on purpose
    (``客户账号`` is not a 客户号), or the nearest accepted header of a column not yet mapped."""
    aliases = _ALIASES[table.name]
    lookalikes = {clean_header(k)[0]: v for k, v in contract.LOOKALIKES.get(table.name, {}).items()}
    open_aliases = {text: name for text, name in aliases.items() if name not in mapped}
    notes = []
    for cell in cells:
        text, _ = clean_header(cell)
        if not text or text in aliases or text in _MONTH_HEADERS:
            continue
        shown = str(cell).strip()
        if text in lookalikes:
            notes.append(f"“{shown}”{lookalikes[text]}，已忽略")
            continue
        close = difflib.get_close_matches(text, list(open_aliases), n=1, cutoff=0.75)
        if close:
            col = table.column(open_aliases[close[0]])
            same = close[0] == clean_header(col.label)[0]
            notes.append(f"“{shown}”未能识别，最接近的写法是“{close[0]}”" + ("" if same else f"（即“{col.label}”列）"))
    return notes


def _group_unit(upper: list, index: int) -> str | None:
    """The unit of a merged group header above column ``index`` (the nearest filled cell to its left)."""
    for j in range(min(index, len(upper) - 1), -1, -1):
        if upper[j] not in (None, ""):
            return clean_header(upper[j])[1]
    return None


def _unit_line(rows: list[list]) -> str | None:
    for cells in rows:
        for cell in cells:
            if isinstance(cell, str):
                match = _UNIT_LINE.search(unicodedata.normalize("NFKC", cell))
                if match:
                    return match.group(1)
    return None


def month_from_text(text: str) -> str | None:
    """A YYYY-MM month named in a file name or cell: ``2026-10``, ``202610``, ``2026年10月``."""
    text = unicodedata.normalize("NFKC", str(text))
    match = _MONTH_IN_TEXT.search(text)
    if not match:
        return None
    year = match.group(1) or match.group(3)
    mon = match.group(2) or match.group(4)
    return f"{year}-{int(mon):02d}"


# Cells above the header that name when the report was made, not the month it reports.
_MADE_WORDS = ("制表", "打印", "导出", "填报", "生成", "报送", "下载", "编制")
_RANGE_WORDS = ("至", "到", "~", "～", "累计", "以来")


def title_month(rows: list[list]) -> str | None:
    """The one month a sheet's title rows name (``2026年12月管户明细``), if they name exactly one.

    Cells saying when the report was made (``制表日期：2026-11-02``) and ranges
    (``2026年1月至10月``) are passed over.
    """
    found: set[str] = set()
    for cells in rows:
        for cell in cells:
            if not isinstance(cell, str):
                continue
            text = unicodedata.normalize("NFKC", cell)
            if any(w in text for w in _MADE_WORDS) or any(w in text for w in _RANGE_WORDS):
                continue
            months = set()
            for match in _MONTH_IN_TEXT.finditer(text):
                year = match.group(1) or match.group(3)
                mon = match.group(2) or match.group(4)
                months.add(f"{year}-{int(mon):02d}")
            if len(months) == 1:
                found |= months
    return found.pop() if len(found) == 1 else None


def month_choices(today: dt.date, stored: list[str]) -> list[str]:
    """Months offered by the picker: next month back three years, plus any stored month, newest first."""
    months = set(stored)
    index = today.year * 12 + today.month  # next month's index: months counted from 0000-01 as 0
    for back in range(37):
        year, mon0 = divmod(index - back, 12)
        months.add(f"{year:04d}-{mon0 + 1:02d}")
    return sorted(months, reverse=True)


def month_conflict_note(sources: dict[str, str], chosen: str) -> str:
    """The Chinese note shown when the month sources disagree: every source and the month taken."""
    listed = "；".join(f"{k} {v}" for k, v in sources.items() if v)
    return f"数据月份不一致：{listed}。将按 {chosen} 导入，请核对后确认，或为该文件选择正确的月份"


def parse_month(value) -> str | None:
    """A 数据月份 cell → ``YYYY-MM`` (dates, datetimes, ``2026-10``, ``202610``, ``2026年10月``, ``2026-10-31``)."""
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if len(text) == 6:
            return month_from_text(text)
        if len(text) == 8:
            return month_from_text(text[:6])
        if 20000 < value < 80000:  # an Excel date serial
            day = dt.date(1899, 12, 30) + dt.timedelta(days=value)
            return f"{day.year}-{day.month:02d}"
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d{8}", text):
        text = text[:6]
    return month_from_text(text)


def _is_footer(cells: list, first_n: int = 4) -> str | None:
    seen = 0
    for cell in cells:
        if cell is None:
            continue
        if isinstance(cell, str):
            text = cell.strip().replace("\u3000", "")
            if not text:
                continue
            if text.startswith(("合计", "总计", "合 计", "总 计")):
                return "total"
            if text.startswith("小计"):
                return "subtotal"
            if seen == 0 and text.startswith(NOTE_WORDS):
                return "note"
        seen += 1
        if seen >= first_n:
            break
    return None


def _text_value(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return (
            value.isoformat()[:10]
            if not isinstance(value, dt.datetime) or value.time() == dt.time()
            else value.isoformat(sep=" ")
        )
    return str(value)


def _all_dates(values) -> bool:
    """True when every non-null value is a date (Arrow would read a stray integer as days since 1970)."""
    return {type(v) for v in values} <= {dt.date, type(None)}


def _arrow_column(values, kind: str) -> pa.Array:
    """Values → an Arrow array, letting Arrow infer the type (C speed) where the column is uniform.

    Numbers become doubles, dates date32; text columns and mixed columns become strings.
    Empty strings (calamine's empty cell) become nulls.
    """
    if kind not in (contract.TEXT, contract.ENUM):
        try:
            array = pa.array(values)
            if pa.types.is_floating(array.type) or pa.types.is_integer(array.type):
                return array.cast(pa.float64())
            if pa.types.is_date(array.type) and _all_dates(values):
                return array
            if pa.types.is_null(array.type):
                return array.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        without_blanks = np.array(values, dtype=object)
        without_blanks[without_blanks == ""] = None
        try:
            array = pa.array(without_blanks)
            if pa.types.is_floating(array.type) or pa.types.is_integer(array.type):
                return array.cast(pa.float64())
            if pa.types.is_date(array.type) and _all_dates(without_blanks):
                return array
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    try:
        array = pa.array(values)
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            return array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    return pa.array([_text_value(v) for v in values], type=pa.string())


def _map_distinct(values: list, mapper) -> tuple[list, dict]:
    """Map values through ``mapper`` once per distinct value; return mapped values and failures."""
    cache: dict = {}
    failures: dict = {}
    out = []
    for value in values:
        try:
            mapped = cache[value]
        except KeyError:
            try:
                mapped = mapper(value)
            except ValueError:
                mapped = None
                failures[value] = True
            cache[value] = mapped
        except TypeError:  # unhashable: never from readers, but be safe
            mapped = mapper(value)
        out.append(mapped)
    return out, failures


def _mapping_error(col: contract.Column, value) -> str:
    text = _text_value(value)
    if col.type == contract.ENUM:
        return f"“{text}”不是有效的{col.label}（可选：{'/'.join(col.choices)}）"
    if col.type == contract.FLAG:
        return f"“{text}”不是有效的是/否标志（可用 是/否、Y/N、1/0、√/空白、有/无）"
    return f"{col.label}“{text}”无法识别"


def _enum_mapper(col: contract.Column):
    choices = set(col.choices)

    def mapper(value):
        text = _text_value(value)
        if text is None:
            return None
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        text = contract.ENUM_SYNONYMS.get(text, text)
        if text not in choices:
            raise ValueError(text)
        return text

    return mapper


def _flag_mapper(value):
    if value is None:
        return False  # the column is present: a blank cell means "no" (√ / blank convention)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    if not text:
        return False
    if text in contract.FLAG_TRUE:
        return True
    if text in contract.FLAG_FALSE:
        return False
    raise ValueError(value)


def _year_mapper(value):
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().rstrip("年度").rstrip("年")
    if re.fullmatch(r"20\d{2}", text):
        return int(text)
    raise ValueError(value)


_DATE_FORMATS = [
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%Y.%m.%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
]


# Number text as users write it: optional sign, ¥ and 元, (123) for a negative, thousands
# separators only in groups of three. Anything else (1,2,3 or 1_000, which DuckDB's cast
# would read as 123 and 1000) is not a number.
_NUMBER_BODY = r"(\d{1,3}(,\d{3})+(\.\d*)?|\d+(\.\d*)?([eE][-+]?\d{1,3})?|\.\d+)"
_NUMBER_SIGNED = rf"[-+]?\s*[¥￥]?\s*[-+]?\s*{_NUMBER_BODY}\s*元?"
NUMBER_TEXT = rf"\s*(\(\s*{_NUMBER_SIGNED}\s*\)|{_NUMBER_SIGNED})\s*"


def _sql_text_number(raw: str, is_double: bool) -> str:
    """SQL for a raw column as clean number text: separators, full-width digits, ¥ and (negative) handled.

    A double becomes its shortest round-trip text, so 1234.56 stays ``1234.56`` exactly.
    Text that is not a number as users write it (:data:`NUMBER_TEXT`) becomes NULL.
    """
    if is_double:
        return f"cast({raw} as varchar)"
    text = f"translate(trim({raw}), '０１２３４５６７８９．，－＋（）　', '0123456789.,-+() ')"
    cleaned = f"regexp_replace({text}, '[,\\s¥￥元]', '', 'g')"
    negative = f"regexp_replace({cleaned}, '^\\((.*)\\)$', '-\\1')"
    return f"case when regexp_full_match({text}, '{NUMBER_TEXT}') then nullif(nullif(nullif({negative}, ''), '-'), '—') end"


def _shown(value: str, limit: int = 40) -> str:
    """A cell's text for a message: control characters made visible, long text cut."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return text if len(text) <= limit else text[:limit] + "…"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# RE2 (DuckDB) spelling of the same class: C0 controls and DEL, then C1 controls.
_SQL_CONTROL = "[[:cntrl:]\\x{80}-\\x{9f}]"


def _value_problems(
    con, sheet: Sheet, table: contract.Table, header: Header, relation: str, raw_schema: pa.Schema
) -> list[Problem]:
    """Row errors for values that parse but must not be stored.

    Amounts beyond ``max_amount_yuan`` (an account number pasted into an amount column;
    sums of such rows overflow the pages' decimals) and text holding control characters
    (NUL, line breaks and the like, which break exports and displays).
    """
    problems = []
    limit = settings.get("max_amount_yuan")
    for name in header.columns:
        col = table.column(name)
        if col.type in (contract.AMOUNT, contract.NUMBER):
            is_double = pa.types.is_floating(raw_schema.field(f"r_{name}").type)
            rows = con.execute(
                f"""select _row, cast(r_{name} as varchar) from {relation}
                    where abs({name}) >= $limit
                       or ({name} is null and not ({_sql_blank(f"r_{name}", is_double)}) and {_sql_number(f"r_{name}", is_double)} is not null)
                    order by _row""",
                {"limit": limit},
            ).fetchall()
            for excel_row, value in rows:
                problems.append(
                    Problem(
                        sheet.file,
                        sheet.name,
                        excel_row,
                        col.label,
                        f"“{_shown(value)}”超出合理范围：金额的绝对值应小于 {limit:,} 元（{limit / 100_000_000:,.0f} 亿元），"
                        "请检查是否把账号、证件号等填进了金额列，或单位是否有误",
                        LEVEL_ROW,
                    )
                )
        elif col.type == contract.TEXT:
            rows = con.execute(
                f"select _row, {name} from {relation} where regexp_matches({name}, '{_SQL_CONTROL}') order by _row"
            ).fetchall()
            for excel_row, value in rows:
                problems.append(
                    Problem(
                        sheet.file,
                        sheet.name,
                        excel_row,
                        col.label,
                        f"“{_shown(value)}”含有不可见的控制字符（如空字符 NUL、换行符），请在原表中删除后再导入",
                        LEVEL_ROW,
                    )
                )
    return problems


def _sql_number(raw: str, is_double: bool) -> str:
    """SQL turning a raw column into DECIMAL(38,10), NULL when empty or not a number."""
    return f"try_cast({_sql_text_number(raw, is_double)} as decimal(38, 10))"


def _sql_money(text: str, unit: str) -> str:
    """SQL for exact yuan as DECIMAL(18,2) from number text in ``unit``, rounded half-up to the fen.

    Kept to 64-bit decimals where it can be (four times faster than 128-bit): 万元 are read
    to six decimals, which is the fen once multiplied by 10,000; DECIMAL(13,6) holds up to
    ten million 万元 (1,000 亿元) in one cell, more than any account holds.
    """
    if unit == "元":
        return f"try_cast({text} as decimal(18, 2))"
    if unit == "万元":
        return f"try_cast(try_cast({text} as decimal(13, 6)) * 10000::decimal(5, 0) as decimal(18, 2))"
    factor = contract.UNIT_FACTORS[unit]
    return f"try_cast(round(try_cast({text} as decimal(38, 10)) * {factor}, 2) as decimal(18, 2))"


def _sql_blank(raw: str, is_double: bool) -> str:
    if is_double:
        return f"{raw} is null"
    return f"({raw} is null or trim({raw}) in ('', '-', '—', '--'))"


def _sql_expr(col: contract.Column, raw: str, is_double: bool, unit: str | None) -> str:
    """SQL for the clean value of ``col`` from its raw column."""
    if col.type == contract.AMOUNT:
        return _sql_money(_sql_text_number(raw, is_double), unit or "元")
    if col.type == contract.NUMBER and col.name != "target":  # a plain number (a 考核方案 weight): no unit
        return _sql_money(_sql_text_number(raw, is_double), "元")
    if col.type == contract.NUMBER:  # targets: amounts follow units, counts do not
        text = _sql_text_number(raw, is_double)
        return (
            f"case when metric in (select unnest($amount_metrics)) then {_sql_money(text, unit or '元')} "
            f"else {_sql_money(text, '元')} end"
        )
    number = raw if is_double else _sql_number(raw, is_double)
    if col.type == contract.INT:
        return f"case when {number} = floor({number}) then cast({number} as bigint) end"
    if col.type == contract.COORD:
        bound = 180 if col.name == "lon" else 90
        return f"case when abs({number}) <= {bound} then cast({number} as double) end"
    if col.type == contract.SHARE:
        if is_double:
            value = f"cast({raw} as decimal(38, 10))"
            pct = "false"
        else:
            value = _sql_number(f"replace(replace({raw}, '％', '%'), '%', '')", False)
            pct = f"contains(replace({raw}, '％', '%'), '%')"
        # A share above 1 without a % sign (e.g. 60) is read as a percentage.
        scaled = f"case when {pct} or {value} > 1 then {value} / 100 else {value} end"
        return f"case when {scaled} between 0 and 1 then cast({scaled} as decimal(9, 6)) end"
    if col.type == contract.DATE:
        serial = f"case when {number} between 1 and 2958465 then cast(date '1899-12-30' + cast(floor({number}) as integer) as date) end"
        if is_double:
            return serial
        text = f"translate(trim({raw}), '０１２３４５６７８９', '0123456789')"
        return (
            f"case when regexp_full_match({text}, '\\d{{5}}(\\.\\d+)?') then {serial} "
            f"else cast(try_strptime({text}, $date_formats) as date) end"
        )
    raise AssertionError(col.type)


@dataclass
class _Body:
    """A sheet's rows below the header, padded to one width, with each column as an array."""

    rows: list[list]
    columns: list[np.ndarray]  # one object array per column of the sheet
    first_row: int  # Excel row number of rows[0]

    @property
    def n_rows(self) -> int:
        """How many rows the body holds (blank and footer rows included)."""
        return len(self.rows)


@dataclass
class _Months:
    """Where a snapshot sheet's rows belong: one data month per row and its witnesses."""

    per_row: list | None = None  # the month of each body row; None for tables not by snapshot
    sources: dict[str, str] = field(default_factory=dict)
    conflict: str | None = None


@dataclass
class _Raw:
    """The sheet's columns as DuckDB will read them: parsed in Python or left for SQL."""

    table: pa.Table
    python_clean: dict[str, list]  # canonical name → values mapped in Python (enums, flags, years)
    sql_cols: list[str]  # canonical names parsed in DuckDB from their ``r_`` column


def _refuse_reader_warnings(sheet: Sheet) -> None:
    """Refuse a sheet whose reader already found it unreadable (its warnings are errors)."""
    problems = [Problem(sheet.file, sheet.name, r, c, m, LEVEL_ERROR) for r, c, m in sheet.warnings]
    if problems:
        raise Refused(problems)


def _sheet_body(sheet: Sheet, header: Header) -> _Body:
    """The rows below the header, ragged CSV rows padded, and their columns as object arrays."""
    body = sheet.rows[header.data_start :]
    width = max((len(r) for r in body), default=0)
    width = max(width, len(sheet.rows[header.row_index]))
    if any(len(r) != width for r in body):  # ragged CSV rows
        body = [list(r) + [None] * (width - len(r)) for r in body]
    n_rows = len(body)
    # A 2-D object array transposes in C: a column is then a cheap slice (the reader's own when it sent one).
    grid = (
        sheet.grid[header.data_start :]
        if sheet.grid is not None and sheet.grid.shape == (len(sheet.rows), width)
        else None
    )
    if grid is None:
        grid = np.array(body, dtype=object) if body else np.empty((0, width), dtype=object)
    if grid.ndim != 2:  # rows holding sequences would fool numpy; never from our readers
        grid = np.empty((n_rows, width), dtype=object)
        for i, row in enumerate(body):
            grid[i, :] = row
    return _Body(body, [grid[:, j] for j in range(width)], header.data_start + 1)


def _footer_rows(body: _Body) -> dict[int, str]:
    """合计, 小计 and note rows by index in the body: Arrow's regex kernel finds candidates in
    the first columns, then each candidate row is looked at closely."""
    footer_rows: dict[int, str] = {}
    for col in body.columns[:4]:
        texts = _arrow_column(col, contract.TEXT)
        hits = pc.match_substring_regex(texts, _FOOTER_PATTERN)
        for i in np.flatnonzero(hits.fill_null(False).to_numpy(zero_copy_only=False)):
            i = int(i)
            if i not in footer_rows:
                kind = _is_footer(body.rows[i])
                if kind:
                    footer_rows[i] = kind
    return footer_rows


def _count_footers(body: _Body, footer_rows: dict[int, str]) -> tuple[dict[str, int], list[tuple[int, list]]]:
    """The dropped-row counts so far (blank rows counted later) and the 合计 rows with their Excel row."""
    dropped = {"空行": 0, "合计行": 0, "小计行": 0, "说明行": 0}
    totals = []
    for i, kind in sorted(footer_rows.items()):
        dropped[{"total": "合计行", "subtotal": "小计行", "note": "说明行"}[kind]] += 1
        if kind == "total":
            totals.append((body.first_row + i, body.rows[i]))
    return dropped, totals


def _snapshot_months(
    sheet: Sheet, header: Header, body: _Body, month: str | None, row_errors: list[tuple[int, str, str]]
) -> _Months:
    """The data month of a snapshot sheet's rows: the picker, else a 数据月份 column, else the
    file or sheet name. A title line only bears witness; any disagreement is put to the user.

    Unreadable months in the column become row errors; no month at all refuses the sheet.
    """
    n_rows = body.n_rows
    column_months: set[str] = set()
    if header.month_col is not None:
        column_months = {parse_month(v) for v in set(body.columns[header.month_col]) if v not in (None, "")}
        column_months.discard(None)
    witnesses = {
        "文件名": month_from_text(sheet.file),
        "工作表名": month_from_text(sheet.name) if sheet.name else None,
        "标题行": title_month(sheet.rows[: header.row_index]),
    }
    stated = [m for m in witnesses.values() if m]
    column_text = "、".join(sorted(column_months))
    found = _Months()
    if month:
        found.per_row = [month] * n_rows
        found.sources = {"所选月份": month, "数据月份列": column_text, **witnesses}
        if (column_months and column_months != {month}) or any(m != month for m in stated):
            found.conflict = month_conflict_note(found.sources, month)
    elif column_months:
        found.per_row, _failures = _map_distinct(body.columns[header.month_col], parse_month)
        if None in found.per_row:
            for i, value in enumerate(found.per_row):
                if value is None:
                    row_errors.append(
                        (i, "数据月份", f"数据月份“{_text_value(body.columns[header.month_col][i]) or '空'}”无法识别")
                    )
        found.sources = {"数据月份列": column_text, **witnesses}
        if any(m not in column_months for m in stated):
            found.conflict = month_conflict_note(found.sources, column_text)
    else:
        file_month = witnesses["文件名"] or witnesses["工作表名"]
        if not file_month and not any(c not in (None, "") for row in body.rows for c in row):
            file_month = None  # headers only (a blank template's sheet): nothing to place in a month
        elif not file_month:
            hint = (
                f"（标题行写有 {witnesses['标题行']}，如确为该月，请在导入时选择该月份）" if witnesses["标题行"] else ""
            )
            raise Refused(
                [
                    Problem(
                        sheet.file,
                        sheet.name,
                        None,
                        None,
                        "无法确定数据月份：请在导入时指定月份、在文件名中注明（如 2026-10 或 202610），或加一列“数据月份”"
                        + hint,
                    )
                ]
            )
        found.per_row = [file_month] * n_rows
        found.sources = dict(witnesses)
        if any(m != file_month for m in stated):
            found.conflict = month_conflict_note(found.sources, file_month)
    found.sources = {k: v for k, v in found.sources.items() if v}
    return found


def _month_not_used(sheet: Sheet, table: contract.Table, month: str) -> Problem:
    """A note that the picked month does not apply to a yearly or dated table."""
    basis = "年度" if table.kind == "yearly" else f"各自的{table.column(table.date_column).label}"
    return Problem(
        sheet.file, sheet.name, None, None, f"{table.label}按{basis}归属，所选月份 {month} 不适用于本表", LEVEL_INFO
    )


def _raw_columns(
    table: contract.Table,
    header: Header,
    body: _Body,
    footer_rows: dict[int, str],
    months: _Months,
    row_errors: list[tuple[int, str, str]],
) -> _Raw:
    """The Arrow table DuckDB reads: enum-like columns (few distinct values) mapped in Python,
    the rest raw for parsing in DuckDB, with the Excel row, the month and a footer flag."""
    arrays: dict[str, pa.Array] = {
        "_row": pa.array(range(body.first_row, body.first_row + body.n_rows), type=pa.int64())
    }
    python_clean: dict[str, list] = {}
    sql_cols = []
    for name, index in header.columns.items():
        col = table.column(name)
        values = body.columns[index]
        if col.type in (contract.ENUM, contract.FLAG, contract.YEAR):
            mapper = {
                contract.ENUM: _enum_mapper(col) if col.type == contract.ENUM else None,
                contract.FLAG: _flag_mapper,
                contract.YEAR: _year_mapper,
            }[col.type]
            mapped, failures = _map_distinct(values, mapper)
            if failures:
                for i, value in enumerate(values):
                    if value in failures:
                        row_errors.append((i, col.label, _mapping_error(col, value)))
            python_clean[name] = mapped
        else:
            arrays[f"r_{name}"] = _arrow_column(values, col.type)
            sql_cols.append(name)
    for name, mapped in python_clean.items():
        kind = table.column(name).type
        type_ = pa.bool_() if kind == contract.FLAG else (pa.int64() if kind == contract.YEAR else pa.string())
        arrays[name] = pa.array(mapped, type=type_)
    if months.per_row is not None:
        arrays["month"] = pa.array(months.per_row, type=pa.string())
    # Rows with nothing in any mapped column are blank; footer rows were found before.
    skip_flags = [False] * body.n_rows
    for i in footer_rows:
        skip_flags[i] = True
    arrays["_skip"] = pa.array(skip_flags, type=pa.bool_())
    return _Raw(pa.table(arrays), python_clean, sql_cols)


def _clean_select(
    table: contract.Table, header: Header, raw: _Raw, by_month: bool
) -> tuple[list[str], list[tuple[str, str]]]:
    """The select list turning raw columns into clean ones (every contract column, NULL when
    absent), and per parsed column the SQL predicate of a value that did not parse."""
    select = ["_row"]
    if by_month:
        select.append("month")
    checks = []
    for col in table.columns:
        name = col.name
        if name in raw.python_clean:
            select.append(name)
        elif name in raw.sql_cols:
            raw_col = f"r_{name}"
            arrow_type = raw.table.schema.field(raw_col).type
            is_double = pa.types.is_floating(arrow_type)
            if col.type == contract.TEXT:
                expr = f"nullif(trim(cast({raw_col} as varchar)), '')"
            elif pa.types.is_date(arrow_type):
                expr = raw_col if col.type == contract.DATE else f"null::{contract.SQL_TYPES[col.type]}"
                is_double = True  # a date cell is blank only when null
            else:
                expr = _sql_expr(col, raw_col, is_double, header.units.get(name))
                overflow = (
                    f" and {_sql_number(raw_col, is_double)} is null"
                    if col.type in (contract.AMOUNT, contract.NUMBER)
                    else ""
                )
                checks.append((name, f"not ({_sql_blank(raw_col, is_double)}) and {name} is null{overflow}"))
                select.append(raw_col)
            select.append(f"{expr} as {name}")
        else:
            select.append(f"null::{contract.SQL_TYPES[col.type]} as {name}")
    return select, checks


def _blank_predicate(table: contract.Table, raw: _Raw) -> str:
    """SQL true for a row with nothing in any mapped column (an unticked flag counts as nothing)."""
    schema = raw.table.schema
    raw_cols = [f"r_{n}" for n in raw.sql_cols]
    return (
        " and ".join(
            [
                _sql_blank(c, pa.types.is_floating(schema.field(c).type) or pa.types.is_date(schema.field(c).type))
                for c in raw_cols
            ]
            + [
                f"({n} is null or {n} = false)" if table.column(n).type == contract.FLAG else f"{n} is null"
                for n in raw.python_clean
            ]
        )
        or "false"
    )


def _store_clean_rows(con, relation: str, raw_name: str, select: list[str], blank: str) -> None:
    """Create temp table ``relation`` of the clean rows: footers and blank rows left out."""
    params = {}
    sql = (
        f"create or replace temp table {relation} as select {', '.join(select)} from {raw_name} "
        f"where not _skip and not ({blank})"
    )
    if "$date_formats" in sql:
        params["date_formats"] = _DATE_FORMATS
    if "$amount_metrics" in sql:
        params["amount_metrics"] = sorted(contract.AMOUNT_METRICS)
    con.execute(sql, params)


def _derive_segment(
    con, table: contract.Table, header: Header, relation: str, first_row: int, row_errors: list[tuple[int, str, str]]
) -> tuple[list[str], int]:
    """Fill a blank 管户类型 from the loan balances, and say so.

    Applies to customers when the column is absent or blank (rows whose segment could not be
    read are left to their row error). With no loan column there is nothing to derive it
    from: the rows are counted as unknown and the user is asked instead. Returns the notes
    and that count.
    """
    derived: list[str] = []
    segment_unknown = 0
    if table.name != "customers":
        return derived, segment_unknown
    segment_label = table.column("segment").label
    bad_rows = [first_row + i for i, label, _ in row_errors if label == segment_label]
    blank_segment = "segment is null and _row not in (select unnest($bad::bigint[]))"
    loans = [n for n in ("loan_offline", "loan_online") if n in header.columns]
    n_blank = con.execute(f"select count(*) from {relation} where {blank_segment}", {"bad": bad_rows}).fetchall()[0][0]
    where = "文件中没有“管户类型”列" if "segment" not in header.columns else f"{n_blank:,} 行未填写管户类型"
    if n_blank and loans:
        rule = {
            (
                "loan_offline",
                "loan_online",
            ): "线下贷款余额大于 0 为线下授信，否则线上贷款余额大于 0 为线上授信，其余为非授信",
            ("loan_offline",): "线下贷款余额大于 0 为线下授信，其余为非授信（文件中没有线上贷款余额列）",
            ("loan_online",): "线上贷款余额大于 0 为线上授信，其余为非授信（文件中没有线下贷款余额列）",
        }[tuple(loans)]
        case = (
            "case when coalesce(loan_offline, 0) > 0 then '线下授信' "
            "when coalesce(loan_online, 0) > 0 then '线上授信' else '非授信' end"
        )
        counts = dict(
            con.execute(
                f"select {case}, count(*) from {relation} where {blank_segment} group by 1", {"bad": bad_rows}
            ).fetchall()
        )
        con.execute(f"update {relation} set segment = {case} where {blank_segment}", {"bad": bad_rows})
        split = "、".join(f"{seg} {counts[seg]:,} 户" for seg in contract.SEGMENTS if counts.get(seg))
        derived.append(f"管户类型：{where}，已按贷款余额推算（{rule}）：{split}")
    elif n_blank:
        segment_unknown = n_blank
        derived.append(
            f"管户类型：{where}，文件中也没有“线下贷款余额”“线上贷款余额”列，无法推算这 {n_blank:,} 户的管户类型"
        )
    return derived, segment_unknown


def _unparsed_problems(
    con, sheet: Sheet, table: contract.Table, relation: str, checks: list[tuple[str, str]]
) -> list[Problem]:
    """Row errors for values that did not parse, one per cell, in column then row order."""
    problems = []
    for name, predicate in checks:
        col = table.column(name)
        bad = con.execute(
            f"select _row, cast(r_{name} as varchar) from {relation} where {predicate} order by _row"
        ).fetchall()
        what = {
            contract.AMOUNT: "不是有效的金额",
            contract.NUMBER: "不是有效的数字",
            contract.INT: "不是整数",
            contract.COORD: "不是有效的经纬度",
            contract.SHARE: "不是 0–100% 之间的占比",
            contract.DATE: "不是可识别的日期（可用 2026-10-31、2026/10/31、20261031、2026年10月31日）",
        }[col.type]
        for excel_row, value in bad:
            problems.append(Problem(sheet.file, sheet.name, excel_row, col.label, f"“{value}”{what}", LEVEL_ROW))
    return problems


def _required_problems(
    con, sheet: Sheet, table: contract.Table, relation: str, problems: list[Problem]
) -> list[Problem]:
    """Row errors for required values left empty, unless the cell already has a problem."""
    found = []
    for name in table.required:
        col = table.column(name)
        empty = con.execute(f"select _row from {relation} where {name} is null order by _row").fetchall()
        already = {(p.row, p.column) for p in problems + found}
        for (excel_row,) in empty:
            if (excel_row, col.label) not in already:
                found.append(
                    Problem(sheet.file, sheet.name, excel_row, col.label, f"必填项“{col.label}”为空", LEVEL_ROW)
                )
    return found


def _duplicate_problems(con, sheet: Sheet, table: contract.Table, relation: str, by_month: bool) -> list[Problem]:
    """Row errors for a key repeated within the sheet (within a month for snapshot sheets)."""
    if not table.key:
        return []
    key = table.key[0]
    scope = "month, " if by_month else ""
    dups = con.execute(
        f"""select _row, {key} from (
                select _row, {key}, row_number() over (partition by {scope}{key} order by _row) as n
                from {relation} where {key} is not null)
            where n > 1 order by _row"""
    ).fetchall()
    label = table.column(key).label
    return [
        Problem(sheet.file, sheet.name, excel_row, label, f"{label}“{value}”在本表中重复出现", LEVEL_ROW)
        for excel_row, value in dups
    ]


def _unused_note(sheet: Sheet, table: contract.Table, header: Header) -> Problem:
    """A note listing the columns not used, with hints for the ones that look like ours."""
    notes = header_notes(sheet.rows[header.row_index], table, set(header.columns))
    more = f"（共 {len(header.unused)} 列）" if len(header.unused) > 20 else ""
    return Problem(
        sheet.file,
        sheet.name,
        header.row_index + 1,
        None,
        f"以下列未使用：{'、'.join(header.unused[:20])}{more}" + "".join(f"；{n}" for n in notes),
        LEVEL_INFO,
    )


def normalise(
    con: duckdb.DuckDBPyConnection,
    sheet: Sheet,
    relation: str,
    month: str | None = None,
) -> Clean:
    """Normalise one sheet into temp table ``relation``; raise :class:`Refused` for sheet-level errors.

    The steps: find the header; take the body; find the 合计/小计/note rows; place the rows
    in a data month; map and parse the columns; store the clean rows (blank and footer rows
    dropped); derive a blank 管户类型; then collect the problems (unparsed, out-of-range,
    unmapped, required, duplicate values), check the 合计 row and list the unused columns.
    """
    header = detect_header(sheet)
    table = header.table
    _refuse_reader_warnings(sheet)
    problems: list[Problem] = []
    body = _sheet_body(sheet, header)
    footer_rows = _footer_rows(body)
    dropped, totals = _count_footers(body, footer_rows)
    row_errors: list[tuple[int, str, str]] = []  # (index in body, column label, message)
    months = _Months()
    if table.kind == "snapshot":
        months = _snapshot_months(sheet, header, body, month, row_errors)
    elif month:
        problems.append(_month_not_used(sheet, table, month))
    by_month = months.per_row is not None

    raw = _raw_columns(table, header, body, footer_rows, months, row_errors)
    raw_name = f"{relation}_raw"
    con.register(raw_name, raw.table)
    select, checks = _clean_select(table, header, raw, by_month)
    blank = _blank_predicate(table, raw)
    blank_rows = [r[0] for r in con.execute(f"select _row from {raw_name} where not _skip and {blank}").fetchall()]
    if blank_rows:
        dropped["空行"] += len(blank_rows)
    skip_rows = {body.first_row + i for i in footer_rows} | set(blank_rows)
    dropped = {k: v for k, v in dropped.items() if v}
    _store_clean_rows(con, relation, raw_name, select, blank)

    derived, segment_unknown = _derive_segment(con, table, header, relation, body.first_row, row_errors)
    if derived:
        segment_label = table.column("segment").label
        problems.extend(Problem(sheet.file, sheet.name, None, segment_label, note, LEVEL_INFO) for note in derived)
    problems.extend(_unparsed_problems(con, sheet, table, relation, checks))
    problems.extend(_value_problems(con, sheet, table, header, relation, raw.table.schema))
    problems.extend(
        Problem(sheet.file, sheet.name, body.first_row + i, label, message, LEVEL_ROW)
        for i, label, message in row_errors
        if body.first_row + i not in skip_rows
    )
    problems.extend(_required_problems(con, sheet, table, relation, problems))
    problems.extend(_duplicate_problems(con, sheet, table, relation, by_month))

    clean = Clean(
        sheet.file,
        sheet.name,
        table,
        header,
        relation,
        dropped=dropped,
        problems=problems,
        month_sources=months.sources,
        month_conflict=months.conflict,
        derived=derived,
        segment_unknown=segment_unknown,
    )
    if totals:
        _check_totals(con, clean, totals, dict(checks))
    if header.unused:
        problems.append(_unused_note(sheet, table, header))
    con.unregister(raw_name)
    return clean


def _check_totals(con, clean: Clean, totals: list[tuple[int, list]], unparsed: dict[str, str]) -> None:
    """Compare the last 合计/总计 row's amounts with the sum of the detail rows.

    A mismatch with every detail amount read is an error (the export may be incomplete).
    Where some detail amounts could not be read, those rows are row errors the user may
    skip: the total cannot be checked in full, and the figures are given as a 提示. All
    figures are shown one way: 万元, two decimals, separators.
    """
    excel_row, cells = totals[-1]
    header = clean.header
    tolerance_units = Decimal(str(settings.get("total_tolerance_units")))
    for name, index in header.columns.items():
        col = clean.table.column(name)
        if col.type != contract.AMOUNT or index >= len(cells) or cells[index] is None:
            continue
        raw_value = cells[index]
        unit = header.units.get(name, "元")
        factor = Decimal(contract.UNIT_FACTORS[unit])
        stated_text = _text_value(raw_value)
        number = con.execute(f"select {_sql_number('$v', False)}", {"v": stated_text}).fetchall()[0][0]
        if number is None:
            continue
        stated = (number * factor).quantize(Decimal("0.01"))
        detail = con.execute(f"select coalesce(sum({name}), 0) from {clean.relation}").fetchall()[0][0]
        if abs(stated - detail) <= tolerance_units * factor:
            continue
        unread = 0
        if name in unparsed:
            unread = con.execute(f"select count(*) from {clean.relation} where {unparsed[name]}").fetchall()[0][0]
        stated_wan, detail_wan, gap_wan = (fmt.wan(v, unit=True) for v in (stated, detail, stated - detail))
        if unread:
            message = (
                f"合计行无法完整核对：“{col.label}”有 {unread:,} 行金额无法识别（见行错误）。合计行为 {stated_wan}，"
                f"其余明细之和为 {detail_wan}，相差 {gap_wan}，差额可能来自这些行；"
                f"跳过这些行导入时，导入的“{col.label}”之和为 {detail_wan}"
            )
            level = LEVEL_INFO
        else:
            message = (
                f"合计行与明细不符：“{col.label}”合计行为 {stated_wan}，明细之和为 {detail_wan}，相差 {gap_wan}。"
                "请核对导出是否完整"
            )
            level = LEVEL_ERROR
        clean.problems.append(Problem(clean.file, clean.sheet, excel_row, col.label, message, level))
