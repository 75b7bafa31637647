"""The command line: ``python -m puhui ingest|query|history|undo|demo``.

Errors are printed in Chinese, never as a traceback; the exit code is non-zero when
anything was refused.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal

from . import masking, queries, settings, store

EXIT_REFUSED = 2
EXIT_ERROR = 1


def _month(value: str) -> str:
    if not re.fullmatch(r"20\d{2}-(0[1-9]|1[0-2])", value or ""):
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM（如 2026-10），收到“{value}”")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m puhui", description="普惠网格经营驾驶舱：数据导入与查询")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p):
        p.add_argument("--db", help="数据库文件（默认 PUHUI_DB 或 data/puhui.duckdb）")
        return p

    p = with_db(sub.add_parser("ingest", help="导入月度报表（xlsx/xls/csv）"))
    p.add_argument("files", nargs="+", help="一个或多个文件")
    p.add_argument("--month", type=_month, help="数据月份 YYYY-MM（优先于文件中的月份）")
    p.add_argument("--skip-bad-rows", action="store_true", help="跳过有错误的行，只导入正确的行")
    p.add_argument(
        "--assume-non-credit",
        action="store_true",
        help="管户明细既没有“管户类型”列也没有贷款余额列时，确认这些客户全部按“非授信”导入",
    )

    p = with_db(sub.add_parser("query", help="运行 queries/ 下的查询"))
    p.add_argument("name", help="查询名，如 manager_mix")
    p.add_argument("--month", type=_month, help="数据月份 YYYY-MM（默认：所选范围最新的完整月份，与驾驶舱打开时相同）")
    p.add_argument("--branch", help="支行（默认：全条线）")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="其他参数；未给出的按设置填入（目标、阈值、阶段日历等），与驾驶舱相同",
    )
    p.add_argument("--format", choices=["json", "csv", "table"], default="table")

    with_db(sub.add_parser("history", help="导入记录"))
    p = with_db(sub.add_parser("undo", help="撤销一次导入（整批撤销，恢复被它替换的数据）"))
    p.add_argument("ingest_id", type=int, help="导入编号或批次编号（见 history）")
    p.add_argument("--yes", action="store_true", help="该导入所在批次还有其他文件时，确认整批撤销")

    p = with_db(sub.add_parser("demo", help="生成演示数据库"))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--customers", type=int, default=4000)
    p.add_argument("--months", type=int, default=13)
    return parser


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _training() -> bool:
    # PUHUI_TRAINING_MODE=1 sets the setting: a trainer's laptop prints no personal data either.
    return masking.is_training()


def _safe(text: str) -> str:
    """``text`` with ID, phone and card numbers masked in training mode (file names, error messages)."""
    return masking.mask_text(text) if _training() else text


def _print_problems(problems, out) -> None:
    if problems is None or len(problems) == 0:
        return

    def given(value) -> bool:
        return (
            value is not None
            and not (isinstance(value, float) and value != value)
            and str(value) not in ("", "<NA>", "nan")
        )

    for row in problems.itertuples(index=False):
        where = "，".join(
            part
            for part in (
                row.文件,
                f"工作表“{row.工作表}”" if given(row.工作表) else "",
                f"第 {row.行号} 行" if given(row.行号) else "",
                f"列“{row.列}”" if given(row.列) else "",
            )
            if part
        )
        print(f"[{row.级别}] {where}：{row.问题}", file=out)


def _slot_text(change) -> str:
    from . import contract

    table = contract.TABLES[change.table]
    period = f"{change.period}年" if table.kind == "yearly" else change.period
    return f"{table.label} {change.branch or store.WHOLE_LINE} {period}"


def cmd_ingest(args) -> int:
    """Ingest files as one batch; print what was stored or why it was refused."""
    from . import ingest

    con = store.connect(args.db)
    try:
        files = []
        for path in args.files:
            try:
                with open(path, "rb") as handle:
                    files.append((path.replace("\\", "/").rsplit("/", 1)[-1], handle.read()))
            except OSError as exc:
                print(_safe(f"无法打开文件 {path}：{exc.strerror}"), file=sys.stderr)
                return EXIT_ERROR
        plan = ingest.analyse(files, con, args.month)
        # Names are read before the commit, while the batch's rows are still at hand.
        names = ingest.known_names(plan, con) if _training() else None

        def shown(frame):
            return frame if names is None else ingest.masked_problems(frame, names)

        # --month is the user's explicit month for every file; --assume-non-credit answers the 管户类型 question.
        confirmed = {
            q.key
            for q in plan.questions
            if (q.kind == "month" and args.month) or (q.kind == "segment" and args.assume_non_credit)
        }
        try:
            results = ingest.commit(plan, con, args.skip_bad_rows, confirmed)
        except ingest.IngestRefused as exc:
            _print_problems(shown(exc.problems), sys.stderr)
            print(_safe(str(exc)), file=sys.stderr)
            kinds = {q.kind for q in plan.questions if q.key not in confirmed}
            if "month" in kinds:
                print("月份不一致：核对后请用 --month YYYY-MM 指定这些文件的数据月份再导入", file=sys.stderr)
            if "segment" in kinds:
                print("如确认没有管户类型的客户全部为非授信，请加 --assume-non-credit 再导入", file=sys.stderr)
            return EXIT_REFUSED
        except store.StoreBusy as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_ERROR
        _print_problems(
            shown(plan.problems[plan.problems["级别"] != "行错误"] if not args.skip_bad_rows else plan.problems),
            sys.stdout,
        )
        for question in plan.questions:
            print(_safe(f"[已确认] {question.file}：{question.text}"))
        for note in plan.merges:
            print(_safe(f"[合并] {note}"))
        for r in results:
            dropped = "，".join(f"{k} {v} 行" for k, v in r["dropped"].items()) or "无"
            if r["unchanged"]:
                state = "内容与已导入的相同，未改动"
            else:
                state = f"导入编号 {r['ingest_id']}（批次 {r['batch_id']}），替换原有 {r['replaced']} 行"
            sheet = f"#{r['sheet']}" if r["sheet"] else ""
            print(
                _safe(f"{r['file']}{sheet}") + f" → {r['table_label']}（{r['table']}）：{r['rows']} 行，"
                f"月份 {'、'.join(r['months'])}，支行 {'、'.join(b or '全条线' for b in r['branches'])}，"
                f"剔除 {dropped}；{state}"
            )
        return 0
    finally:
        con.close()


_TEXT_PARAMS = ("month", "branch", "start", "phase_start")


def _param_value(text: str, name: str = ""):
    """A ``--param`` value as the query wants it: NULL, a number, a flag, a JSON list, else text.

    Identifiers (``*_id``), sub-branches, months and dates stay text: ``00123`` is a manager
    number, not the integer 123.
    """
    value = text.strip()
    if value.lower() in ("", "null", "none"):
        return None
    if name.endswith("_id") or name in _TEXT_PARAMS:
        return value
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    if value.startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            pass
    if re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?", value):
        return Decimal(value)
    return text


def cmd_query(args) -> int:
    """Run a named query as the app does and print it as a table, CSV or JSON.

    Parameters not given are filled by the registry exactly as for the app: the month is
    the newest month complete for the scope (the line, or ``--branch``), settings-driven
    parameters come from the settings (``PUHUI_<NAME>`` included).
    """
    params = {}
    if args.month:
        params["month"] = args.month
    if args.branch:
        params["branch"] = args.branch
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"参数“{item}”应写作 名称=值（如 manager_id=M001）", file=sys.stderr)
            return EXIT_ERROR
        params[key.strip()] = _param_value(value, key.strip())
    # Read-only: a query changes nothing, and several can read one file at once.
    con = store.connect(args.db, read_only=True)
    try:
        try:
            query = queries.get(args.name)
            values = queries.resolve(query, params, con)
            if "month" in query.params and values["month"] is None and "month" not in params:
                print("数据库中还没有管户明细数据，无法确定数据月份；请先导入，或用 --month 指定", file=sys.stderr)
                return EXIT_ERROR
            if "month" in query.params and "month" not in params:
                scope = params.get("branch") or "全条线"
                print(f"数据月份：{values['month']}（{scope}最新的完整月份）", file=sys.stderr)
            cursor = con.execute(query.sql, values)
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        except queries.QueryError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_ERROR
    finally:
        con.close()
    if _training():
        import pandas as pd

        # dtype=object keeps the values as they came (Decimal, date) for the JSON and CSV writers.
        masked = masking.mask_frame(pd.DataFrame(rows, columns=columns, dtype=object))
        rows = list(masked.itertuples(index=False, name=None))
    if args.format == "json":
        print(
            json.dumps(
                [{c: _json_value(v) for c, v in zip(columns, row)} for row in rows], ensure_ascii=False, indent=1
            )
        )
    elif args.format == "csv":
        from .export import csv_safe

        # Text a spreadsheet would run as a formula (=HYPERLINK(…), +1+1, @SUM) is written as text, as on the pages.
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([csv_safe(str(c)) for c in columns])
        writer.writerows([[csv_safe(v) if isinstance(v, str) else _json_value(v) for v in row] for row in rows])
        sys.stdout.write(buffer.getvalue())
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", 500, "display.width", 200):
            print(pd.DataFrame(rows, columns=columns).to_string(index=False))
    return 0


def cmd_history(args) -> int:
    """Print the ingest log (one line per imported sheet, with its batch)."""
    con = store.connect(args.db)
    try:
        frame = store.history(con)
    finally:
        con.close()
    if frame.empty:
        print("还没有任何导入记录")
        return 0
    if _training():
        frame = masking.mask_frame(frame)  # file names may carry an ID or phone number
    frame = frame.drop(columns=["sha256"]).rename(
        columns={
            "ingest_id": "编号",
            "batch_id": "批次",
            "ingested_at": "导入时间",
            "file_name": "文件",
            "table_name": "表",
            "months": "月份",
            "branches": "支行",
            "rows_stored": "导入行数",
            "rows_dropped": "剔除行数",
            "dropped_detail": "剔除明细",
            "rows_replaced": "替换行数",
            "undone_at": "撤销时间",
        }
    )
    print(frame.to_string(index=False))
    return 0


def cmd_undo(args) -> int:
    """Undo the batch an import belongs to (all its files), saying what stays and what comes back."""
    from . import contract

    con = store.connect(args.db)
    try:
        try:
            batch_id = store.batch_of(con, args.ingest_id)
        except LookupError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_ERROR
        members = [m for m in store.batch_members(con, batch_id) if m["undone_at"] is None]
        if len(members) > 1 and not args.yes:
            files = "、".join(_safe(m["file"]) for m in members)
            print(
                f"导入 {args.ingest_id} 属于批次 {batch_id}，该批次共 {len(members)} 个导入（{files}），只能整批撤销。"
                "确认整批撤销请加 --yes",
                file=sys.stderr,
            )
            return EXIT_REFUSED
        try:
            result = store.undo(con, args.ingest_id)
        except LookupError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_ERROR
        except store.StoreBusy as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_ERROR
    finally:
        con.close()
    labels = "、".join(contract.TABLES[t].label for t in result["tables"])
    print(
        f"已撤销批次 {result['batch_id']}（导入 {'、'.join(map(str, result['ingest_ids']))}，{labels}）："
        f"删除 {result['removed']} 行，恢复被替换的 {result['restored']} 行"
    )
    for kept in result["kept"]:
        print(
            f"{_slot_text(kept)}：已被之后的批次 {kept.covered_by} 替换，当前数据不变；"
            f"以后撤销批次 {kept.covered_by} 时，恢复的是本批次之前的数据"
        )
    return 0


def cmd_demo(args) -> int:
    """Build the demo bank."""
    from . import demo

    path = settings.db_path(args.db)

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:5.0%}] {text}", flush=True)

    try:
        result = demo.build(path, seed=args.seed, customers=args.customers, months=args.months, progress=progress)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    print(f"演示数据已生成：{path}")
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m puhui``."""
    args = _parser().parse_args(argv)
    handler = {"ingest": cmd_ingest, "query": cmd_query, "history": cmd_history, "undo": cmd_undo, "demo": cmd_demo}[
        args.command
    ]
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user; the message says what happened
        import duckdb

        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            print("数据库文件正被其他程序（如正在运行的驾驶舱）占用，请先关闭后再试", file=sys.stderr)
        else:
            print(f"出错了：{_safe(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
