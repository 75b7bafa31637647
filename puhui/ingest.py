"""Files → the store: read, normalise, validate across the batch, then replace in one transaction.

``analyse`` reads and checks everything and writes nothing; ``commit`` stores a plan (or
refuses it). The command line and the upload page both go through these two functions.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import contract, masking, store
from .normalize import LEVEL_ERROR, LEVEL_INFO, LEVEL_ROW, Clean, Problem, Refused, normalise
from .readers import ReadError, read

PROBLEM_COLUMNS = ["文件", "工作表", "行号", "列", "问题", "级别"]
_counter = itertools.count(1)


class IngestRefused(Exception):
    """The batch was refused; ``problems`` says why (file, sheet, row, column, message)."""

    def __init__(self, message: str, problems: pd.DataFrame):
        super().__init__(message)
        self.problems = problems


@dataclass
class SheetReport:
    """What one sheet was recognised as and what would be stored from it."""

    file: str
    sheet: str
    table: str
    table_label: str
    header_row: int
    mapping: dict[str, str]
    units: dict[str, str]
    months: list[str]
    branches: list[str]
    rows: int
    bad_rows: int
    dropped: dict[str, int]
    preview: pd.DataFrame
    sha256: str
    relation: str = field(repr=False, default="")
    month_sources: dict[str, str] = field(default_factory=dict)
    month_conflict: str | None = None
    derived: list[str] = field(default_factory=list)
    segment_unknown: int = 0

    @property
    def name(self) -> str:
        """How the import is named in the log: ``file#sheet`` (``file`` for a CSV)."""
        return f"{self.file}#{self.sheet}" if self.sheet else self.file


@dataclass
class Question:
    """Something the user must confirm before the batch may be stored (the page asks, the CLI refuses)."""

    key: str
    kind: str  # "month": the month sources disagree; "segment": 管户类型 cannot be derived
    file: str
    sheet: str
    text: str
    answer: str  # what confirming means, e.g. “按 2026-11 导入”


@dataclass
class Plan:
    """The outcome of analysing a batch of files: per-sheet reports and all problems."""

    sheets: list[SheetReport]
    problem_list: list[Problem]
    refused: bool
    questions: list[Question] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)  # slots several files of the batch share
    replacements: pd.DataFrame = field(default_factory=pd.DataFrame)  # what confirming will replace

    @property
    def problems(self) -> pd.DataFrame:
        """Problems as a table with Chinese headers, errors first."""
        order = {LEVEL_ERROR: 0, LEVEL_ROW: 1, LEVEL_INFO: 2}
        rows = sorted(
            ((p.file, p.sheet, p.row, p.column, p.message, p.level) for p in self.problem_list),
            key=lambda r: (order[r[5]], r[0], r[1], r[2] or 0),
        )
        frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
        frame["行号"] = frame["行号"].astype("Int64")
        return frame

    @property
    def bad_rows(self) -> int:
        """How many data rows have at least one bad value."""
        return sum(s.bad_rows for s in self.sheets)


PREVIEW_KINDS = {contract.AMOUNT: "wan", contract.SHARE: "pct", contract.DATE: "date"}


def _label_frame(con: duckdb.DuckDBPyConnection, clean: Clean, limit: int = 20) -> pd.DataFrame:
    """The first good rows with Chinese headers: amounts in yuan (the page shows them in 万元), flags as 是/否."""
    table = clean.table
    cols = [
        c
        for c in table.columns
        if c.name in clean.header.columns or (c.name == "segment" and table.name == "customers")
    ]
    names = (["month"] if table.kind == "snapshot" else []) + [c.name for c in cols]
    frame = con.execute(
        f"select {', '.join(names)} from {clean.relation} where not _bad order by _row limit {int(limit)}"
    ).df()
    for col in cols:
        if col.type == contract.FLAG:
            frame[col.name] = (
                frame[col.name].map(lambda v: "" if v is None or pd.isna(v) else ("是" if v else "否")).astype(object)
            )
    labels = {"month": "数据月份", **{c.name: c.label for c in cols}}
    return frame.rename(columns=labels)


