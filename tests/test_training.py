"""Training mode (培训演示模式) across the whole app: every page, every download, the upload
page's problems and the command line show no personal data once it is on.

Each page runs in AppTest on a copy of the session's demo bank, with the widgets that reveal
customers exercised (a manager's customer list, a grid cell's panel, the deposit drill-down,
the prospect lists). Everything the run holds is scanned: every string of every element's
message (markdown, captions, metrics, expander and tab labels, selectbox options, the JSON
of plotly and pydeck charts, decoded) and every value of every dataframe; and every download
button's file, produced by the button's own callable (what a click delivers) and read back
with openpyxl. The scan looks for 18- and 15-digit ID numbers, 统一社会信用代码, mobile
numbers and the demo's customer names written out in full. With training mode off the same
scan finds names, so it can fail.

Already covered elsewhere, not repeated here: the masking rules themselves
(``test_masking.py``), a query cached unmasked never served to a masked view
(``test_app.py::test_run_masks_personal_columns_in_training_mode``, which runs the unmasked
view first in the same process), and a link's ``training=0`` not switching off a forced mode
(``test_app.py::test_training_mode_forced_by_environment``).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import ROOT, copy_db
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as et
from streamlit.testing.v1.errors import AppTestError

from puhui import cli, deposits, fmt, masking, periods, store, ui

PAGES = [rel for rel, _, _ in ui.PAGES]
# Pages that show customers (names, phones) once their widgets are used.
CUSTOMER_PAGES = ["pages/mix.py", "pages/deposits.py", "pages/grid_map.py", "pages/prospects.py", "pages/quality.py"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# An ID number is never preceded by a digit, letter, ``*`` (a masked one) or ``.`` (the
# fraction digits of a float such as 0.9100000000000004 are not an ID).
ID18 = re.compile(r"(?<![0-9A-Za-z*.])\d{17}[\dXx](?![0-9A-Za-z])")
ID15 = re.compile(r"(?<![0-9A-Za-z*.])\d{15}(?![0-9A-Za-z])")
USCC = re.compile(r"(?<![0-9A-Za-z*.])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9A-Za-z.])1[3-9]\d{9}(?![0-9A-Za-z])")
PATTERNS = {"身份证号(18位)": ID18, "身份证号(15位)": ID15, "统一社会信用代码": USCC, "手机号": PHONE}


class Personal:
    """The demo bank's personal data: what must never show in training mode."""

    def __init__(self, names: set[str], masked: set[str], phones: set[str], ids: set[str]):
        self.names = names  # full customer names that can only come from a customer's own record
        self.masked = masked  # the same names as training mode shows them
        self.phones = phones
        self.ids = ids

    def scan(self, texts: list[str]) -> list[str]:
        """What in ``texts`` is personal: pattern matches and full customer names, with where they were."""
        found = []
        for text in texts:
            for kind, pattern in PATTERNS.items():
                for match in pattern.finditer(text):
                    found.append(f"{kind} {match.group(0)} 见于：{text[:120]}")
        blob = "\n".join(texts)
        # The demo's own phone and ID numbers, whole (an element id's hex digits are not one).
        for token in sorted(set(re.findall(r"[0-9A-Za-z]+", blob)) & (self.phones | self.ids)):
            found.append(f"证件号码或电话 {token}")
        for name in sorted(n for n in self.names if n in blob):
            where = next(t for t in texts if name in t)
            found.append(f"客户名称 {name} 见于：{where[:120]}")
        return found

    def masked_shown(self, texts: list[str]) -> set[str]:
        """Masked customer names among ``texts`` (table cells, chart labels)."""
        return self.masked & set(texts)