def preview_columns(report: SheetReport) -> dict[str, tuple[str, str]]:
    """How the upload page shows a preview's columns: ``{表头: (表头, kind)}``, amounts as ``wan``."""
    kinds = {c.label: PREVIEW_KINDS.get(c.type, "text") for c in contract.TABLES[report.table].columns}
    return {name: (name, kinds.get(name, "text")) for name in report.preview.columns}


def _sheet_report(con: duckdb.DuckDBPyConnection, clean: Clean, sha: str) -> SheetReport:
    """What the upload page and the command line show of one recognised sheet."""
    return SheetReport(
        clean.file,
        clean.sheet,
        clean.table.name,
        clean.table.label,
        clean.header.row_index + 1,
        clean.header.sources,
        clean.header.units,
        clean.months,
        clean.branches,
        clean.rows,
        clean.bad_rows,
        clean.dropped,
        _label_frame(con, clean),
        sha,
        clean.relation,
        clean.month_sources,
        clean.month_conflict,
        clean.derived,
        clean.segment_unknown,
    )


def analyse(
    files: list[tuple[str, bytes]],
    con: duckdb.DuckDBPyConnection,
    month: str | dict[str, str] | None = None,
) -> Plan:
    """Read, normalise and check ``files`` (name, bytes); write nothing to the store.

    ``month`` is the data month chosen for the files: one month for all (the command
    line's ``--month``), or a mapping file name → month, so that a choice made for one
    file never applies to another (the upload page's per-file picker).
    """
    problems: list[Problem] = []
    cleans: list[tuple[Clean, str]] = []
    refused = False
    for file_name, data in files:
        sha = hashlib.sha256(data).hexdigest()
        file_month = month.get(file_name) if isinstance(month, dict) else month
        try:
            sheets = read(file_name, data)
        except ReadError as exc:
            problems.append(Problem(file_name, "", None, None, str(exc)))
            refused = True
            continue
        recognised = 0
        for sheet in sheets:
            if all(not row or all(c is None for c in row) for row in sheet.rows[:200]):
                continue  # an empty sheet (Sheet2, Sheet3 of a default workbook)
            relation = f"clean_{next(_counter)}"
            try:
                clean = normalise(con, sheet, relation, file_month)
            except Refused as exc:
                # A workbook's extra sheets (notes, pivot tables) need not be tables of the contract.
                if len(sheets) > 1 and all(p.row is None for p in exc.problems) and "未能" in exc.problems[0].message:
                    problems.append(
                        Problem(
                            file_name,
                            sheet.name,
                            None,
                            None,
                            f"工作表“{sheet.name}”不是可识别的数据表，已跳过",
                            LEVEL_INFO,
                        )
                    )
                    continue
                problems.extend(exc.problems)
                refused = True
                continue
            recognised += 1
            cleans.append((clean, sha))
            problems.extend(clean.problems)
        if sheets and recognised == 0 and not any(p.file == file_name and p.level == LEVEL_ERROR for p in problems):
            problems.append(Problem(file_name, "", None, None, "文件中没有可识别的数据表"))
            refused = True

    _fill_visit_branches(con, [c for c, _ in cleans])
    problems.extend(_check_roster(con, [c for c, _ in cleans]))
    problems.extend(_check_batch_duplicates(con, [c for c, _ in cleans]))
    reports = []
    for clean, sha in cleans:
        _mark_bad(
            con,
            clean,
            [p for p in problems if p.level == LEVEL_ROW and p.file == clean.file and p.sheet == clean.sheet],
        )
        _finish(con, clean)
        if any(p.level == LEVEL_ERROR and p.file == clean.file and p.sheet == clean.sheet for p in problems):
            refused = True
        if clean.rows == 0 and clean.bad_rows == 0:
            # A blank template, or a sheet of headers only: nothing to store, nothing to replace.
            where = f"工作表“{clean.sheet}”" if clean.sheet else "文件"
            problems.append(
                Problem(clean.file, clean.sheet, None, None, f"{where}只有表头、没有数据行，已跳过", LEVEL_INFO)
            )
            continue
        reports.append(_sheet_report(con, clean, sha))
    if cleans and not reports and not refused:
        problems.append(Problem(cleans[0][0].file, "", None, None, "所选文件中没有可导入的数据行"))
    if any(p.level == LEVEL_ERROR for p in problems):
        refused = True
    questions = _questions(reports)
    merges, replacements = _replacements(con, reports)
    return Plan(reports, problems, refused, questions, merges, replacements)


def _questions(reports: list[SheetReport]) -> list[Question]:
    """What the user must confirm: months whose sources disagree, 管户类型 that cannot be derived."""
    questions = []
    for report in reports:
        where = report.file + (f" · {report.sheet}" if report.sheet else "")
        if report.month_conflict:
            chosen = "、".join(report.months)
            questions.append(
                Question(
                    f"month:{report.name}",
                    "month",
                    report.file,
                    report.sheet,
                    report.month_conflict,
                    f"已核对，“{where}”按 {chosen} 导入",
                )
            )
        if report.segment_unknown:
            questions.append(
                Question(
                    f"segment:{report.name}",
                    "segment",
                    report.file,
                    report.sheet,
                    f"{report.segment_unknown:,} 户客户没有管户类型，也无法按贷款余额推算。"
                    "可在文件中补上“管户类型”列（线下授信/线上授信/非授信）或贷款余额列后重新上传，或确认全部按“非授信”导入",
                    f"确认“{where}”中没有管户类型的 {report.segment_unknown:,} 户全部按“非授信”导入",
                )
            )
    return questions


def _period_label(table: contract.Table, period: str) -> str:
    return f"{period}年" if table.kind == "yearly" else period


def _replacements(con, reports: list[SheetReport]) -> tuple[list[str], pd.DataFrame]:
    """Per slot the batch will write: rows stored now → rows after; and notes on slots several files share."""
    columns = ["数据表", "月份", "支行", "现有行数", "导入后行数", "变化", "来源文件"]
    rows = []
    merges = []
    by_table: dict[str, list[SheetReport]] = {}
    for report in reports:
        by_table.setdefault(report.table, []).append(report)
    for table_name, group in by_table.items():
        table = contract.TABLES[table_name]
        period, branch = store.slot_exprs(table)
        per_slot: dict[tuple[str, str], dict[str, int]] = {}
        for report in group:
            for p, b, n in con.execute(
                f"select {period}, {branch}, count(*) from {report.relation} where not _bad group by all"
            ).fetchall():
                per_slot.setdefault((p, b), {})[report.name] = n
        stored = store.slot_counts(con, table_name, per_slot)
        for (p, b), files in sorted(per_slot.items()):
            new = sum(files.values())
            now = stored.get((p, b), 0)
            change = "新增" if not now else "替换"
            if len(files) > 1:
                change += "（多个文件合并）"
                merges.append(
                    f"{'、'.join(f'“{f}”' for f in files)}同为{b or store.WHOLE_LINE} {_period_label(table, p)} 的{table.label}，"
                    f"将合并导入（共 {new:,} 行），不会相互替换"
                )
            rows.append(
                (table.label, _period_label(table, p), b or store.WHOLE_LINE, now, new, change, "、".join(files))
            )
    return merges, pd.DataFrame(rows, columns=columns)


def _check_batch_duplicates(con, cleans: list[Clean]) -> list[Problem]:
    """The same key (客户号, 客户经理编号, 网格编号) for the same month in two files of one batch."""
    problems: list[Problem] = []
    by_table: dict[str, list[Clean]] = {}
    for clean in cleans:
        if clean.table.key and clean.table.kind == "snapshot":
            by_table.setdefault(clean.table.name, []).append(clean)
    for _table_name, group in by_table.items():
        if len(group) < 2:
            continue
        key = group[0].table.key[0]
        label = group[0].table.column(key).label
        union = " union all ".join(
            f"select {i} as s, _row, month, {key} as k from {c.relation} where {key} is not null and month is not null"
            for i, c in enumerate(group)
        )
        dups = con.execute(
            f"""select s, _row, k, first_s, first_row from (
                    select *, first_value(s) over w as first_s, first_value(_row) over w as first_row,
                           row_number() over w as n
                    from ({union}) window w as (partition by month, k order by s, _row))
                where n > 1 and s <> first_s order by s, _row"""
        ).fetchall()
        for s, excel_row, value, first_s, first_row in dups:
            first = group[first_s]
            where = first.file + (f"（工作表“{first.sheet}”）" if first.sheet else "")
            problems.append(
                Problem(
                    group[s].file,
                    group[s].sheet,
                    excel_row,
                    label,
                    f"{label}“{value}”与同批文件 {where} 第 {first_row} 行重复：同一月份的同一{label}只能出现一次",
                    LEVEL_ROW,
                )
            )
    return problems