@pytest.fixture(scope="module")
def personal(demo_template) -> Personal:
    """Customer names (3+ characters), phones and ID numbers of the demo bank."""
    con = duckdb.connect(str(demo_template), read_only=True)
    try:
        rows = con.execute("select distinct customer_name, customer_kind, phone, id_number from customers").fetchall()
        # Text that is not personal: a customer may share a name with an employee, a grid, a channel...
        public = [
            r[0]
            for r in con.execute(
                """select manager_name from managers union select grid_name from grids
                   union select activity_name from activities union select branch from customers
                   union select channel from customers union select industry from customers"""
            ).fetchall()
            if r[0]
        ]
    finally:
        con.close()
    all_names = {r[0] for r in rows}
    masked = {masking.mask_name(n) for n in all_names} | {masking.mask_person(n) for n in all_names}
    masked -= all_names
    # A name that is a part of a public word or of another customer's masked name
    # (商贸有限公司 inside 公安县**商贸有限公司) is no evidence of a leak.
    names = {
        n
        for n in all_names
        if len(n) >= 3
        and masking.mask_name(n) != n
        and not any(n in p for p in public)
        and not any(n in m for m in masked)
    }
    assert len(names) > 300, "the demo should have hundreds of distinctive customer names"
    phones = {r[2] for r in rows if r[2]}
    ids = {r[3] for r in rows if r[3]}
    return Personal(names, masked, phones, ids)


def proto_strings(message, out: list[str]) -> None:
    """Every string in a protobuf message, JSON strings (plotly, pydeck) decoded as well."""
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                for key, item in value.items():
                    out.append(str(key))
                    if hasattr(item, "ListFields"):
                        proto_strings(item, out)
                    else:
                        out.append(str(item))
                continue
            for item in value if field.is_repeated else [value]:
                proto_strings(item, out)
        elif field.type == field.TYPE_STRING:
            for text in value if field.is_repeated else [value]:
                out.append(text)
                if text[:1] in "{[":
                    # Charts escape non-ASCII text in their JSON: decode to see the names.
                    try:
                        json_strings(json.loads(text), out)
                    except ValueError:
                        pass
        # Bytes (Arrow tables) are read through the dataframe's value below.


def json_strings(obj, out: list[str]) -> None:
    """Every string (keys too) inside a decoded JSON value."""
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            out.append(str(key))
            json_strings(value, out)
    elif isinstance(obj, list):
        for value in obj:
            json_strings(value, out)


def page_texts(at: AppTest) -> list[str]:
    """All text an AppTest run holds: every element's and block's message, every dataframe value."""
    out: list[str] = []
    for node in at._tree:  # the whole tree: main, sidebar and the rest
        proto = getattr(node, "proto", None)
        if proto is not None:
            proto_strings(proto, out)
        if isinstance(node, (et.Dataframe, et.Table)):
            frame = node.value
            out.extend(str(c) for c in frame.columns)
            for col in frame.columns:
                out.extend(str(v) for v in frame[col].tolist())
    return [as_shown(text) for text in out]


def as_shown(text: str) -> str:
    """Markdown text as the browser shows it: names are escaped (fmt.md), the backslashes are not shown."""
    return re.sub(r"\\(.)", r"\1", text)