def _mark_bad(con, clean: Clean, row_problems: list[Problem]) -> None:
    bad = sorted({p.row for p in row_problems if p.row is not None})
    con.execute(f"alter table {clean.relation} add column _bad boolean default false")
    if bad:
        con.execute(f"update {clean.relation} set _bad = true where _row in (select unnest($rows))", {"rows": bad})
    clean.bad_rows = len(bad)


def _finish(con, clean: Clean) -> None:
    """Record row counts and the months and sub-branches the good rows cover."""
    table = clean.table
    if table.kind == "event":
        if not _has_month(con, clean.relation):
            con.execute(f"alter table {clean.relation} add column month varchar")
        con.execute(f"update {clean.relation} set month = strftime({table.date_column}, '%Y-%m')")
    good = f"from {clean.relation} where not _bad"
    clean.rows = con.execute(f"select count(*) {good}").fetchall()[0][0]
    if table.kind == "yearly":
        clean.months = [
            str(r[0]) for r in con.execute(f"select distinct year {good} and year is not null order by 1").fetchall()
        ]
        clean.branches = [
            r[0] for r in con.execute(f"select distinct coalesce(branch, '') {good} order by 1").fetchall()
        ]
    else:
        clean.months = [
            r[0] for r in con.execute(f"select distinct month {good} and month is not null order by 1").fetchall()
        ]
        clean.branches = [
            r[0] for r in con.execute(f"select distinct branch {good} and branch is not null order by 1").fetchall()
        ]


def _has_month(con, relation: str) -> bool:
    return any(r[0] == "month" for r in con.execute(f"describe {relation}").fetchall())


def _fill_visit_branches(con, cleans: list[Clean]) -> None:
    """Visits without a sub-branch take their manager's sub-branch from the roster (batch first, then stored)."""
    batch_managers = [c for c in cleans if c.table.name == "managers"]
    for clean in cleans:
        if clean.table.name != "visits":
            continue
        roster_sql = " union all ".join(
            [f"select month, manager_id, branch, 0 as pri from {m.relation}" for m in batch_managers]
            + ["select month, manager_id, branch, 1 as pri from managers"]
        )
        con.execute(
            f"""update {clean.relation} v set branch = r.branch
                from (select month, manager_id, arg_min(branch, pri) as branch from ({roster_sql}) group by all) r
                where v.branch is null and r.manager_id = v.manager_id
                  and r.month = strftime(v.visit_date, '%Y-%m')"""
        )
        missing = con.execute(
            f"select _row from {clean.relation} where branch is null and visit_date is not null and manager_id is not null order by _row"
        ).fetchall()
        for (excel_row,) in missing:
            clean.problems.append(
                Problem(
                    clean.file,
                    clean.sheet,
                    excel_row,
                    "支行",
                    "未填写支行，且在当月客户经理名单中找不到该客户经理，无法确定支行",
                    LEVEL_ROW,
                )
            )


def _check_roster(con, cleans: list[Clean]) -> list[Problem]:
    """Manager ids checked against the roster of the same month and sub-branch (batch or stored)."""
    problems: list[Problem] = []
    batch_managers = [c for c in cleans if c.table.name == "managers"]
    batch_scope = " union all ".join(f"select distinct month, branch from {m.relation}" for m in batch_managers)
    batch_roster = " union all ".join(f"select month, branch, manager_id from {m.relation}" for m in batch_managers)
    # Stored roster rows for scopes the batch does not replace, plus the batch's own roster.
    roster_sql = "select month, branch, manager_id from managers"
    if batch_managers:
        roster_sql += f" where (month, branch) not in (select (month, branch) from ({batch_scope}))"
        roster_sql += f" union all {batch_roster}"
    for clean in cleans:
        if clean.table.name in ("managers", "targets") or "manager_id" not in clean.header.columns:
            continue
        month_expr = "month" if clean.table.kind == "snapshot" else f"strftime({clean.table.date_column}, '%Y-%m')"
        unchecked = con.execute(
            f"""select distinct {month_expr} as m, branch from {clean.relation} c
                where manager_id is not null and m is not null and branch is not null
                  and not exists (select 1 from ({roster_sql}) r where r.month = m and r.branch = c.branch)
                order by 1, 2"""
        ).fetchall()
        if unchecked:
            scopes = "、".join(f"{m} {b}" for m, b in unchecked[:10])
            more = f" 等 {len(unchecked)} 处" if len(unchecked) > 10 else ""
            problems.append(
                Problem(
                    clean.file,
                    clean.sheet,
                    None,
                    "客户经理编号",
                    f"没有 {scopes}{more} 的客户经理名单，未核对客户经理编号",
                    LEVEL_INFO,
                )
            )
        unknown = con.execute(
            f"""select _row, manager_id, branch, {month_expr} as m from {clean.relation} c
                where manager_id is not null and m is not null
                  and exists (select 1 from ({roster_sql}) r where r.month = m and r.branch = c.branch)
                  and not exists (select 1 from ({roster_sql}) r
                                  where r.month = m and r.branch = c.branch and r.manager_id = c.manager_id)
                order by _row"""
        ).fetchall()
        for excel_row, manager_id, branch, m in unknown:
            problems.append(
                Problem(
                    clean.file,
                    clean.sheet,
                    excel_row,
                    "客户经理编号",
                    f"客户经理编号“{manager_id}”不在 {m} {branch} 的客户经理名单中",
                    LEVEL_ROW,
                )
            )
    return problems


def commit(
    plan: Plan,
    con: duckdb.DuckDBPyConnection,
    skip_bad_rows: bool = False,
    confirmed: bool | set[str] | list[str] | tuple[str, ...] = (),
) -> list[dict]:
    """Store an analysed plan as one batch in one transaction; raise :class:`IngestRefused` if it may not be stored.

    ``confirmed`` holds the keys of the plan's questions the user confirmed (``True``:
    all of them). Several sheets of one table for the same month and sub-branch are stored
    together (appended). Raises :class:`store.StoreBusy` when another write held the
    database; nothing is written then.
    """
    if plan.refused:
        raise IngestRefused("导入被拒绝：文件存在错误，数据库未作任何改动", plan.problems)
    if plan.bad_rows and not skip_bad_rows:
        raise IngestRefused(
            f"导入被拒绝：有 {plan.bad_rows} 行数据存在错误，数据库未作任何改动。可修正后重新导入，或选择“跳过错误行，只导入正确的行”",
            plan.problems,
        )
    if not plan.sheets:
        raise IngestRefused("没有可导入的数据", plan.problems)
    open_questions = [q for q in plan.questions if not (confirmed is True or (confirmed and q.key in confirmed))]
    if open_questions:
        asked = pd.DataFrame(
            [(q.file, q.sheet, None, None, q.text, "待确认") for q in open_questions], columns=PROBLEM_COLUMNS
        )
        raise IngestRefused(
            "导入前需要确认："
            + "；".join(f"{q.file}{' · ' + q.sheet if q.sheet else ''}：{q.text}" for q in open_questions)
            + "。数据库未作任何改动",
            pd.concat([asked, plan.problems], ignore_index=True),
        )
    for question in plan.questions:
        if question.kind == "segment":
            report = next(r for r in plan.sheets if question.key == f"segment:{r.name}")
            con.execute(f"update {report.relation} set segment = '非授信' where segment is null")
    groups: list[tuple[str, list[store.SheetRows]]] = []
    order: list[SheetReport] = []
    by_table: dict[str, list[SheetReport]] = {}
    for report in plan.sheets:
        by_table.setdefault(report.table, []).append(report)
    for table_name, reports in by_table.items():
        sheets = []
        for report in reports:
            sheets.append(
                store.SheetRows(
                    report.name,
                    report.sha256,
                    f"select * from {report.relation} where not _bad",
                    report.months,
                    report.branches,
                    report.rows,
                    {**report.dropped, **({"错误行": report.bad_rows} if report.bad_rows else {})},
                )
            )
            order.append(report)
        groups.append((table_name, sheets))
    with store.writing(con):
        stored = store.store_batch(con, groups)
        _hold_for_test()
    results = []
    for position, report in enumerate(order):
        slots = [c for c in stored.changes if report.name in c.files and c.table == report.table]
        result = {
            "file": report.file,
            "sha256": report.sha256,
            "sheet": report.sheet,
            "table": report.table,
            "table_label": report.table_label,
            "months": report.months,
            "branches": report.branches,
            "rows": report.rows,
            "dropped": {**report.dropped, **({"错误行": report.bad_rows} if report.bad_rows else {})},
            "batch_id": stored.batch_id,
            "slots": slots,
            "merged_with": sorted({f for c in slots for f in c.files if f != report.name}),
        }
        if position in stored.ingest_ids:
            result.update(
                ingest_id=stored.ingest_ids[position], replaced=stored.replaced.get(position, 0), unchanged=False
            )
        else:
            result.update(ingest_id=stored.same_as.get(position), replaced=0, unchanged=True)
        results.append(result)
    return results