def workbook_texts(data: bytes) -> list[str]:
    """Every cell of every sheet of an xlsx file, as text; no cell may hold a formula."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    out = []
    for sheet in book.worksheets:
        out.append(sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} 是公式：{cell.value}"
                out.append(str(cell.value))
    return out


@pytest.fixture
def downloads(monkeypatch) -> list:
    """The download buttons' callables, as Streamlit registers them (a click would call them).

    Every page's downloads defer their bytes to a click (``data=lambda: ...``), which
    AppTest cannot make; the recorder keeps ``(file_name, callable)`` for the test to call.
    """
    recorded: list[tuple[str, object]] = []
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        recorded.append((file_name, data_callable))
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return recorded


def download_texts(recorded: list) -> tuple[list[str], list[str]]:
    """Call every recorded download once (the latest of each file name) and read its cells."""
    latest = dict(recorded)
    recorded.clear()
    texts = []
    for file_name, make in latest.items():
        data = make()
        assert isinstance(data, bytes) and data[:2] == b"PK", file_name  # an xlsx (zip) file
        texts.extend(f"{file_name}: {t}" for t in workbook_texts(data))
    return texts, sorted(latest)


def _has_customer_table(at: AppTest) -> bool:
    return any("customer_name" in d.value.columns for d in at.dataframe)


def _mix(at: AppTest):
    # A manager's customer list (the first manager who has customers).
    for label in at.selectbox(key="mix_manager").options[:5]:
        at.selectbox(key="mix_manager").select(label).run()
        if _has_customer_table(at):
            break
    assert _has_customer_table(at)
    yield


def _grid_map(at: AppTest):
    # The panel of the cell with the most customers (counts from the 网格明细 table).
    cells = next(d.value for d in at.dataframe if {"grid_name", "customers", "grid_type"} <= set(d.value.columns))
    biggest = cells.sort_values("customers", ascending=False).iloc[0]
    box = at.selectbox(key="grid_map_cell")
    box.select_index(box.options.index(f"{biggest['grid_name']}（{biggest['grid_type']}）")).run()
    assert any(m.label == "我行客户" and m.value == fmt.count(biggest["customers"]) for m in at.metric)
    yield
    channel = at.selectbox(key="grid_channel_pick")
    if len(channel.options) > 1:
        channel.select_index(1).run()
        yield
    at.radio(key="grid_plan_view").set_value("按网格和客户经理展开").run()
    who = at.selectbox(key="grid_plan_manager")
    if len(who.options) > 1:
        who.select_index(1).run()
    yield


def _deposits(at: AppTest):
    # The first sub-branch's first manager's customers show by default; a second manager too.
    branch = at.selectbox(key="deposit_drill_branch").value
    manager = at.selectbox(key=f"deposit_drill_manager_{branch}")
    if len(manager.options) > 1:
        # Options read "name（id）"; the widget's value is the id.
        manager.set_value(re.search(r"（([^（）]+)）$", manager.options[1]).group(1)).run()
        assert _has_customer_table(at)
    yield


def _prospects(at: AppTest):
    at.selectbox(key="prospect_manager").select_index(1).run()
    yield


def _nothing(at: AppTest):
    return
    yield


INTERACTIONS = {
    "pages/mix.py": _mix,
    "pages/grid_map.py": _grid_map,
    "pages/deposits.py": _deposits,
    "pages/prospects.py": _prospects,
}


def sweep(at: AppTest, rel: str, recorded: list | None) -> tuple[list[str], list[str], list[str]]:
    """Text of the page after its first run and after each interaction, plus its downloads' cells.

    Each download is made once, in its latest state: the widgets the interactions chose stay
    chosen, so the last run offers every table the sweep opened.
    """
    texts = page_texts(at)
    for _ in INTERACTIONS.get(rel, _nothing)(at):
        assert not at.exception, [e.value for e in at.exception]
        texts += page_texts(at)
    download, files = download_texts(recorded) if recorded is not None else ([], [])
    return texts, download, files


def start(rel: str, query: dict | None = None) -> AppTest:
    """One page, run once."""
    at = AppTest.from_file(str(ROOT / rel), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("rel", [rel for rel in PAGES if rel != "pages/admin.py"])  # the audit holds no customers
def test_forced_training_mode_masks_every_page_and_download(rel, apptest_env, monkeypatch, personal, downloads):
    monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    at = start(rel)
    assert at.sidebar.toggle(key=ui.KEY_TRAINING).value is True
    texts, download, files = sweep(at, rel, downloads)
    assert personal.scan(texts) == []
    assert personal.scan(download) == []
    assert any("培训演示模式" in t for t in texts)
    if rel in CUSTOMER_PAGES:
        # The widgets did reveal customers: masked, on the page and in the downloads.
        assert len(personal.masked_shown(texts)) >= 5, rel
        assert any("*" in t for t in download), files
    if rel != "pages/upload.py":
        assert files, "every data page offers downloads"


@pytest.mark.parametrize("rel", CUSTOMER_PAGES)
def test_training_link_masks_customer_pages(rel, apptest_env, personal):
    at = start(rel, {"training": "1"})
    assert at.sidebar.toggle(key=ui.KEY_TRAINING).value is True
    texts, _, _ = sweep(at, rel, None)
    assert personal.scan(texts) == []
    assert len(personal.masked_shown(texts)) >= 5


@pytest.mark.parametrize("rel", CUSTOMER_PAGES)
def test_switching_training_on_masks_what_was_shown(rel, apptest_env, personal, downloads):
    # Off: the same scan finds names (and phones on the prospect lists), so it can fail.
    at = start(rel)
    assert at.sidebar.toggle(key=ui.KEY_TRAINING).value is False
    texts, download, _ = sweep(at, rel, downloads)
    shown_plain = personal.scan(texts)
    assert any(f.startswith("客户名称") for f in shown_plain), rel
    assert any(f.startswith("客户名称") for f in personal.scan(download)), rel
    if rel == "pages/prospects.py":
        assert any(f.startswith("手机号") for f in shown_plain)
    # On, from the sidebar, with the same widgets chosen (a manager's list stays open) and
    # the unmasked frames still in the query cache: nothing personal is left.
    at.sidebar.toggle(key=ui.KEY_TRAINING).set_value(True).run()
    assert not at.exception
    assert at.query_params["training"] == "1"
    texts = page_texts(at)
    assert personal.scan(texts) == []
    assert len(personal.masked_shown(texts)) >= 5
    download, files = download_texts(downloads)
    assert files and personal.scan(download) == []


def test_forced_mode_cannot_be_switched_off_from_the_page(apptest_env, monkeypatch, personal):
    monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    at = start("pages/mix.py")
    toggle = at.sidebar.toggle(key=ui.KEY_TRAINING)
    assert toggle.value is True and toggle.proto.disabled
    list(_mix(at))
    # The browser cannot click a disabled toggle (AppTest refuses it just the same) ...
    with pytest.raises(AppTestError, match="disabled"):
        at.sidebar.toggle(key=ui.KEY_TRAINING).set_value(False)
    # ... and neither the session's remembered choice nor a link turns it off.
    at.session_state[ui._FILTERS] = {"month": None, "branch": None, "training": False}
    at.query_params["training"] = "0"
    at.run()
    assert not at.exception
    assert at.sidebar.toggle(key=ui.KEY_TRAINING).value is True
    texts = page_texts(at)
    assert personal.scan(texts) == []
    assert len(personal.masked_shown(texts)) >= 5


def _deposit_labels() -> list[str]:
    return [label for _, label in deposits.KINDS]


def _phase_themes() -> list[str]:
    return [p.theme for p in periods.load_calendar().phases]


# What the "如何看本页" panel of each page must state: the management rule behind the page.
EXPLAIN = {
    "app.py": lambda: ["序时进度", "四个5", "三个1"],
    "pages/upload.py": lambda: ["上传", "撤销"],
    "pages/mix.py": lambda: ["25", "30", "50"],
    "pages/deposits.py": _deposit_labels,
    "pages/grid_map.py": lambda: ["网格", "渗透率", "挂图作战"],
    "pages/campaign.py": _phase_themes,
    "pages/prospects.py": lambda: ["无贷转有贷", "三小一卡", "均衡发展"],
    "pages/quality.py": lambda: ["逾期欠息", "控制目标", "本月新增逾期客户"],
    "pages/admin.py": lambda: ["审计日志", "用户与角色"],
    "pages/evaluation.py": lambda: ["结果指标", "行为指标", "序时进度", "集训营", "考核方案"],
}


@pytest.mark.parametrize("rel", PAGES)
def test_every_page_has_a_how_to_read_panel(rel, apptest_env):
    at = start(rel)
    panels = [e for e in at.expander if e.label == "💡 如何看本页"]
    assert len(panels) == 1, [e.label for e in at.expander]
    text = " ".join(m.value for m in panels[0].markdown)
    assert text.strip()
    missing = [word for word in EXPLAIN[rel]() if word not in text]
    assert not missing, (missing, text)
    assert not panels[0].proto.expanded  # closed until the trainer opens it


def _bad_customers(path: Path, manager_id: str, branch: str, known_name: str) -> Path:
    """A 管户明细 file with rows whose error messages quote an ID number, a mobile number and names."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "客户号",
            "客户名称",
            "客户经理编号",
            "所属支行",
            "管户类型",
            "线下贷款余额",
            "联系电话",
            "证件号码",
            "贷款到期日",
        ]
    )
    # An ID number where the maturity date belongs.
    sheet.append(
        [
            "T001",
            "欧阳娜娜",
            manager_id,
            branch,
            "线下授信",
            10,
            "13812345678",
            "421022199603055157",
            "421022199001011234",
        ]
    )
    # A customer's name (of this batch) where the 管户类型 belongs.
    sheet.append(
        [
            "T002",
            "公安县宏达商贸有限公司",
            manager_id,
            branch,
            "欧阳娜娜",
            5,
            "13912345678",
            "91421022MA4E6CN5X0",
            "2027-01-31",
        ]
    )
    # A mobile number as a date, and a stored customer's name as a 管户类型.
    sheet.append(
        ["T003", "李四光", manager_id, branch, "非授信", 1, "0716-5223344", "42102219900101123X", "13712345678"]
    )
    sheet.append(["T004", "张晓明", manager_id, branch, known_name, 1, "15912345678", "421022199001011234", None])
    # A good row: the preview shows it (masked).
    sheet.append(["T005", "王建国", manager_id, branch, "非授信", 1, "18612345678", "421022198001011234", None])
    book.save(path)
    return path