def known_names(plan: Plan, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Customer names a problem message may quote: the batch's (bad rows included) and the stored ones.

    A value in the wrong column (a name where the 管户类型 belongs) comes back quoted in
    a row error; training mode masks these names in the problems (:func:`masked_problems`).
    """
    names: set[str] = set()
    for report in plan.sheets:
        if report.table == "customers" and report.relation:
            names.update(
                r[0]
                for r in con.execute(
                    f"select distinct customer_name from {report.relation} where customer_name is not null"
                ).fetchall()
            )
    names.update(
        r[0]
        for r in con.execute("select distinct customer_name from customers where customer_name is not null").fetchall()
    )
    # A one-character "name" would mask that character in every message.
    return sorted(n for n in names if isinstance(n, str) and len(n.strip()) >= 2)


def masked_problems(problems: pd.DataFrame, names=()) -> pd.DataFrame:
    """Problems for training mode: ID, phone and card numbers and the known ``names`` masked in every text column."""
    frame = problems.copy()
    text_columns = [
        c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)
    ]
    blob = "\n".join(v for c in text_columns for v in frame[c].tolist() if isinstance(v, str))
    present = [n for n in names if n in blob]  # a few names, not the whole book, go through mask_text
    for col in text_columns:
        frame[col] = pd.Series(
            [masking.mask_text(v, present) for v in frame[col].tolist()], index=frame.index, dtype=object
        )
    return frame


def _hold_for_test() -> None:
    """Test hook: with PUHUI_TEST_HOLD_TRANSACTION=FILE, signal from inside the open transaction and wait.

    The interrupted-ingest test kills the process here, after the rows were deleted and
    inserted but before the commit, to prove the previous data survives.
    """
    flag = os.environ.get("PUHUI_TEST_HOLD_TRANSACTION")
    if flag:
        Path(flag).write_text("in transaction", encoding="utf-8")
        time.sleep(60)


def ingest_paths(
    paths: list[str | Path], con: duckdb.DuckDBPyConnection, month: str | None = None, skip_bad_rows: bool = False
) -> tuple[Plan, list[dict]]:
    """Analyse and store files from disk (the command line's path)."""
    files = [(Path(p).name, Path(p).read_bytes()) for p in paths]
    plan = analyse(files, con, month)
    return plan, commit(plan, con, skip_bad_rows)