RAW_VALUES = ["421022199001011234", "13712345678", "欧阳娜娜"]


@pytest.fixture
def bad_file(tmp_path, demo_facts, personal) -> tuple[Path, str]:
    """The bad file for the demo's latest month, and the stored customer name it quotes."""
    known = min(personal.names)
    path = _bad_customers(
        tmp_path / f"管户明细_{demo_facts['latest']}.xlsx",
        demo_facts["manager_ids"][0],
        demo_facts["branches"][0],
        known,
    )
    return path, known


@pytest.mark.parametrize("training", [False, True], ids=["off", "on"])
def test_upload_problems_are_masked_in_training_mode(
    training, bad_file, demo_template, tmp_path, monkeypatch, personal, downloads
):
    path, known = bad_file
    db = copy_db(demo_template, tmp_path / "upload.duckdb")
    monkeypatch.setenv("PUHUI_DB", str(db))
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    if training:
        monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    at = start("pages/upload.py")
    at.file_uploader[0].set_value((path.name, path.read_bytes(), XLSX)).run()
    assert not at.exception, [e.value for e in at.exception]
    problems = [d.value for d in at.dataframe if "问题" in d.value.columns]
    assert problems
    messages = " ".join(problems[0]["问题"])
    assert "不是可识别的日期" in messages and "不是有效的管户类型" in messages
    preview = [d.value for d in at.dataframe if "客户名称" in d.value.columns]
    assert preview and len(preview[0]) == 1
    texts = page_texts(at)
    download, files = download_texts(downloads)
    # Named with the month and scope of the page (the upload page's month is the newest stored).
    assert any(f.startswith("导入问题清单_") and f.endswith("_全条线.xlsx") for f in files), files
    if not training:
        for raw in [*RAW_VALUES, known]:
            assert raw in messages
        assert preview[0]["客户名称"].tolist() == ["王建国"]
        assert any(known in t for t in download)
        return
    for raw in [*RAW_VALUES, known]:
        assert raw not in messages
        assert not any(raw in t for t in texts + download), raw
    assert "“4***************34”不是可识别的日期" in messages
    assert "“137****5678”不是可识别的日期" in messages
    assert "“欧阳**”不是有效的管户类型" in messages
    assert f"“{masking.mask_name(known)}”不是有效的管户类型" in messages
    assert preview[0]["客户名称"].tolist() == ["王**"]
    assert preview[0]["联系电话"].tolist() == ["186****5678"]
    assert personal.scan(texts) == [] and personal.scan(download) == []
    for text in texts + download:
        assert not PHONE.search(text) and not ID18.search(text), text


def test_upload_page_masks_an_unexpected_error(apptest_env, monkeypatch):
    from puhui import ingest

    def broken(files, con, month=None):
        raise ValueError("第 3 行证件号码 421022199001011234、电话 13812345678 无法读取")

    monkeypatch.setattr(ingest, "analyse", broken)
    monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    at = start("pages/upload.py")
    at.file_uploader[0].set_value(("管户明细_2026-10.csv", "客户号\n1\n".encode(), "text/csv")).run()
    errors = [as_shown(e.value) for e in at.error]
    assert any("分析文件时出错" in e for e in errors), errors
    text = " ".join(errors)
    assert "4***************34" in text and "138****5678" in text
    assert not ID18.search(text) and not PHONE.search(text)


def _cli(args: list[str], training: bool) -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("PUHUI_TRAINING_MODE", None)
    if training:
        env["PUHUI_TRAINING_MODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "puhui", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("training", [False, True], ids=["off", "on"])
def test_cli_ingest_prints_masked_problems_in_training_mode(training, bad_file, demo_template, tmp_path, personal):
    path, known = bad_file
    db = copy_db(demo_template, tmp_path / "cli.duckdb")
    done = _cli(["ingest", "--db", str(db), str(path)], training)
    assert done.returncode == cli.EXIT_REFUSED, done.stderr
    out = done.stdout + done.stderr
    assert "不是可识别的日期" in out and "导入被拒绝" in out
    if not training:
        for raw in [*RAW_VALUES, known]:
            assert raw in out
        return
    for raw in [*RAW_VALUES, known]:
        assert raw not in out
    assert "“4***************34”不是可识别的日期" in out
    assert "“137****5678”不是可识别的日期" in out
    assert "“欧阳**”不是有效的管户类型" in out
    assert not ID18.search(out) and not PHONE.search(out)
    assert personal.scan([out]) == []


@pytest.mark.parametrize("training", [False, True], ids=["off", "on"])
@pytest.mark.parametrize("form", ["table", "csv", "json"])
def test_cli_query_output_is_masked_in_training_mode(
    training, form, demo_template, demo_facts, tmp_path, monkeypatch, capsys, personal
):
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    if training:
        monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    # The CLI opens the file read-write; the session template must stay untouched.
    db = copy_db(demo_template, tmp_path / "cli_query.duckdb")
    code = cli.main(
        [
            "query",
            "manager_customers",
            "--db",
            str(db),
            "--month",
            demo_facts["latest"],
            "--param",
            f"manager_id={demo_facts['manager_ids'][0]}",
            "--format",
            form,
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "customer_name" in out
    found = personal.scan([out])
    if training:
        assert found == []
        assert "*" in out
        if form == "json":
            rows = json.loads(out)
            assert rows and all("*" in r["customer_name"] for r in rows)
            assert isinstance(rows[0]["loans"], (int, float))  # numbers stay numbers
    else:
        assert any(f.startswith("客户名称") for f in found)


@pytest.mark.parametrize("training", [False, True], ids=["off", "on"])
def test_upload_page_masks_what_a_stored_batch_shows(training, tmp_path, monkeypatch):
    """A file name carrying a mobile number, stored and then listed: the success message, the
    batch's slots, the ingest log and the undo picker show it masked in training mode.

    None of these frames comes from ``ctx.run``: the page masks them with ``ctx.mask`` /
    ``ctx.mask_text``, and ``ui.table`` no longer masks on its own, so this guards the page.
    """
    from test_upload_semantics import customers_book

    db = tmp_path / "names.duckdb"
    store.connect(db).close()
    monkeypatch.setenv("PUHUI_DB", str(db))
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    if training:
        monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    name = "城东支行_经办13812345678_2026年11月_管户明细.xlsx"
    at = start("pages/upload.py")
    at.file_uploader[0].set_value((name, customers_book("2026-11", ["C1", "C2"], branch="城东支行"), XLSX)).run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="upload_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已导入管户明细 2026-11" in s.value for s in at.success)
    tables = [d.value for d in at.dataframe]
    assert any("来源文件" in t.columns for t in tables)  # the batch's slots
    assert any("file_name" in t.columns for t in tables)  # the ingest log
    texts = page_texts(at)
    shown = [t for t in texts if "经办" in t]
    assert shown, "the file name is shown in the messages and tables"
    if not training:
        assert any("13812345678" in t for t in shown)
        return
    assert not any("13812345678" in t for t in texts), [t for t in shown if "13812345678" in t]
    assert any("138****5678" in t for t in shown)
    assert len({t for t in shown if "138****5678" in t}) >= 3  # message, slots, log (and the undo picker)
