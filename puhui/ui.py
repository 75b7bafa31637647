"""The app shell every page shares: page config, the database, the sidebar and its filters.

Every page (``app.py`` and ``pages/*.py``) starts with ``ctx = ui.setup("标题", "🏠")``.
Because each page sets itself up, a link to any page opened as the first request on a
fresh server shows the same app (sidebar, navigation, filters) as a click does.

A page gets its data from ``ctx.run(name, **params)`` (cached per database file and data
version). Training mode masks personal data there, once, on the data path: every frame,
figure, option label and download built from ``ctx.run`` is masked already. The few frames
that do not come from a query (the upload page's preview and ingest log) go through
``ctx.mask`` / ``ctx.mask_text``, which apply the same rules; nothing else masks.

The module also holds the small display helpers the pages share: ``explain`` (the
"如何看本页" panel), ``table`` (Chinese headers, amounts in 万元, xlsx download),
``notices`` and ``metric_change`` (red up / green down). It holds no page-specific logic.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st
from streamlit.elements import exception as _st_exception
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from . import access as access_rules
from . import audit as audit_log
from . import export, fmt, login, masking, queries, settings, store

APP_NAME = "普惠网格经营驾驶舱"
ALL_BRANCHES = "全部支行"

# What a user sees when a page fails unexpectedly. With client.showErrorDetails = "none"
# (.streamlit/config.toml) Streamlit hides the message, type and traceback from the browser,
# logs the full traceback on the server, and shows this text in their place: its own
# generic text is English, so it is replaced here (read at display time).
ERROR_TEXT = (
    "页面出错了，未能显示全部内容。出错的详细信息已记录在服务器日志中。"
    "请刷新页面，或换一个数据月份、支行再试；如仍出错，请把出错的时间和页面告诉系统管理员。"
)
_st_exception._GENERIC_UNCAUGHT_EXCEPTION_TEXT = ERROR_TEXT

# The navigation: (file relative to the project root, label, emoji icon). A page shows
# in the sidebar only once its file exists. Emoji only: a ``:material/…:`` icon makes
# the browser fetch a font from the internet, which a bank intranet does not have.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("app.py", "经营总览", "🏠"),
    ("pages/upload.py", "数据导入", "📥"),
    ("pages/mix.py", "管户结构", "👥"),
    ("pages/deposits.py", "存款结构", "💰"),
    ("pages/grid_map.py", "网格地图", "🗺️"),
    ("pages/campaign.py", "阶段营销", "📅"),
    ("pages/prospects.py", "存量客户深挖", "🎯"),
    ("pages/quality.py", "资产质量", "🩺"),
    ("pages/evaluation.py", "考核评价", "🏅"),
    ("pages/admin.py", "审计与用户", "🛡️"),
)
UPLOAD_PAGE = "pages/upload.py"

# Query-parameter names that carry the sidebar filters, so a copied link reproduces a view.
QP_MONTH, QP_BRANCH, QP_TRAINING = "month", "branch", "training"

# Widget keys (also CSS classes ``st-key-…`` the browser tests use).
KEY_MONTH, KEY_BRANCH, KEY_TRAINING = "puhui_month", "puhui_branch", "puhui_training"
_FILTERS = "_puhui_filters"  # the chosen filters, kept across pages in session state
_WRITTEN = "_puhui_qp_written"  # the query parameters this session last wrote
_TRAINING_NOW = "_puhui_training_now"
_DOWNLOAD_SCOPE = "_puhui_download_scope"  # (month, branch) of the page being drawn
_AUDIT = "_puhui_audit"  # (database path, access, page) of the page being drawn, for the audit
_SEEN_LISTS = "_puhui_seen_lists"  # unmasked customer lists this session has already logged

_TRUTHY = {"1", "true", "yes", "on", "是"}
_build_lock = threading.Lock()


def db_path() -> Path:
    """The database path: ``--db`` after ``--`` on the streamlit command line, else ``PUHUI_DB``, else the default."""
    return settings.db_path(_argv_db()).resolve()


def _argv_db() -> str | None:
    # ``streamlit run app.py -- --db PATH`` hands the script sys.argv == ["app.py", "--db", "PATH"].
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--db" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--db="):
            return arg[len("--db=") :]
    return None


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    # One read-write connection per process and file: DuckDB refuses a second connection
    # with a different configuration to the same file in one process. Each script run
    # works on its own cursor of it.
    return store.connect(path)


def _ensure_database(path: Path) -> None:
    """Build the default demo database, with a visible progress bar, when no file exists."""
    if path.exists():
        return
    waiting = st.empty()
    waiting.info("首次启动：正在准备演示数据库，请稍候……", icon="⏳")
    with _build_lock:  # two first visitors must not build it twice
        waiting.empty()
        if path.exists():
            return
        from . import demo  # the demo builder is needed only on a first start

        bar = st.progress(0.0, text="首次启动：正在生成演示数据（虚构的分行、客户经理和客户）……")

        def progress(fraction: float, text: str = "") -> None:
            share = min(max(float(fraction), 0.0), 1.0)
            bar.progress(share, text=f"首次启动：正在生成演示数据…… {text}".rstrip())

        # Build under a temporary name, then move it in place, so that an interrupted
        # build never leaves a half-filled file that looks complete.
        path.parent.mkdir(parents=True, exist_ok=True)
        building = path.with_name(path.name + ".building")
        for leftover in (building, Path(str(building) + ".wal")):
            leftover.unlink(missing_ok=True)
        demo.build(building, seed=42, progress=progress)
        os.replace(building, path)
        wal = Path(str(building) + ".wal")
        if wal.exists():
            os.replace(wal, Path(str(path) + ".wal"))
        bar.empty()


def _data_state(con: duckdb.DuckDBPyConnection) -> tuple[tuple[int, int], object, bool]:
    """(data version, last ingest time, demo flag) from the ingest log and meta table."""
    row = con.execute(
        """select coalesce(max(ingest_id), 0),
                  count(undone_at),
                  max(ingested_at) filter (where undone_at is null)
           from ingest_log"""
    ).fetchall()[0]
    demo = con.execute("select value from meta where key = 'demo'").fetchall()
    return (int(row[0]), int(row[1])), row[2], bool(demo) and str(demo[0][0]).lower() == "true"


def _mask(frame: pd.DataFrame) -> pd.DataFrame:
    # The one place the app masks a frame for training mode: ctx.run's cache and
    # Context.mask (frames that do not come from a query) both call it.
    return masking.mask_frame(frame)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(
    db: str,
    version: tuple[int, int],
    scope: tuple,
    name: str,
    sql_text: str,
    params: tuple,
    _con: duckdb.DuckDBPyConnection,
) -> pd.DataFrame:
    # db, version, scope, name, sql_text and params make the cache key; _con is not hashed.
    # The scope (the user's sub-branches, access.Access.cache_key) is in the key: a result
    # computed on one user's scoped cursor is never served to another scope.
    return queries.run(_con, name, {k: list(v) if isinstance(v, tuple) else v for k, v in params})


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_masked(
    db: str,
    version: tuple[int, int],
    scope: tuple,
    name: str,
    sql_text: str,
    params: tuple,
    _con: duckdb.DuckDBPyConnection,
) -> pd.DataFrame:
    # Training mode masks the same rows: the query runs once for both modes.
    return _mask(_cached_query(db, version, scope, name, sql_text, params, _con))


@st.cache_resource(show_spinner=False, max_entries=128)
def _cached_derived(
    db: str,
    version: tuple[int, int],
    scope: tuple,
    training: bool,
    filters: tuple,
    environment: tuple,
    name: str,
    inputs: tuple,
    _build: Callable[[], object],
) -> object:
    # Everything a derived result depends on is in the key: the data (file, version), who
    # looks (scope), masking, the sidebar filters, the settings (PUHUI_* variables) and the
    # caller's own inputs (widget values). _build is not hashed. A resource cache: the result
    # is shared, not unpickled on every hit (a Plotly figure re-validates itself when unpickled).
    return _build()


def _private(value):
    """``value`` with its frames copied: a page may change a frame it got; the cached one stays."""
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_private(item) for item in value)
    if isinstance(value, list):
        return [_private(item) for item in value]
    return value


def _environment() -> tuple:
    """The settings as the environment overrides them (a derived result depends on them)."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PUHUI_")))


def clear_cache() -> None:
    """Forget every cached query result (after storing or undoing an ingest)."""
    _cached_query.clear()
    _cached_masked.clear()
    _cached_derived.clear()
    _real_ingests.clear()


@st.cache_data(show_spinner=False, max_entries=64)
def _month_status(
    db: str, version: tuple[int, int], scope: tuple, _con: duckdb.DuckDBPyConnection
) -> list[store.MonthStatus]:
    # Read once per database file, data version and scope: a provincial book's scan is not free.
    return store.month_status(_con)


@st.cache_data(show_spinner=False, max_entries=64)
def _branches(db: str, version: tuple[int, int], scope: tuple, _con: duckdb.DuckDBPyConnection) -> list[str]:
    return store.branches(_con)


@st.cache_data(show_spinner=False, max_entries=64)
def _real_ingests(db: str, version: tuple[int, int], scope: tuple, _con: duckdb.DuckDBPyConnection) -> int:
    # The demo banner asks on every run of every page: read once per data version.
    return store.real_ingests(_con)


@dataclass
class Context:
    """What a page gets from :func:`setup`: the connection, the filters and a cached query runner.

    ``statuses`` holds every stored month's :class:`store.MonthStatus` (newest first) and
    ``status`` the chosen month's: which sub-branches it holds and lacks.
    """

    con: duckdb.DuckDBPyConnection
    db_path: Path
    month: str | None
    branch: str | None
    training: bool
    months: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    demo: bool = False
    version: tuple[int, int] = (0, 0)
    last_ingest: object = None
    statuses: list[store.MonthStatus] = field(default_factory=list)
    # Who is looking (login.gate): the cursor above sees only their sub-branches.
    access: access_rules.Access = access_rules.LOCAL

    @property
    def status(self) -> store.MonthStatus | None:
        """The chosen month's status (None without data)."""
        return next((s for s in self.statuses if s.month == self.month), None)

    @property
    def line_complete(self) -> bool:
        """Whether the chosen month holds every sub-branch expected (the line's totals are whole)."""
        status = self.status
        return status is None or status.complete

    def only_present(self, frame: pd.DataFrame, what: str | None, column: str = "branch") -> pd.DataFrame:
        """``frame`` without the rows of sub-branches that have no customers stored in the month.

        A partial month's roster or grid rows of a sub-branch that has not uploaded its
        管户明细 would be ranked, averaged and flagged as if it had no customers: they are
        left out, and a caption says which sub-branches and what (none when ``what`` is None).
        """
        status = self.status
        if status is None or status.complete or column not in frame:
            return frame
        absent = frame[column].isin(status.missing)
        if absent.any():
            if what:
                st.caption(f"本月未上传管户明细的 {missing_text(status)} 的{what}不计入。")
            return frame[~absent]
        return frame

    def params(self, name: str, **params) -> dict:
        """Every parameter ``name`` is run with on this page: the caller's, the sidebar's, then the registry's.

        ``month`` and ``branch``, when the query takes them and the caller does not pass
        them, come from the sidebar (pass ``branch=None`` explicitly for all sub-branches);
        setting-driven parameters come from the settings (:func:`queries.resolve`).
        """
        query = queries.get(name)
        for auto in ("month", "branch"):
            if auto in query.params and auto not in params:
                params[auto] = getattr(self, auto)
        return queries.resolve(query, params, month=self.month)

    def run(self, name: str, **params) -> pd.DataFrame:
        """Run query ``name`` through the cache; personal columns come back masked in training mode.

        This is where the app masks personal data: every frame, figure, option label and
        download built from ``ctx.run`` is masked already, and nothing downstream masks again.
        """
        values = self.params(name, **params)
        key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(values.items()))
        cached = _cached_masked if self.training else _cached_query
        return cached(
            str(self.db_path), self.version, self.access.cache_key(), name, queries.get(name).sql, key, self.con
        )

    def derive(self, name: str, build: Callable[[], object], *inputs):
        """``build()`` (a frame, figure or deck made from this page's queries), cached across reruns.

        The result is kept per database file, data version, the viewer's scope, training
        mode, month and sub-branch, the settings, ``name`` and ``inputs`` (the widget values
        ``build`` reads besides those): pass every other value ``build`` depends on in
        ``inputs``, or it may be served a result built for other values. A result is never
        served to another scope or masking mode. Frames come as copies; figures and decks are
        shared between reruns and sessions, so never change one after it is built.
        """
        return _private(
            _cached_derived(
                str(self.db_path),
                self.version,
                self.access.cache_key(),
                self.training,
                (self.month, self.branch),
                _environment(),
                name,
                inputs,
                build,
            )
        )

    def run_later(self, name: str, **params) -> Callable[[], pd.DataFrame]:
        """A callable that runs query ``name`` as :meth:`run` would (same parameters, scope and
        masking), on a fresh cursor, uncached: for a download's full list, built only on click.
        """
        values, training = self.params(name, **params), self.training

        def run() -> pd.DataFrame:
            frame = queries.run(self.fresh_cursor(), name, values)
            return _mask(frame) if training else frame

        return run

    def fresh_cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor with this page's scope, for work done after the run (a download built on click)."""
        return access_rules.scope_cursor(_connection(str(self.db_path)), self.access.branches)

    def mask(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` as training mode shows it, for the few frames that do not come from :meth:`run`.

        The upload page's frames come from the files being uploaded and the ingest log,
        not from a query; they are masked here, with the same rules as :meth:`run`.
        """
        return _mask(frame) if self.training else frame

    def mask_text(self, text: str) -> str:
        """``text`` with ID, phone and card numbers masked in training mode (file names and messages may carry them)."""
        return masking.mask_text(text) if self.training else text


def _training_forced() -> bool:
    return os.environ.get("PUHUI_TRAINING_MODE", "").strip().lower() in _TRUTHY


def _resolve_filters(months: list[str], branches: list[str]) -> tuple[dict, list[str], str | None]:
    """The filters in force: a link's query parameters when they are new to this session, else the session's.

    Also the warnings for a link's unknown sub-branch, and a link's unknown month (the
    caller words that warning once it knows the month shown instead).
    """
    state = st.session_state.setdefault(_FILTERS, {"month": None, "branch": None, "training": None})
    written = st.session_state.setdefault(_WRITTEN, {})
    warnings = []
    bad_month = None
    params = st.query_params
    # A value we did not write ourselves comes from a pasted link or a hand-edited URL.
    raw = params.get(QP_MONTH)
    if raw is not None and raw != written.get(QP_MONTH):
        if raw in months:
            state["month"] = raw
        else:
            state["month"] = None
            bad_month = raw
    raw = params.get(QP_BRANCH)
    if raw is not None and raw != written.get(QP_BRANCH):
        if raw in branches:
            state["branch"] = raw
        else:
            state["branch"] = None
            warnings.append(
                f"链接中的支行不在数据库或您可查看的支行中，已改为{ALL_BRANCHES}。"
            )  # the name is not echoed
    raw = params.get(QP_TRAINING)
    if raw is not None and raw != written.get(QP_TRAINING):
        state["training"] = raw.strip().lower() in _TRUTHY
    if state["month"] is not None and state["month"] not in months:
        state["month"] = None  # e.g. that month's ingest was undone
    if state["branch"] is not None and state["branch"] not in branches:
        state["branch"] = None
    return state, warnings, bad_month


def _write_query_params(values: dict[str, str | None]) -> None:
    """Put the filters in the URL, touching only our keys and only when they change."""
    written = st.session_state.setdefault(_WRITTEN, {})
    for key, value in values.items():
        current = st.query_params.get(key)
        if value is None:
            if current is not None:
                del st.query_params[key]
        elif current != value:
            st.query_params[key] = value
        written[key] = value


def _remember(widget_key: str, filter_name: str) -> Callable[[], None]:
    """A widget callback that keeps the widget's new value as the session's filter."""

    def callback() -> None:
        value = st.session_state[widget_key]
        st.session_state[_FILTERS][filter_name] = None if value == ALL_BRANCHES else value

    return callback


def _app_root() -> Path:
    """The folder of the main script (``app.py``), against which page links resolve."""
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.main_script_path:
        return Path(ctx.main_script_path).resolve().parent
    return settings.ROOT


def _page_exists(rel: str) -> bool:
    return (_app_root() / rel).exists()


def _navigation(link_params: dict[str, str], access: access_rules.Access) -> None:
    for rel, label, icon in PAGES:
        if not _page_exists(rel) or not access.may_open(rel):
            continue  # a page the role may not use is not offered (and refused if opened directly)
        try:
            st.page_link(rel, label=label, icon=icon, query_params=link_params, width="stretch")
        except StreamlitAPIException:
            # A page run as the main script on its own (AppTest.from_file on a page)
            # knows no other pages; the navigation then shows nothing to click.
            pass


@dataclass
class _Filters:
    """The filters in force on this run, and the warnings a link's unknown values give."""

    month: str | None
    branch: str | None
    training: bool
    forced: bool
    training_default: bool
    warnings: list[str]

    @property
    def training_param(self) -> str | None:
        """The ``training`` query parameter: only a departure from the default goes into the URL."""
        return _training_param(self.training, self.training_default)

    def query_params(self) -> dict[str, str | None]:
        """The filters as query parameters (None: not in the URL)."""
        return {QP_MONTH: self.month, QP_BRANCH: self.branch, QP_TRAINING: self.training_param}


def _page_of(title: str) -> str:
    """The page's file (as in :data:`PAGES`) from its title."""
    return next((rel for rel, label, _ in PAGES if label == title), title)


def _open_database(title: str) -> Context:
    """The database (built on a first start) as the visitor may see it: login gate, scoped cursor,
    data state, months and sub-branches; no filters yet.
    """
    path = db_path()
    _ensure_database(path)
    base = _connection(str(path))
    allowed = login.gate(base, _page_of(title), APP_NAME)
    # Every query of this run goes through this cursor: the scope is in the database, bound
    # from the logged-in identity, never from a widget, the URL or session state.
    con = access_rules.scope_cursor(base, allowed.branches)
    scope = allowed.cache_key()
    version, last_ingest, demo = _data_state(con)
    statuses = _month_status(str(path), version, scope, con)
    st.session_state[_AUDIT] = (str(path), allowed, _page_of(title))
    return Context(
        access=allowed,
        con=con,
        db_path=path,
        month=None,
        branch=None,
        training=False,
        months=[s.month for s in statuses],
        branches=_branches(str(path), version, scope, con),
        demo=demo,
        version=version,
        last_ingest=last_ingest,
        statuses=statuses,
    )


def _choose_filters(ctx: Context) -> _Filters:
    """The month, sub-branch and training mode in force: link, session, settings and environment, in that order."""
    state, warnings, bad_month = _resolve_filters(ctx.months, ctx.branches)
    forced = _training_forced() or ctx.access.training_forced
    training_default = bool(settings.get("training_mode"))
    training = True if forced else (training_default if state["training"] is None else state["training"])
    branch = state["branch"]
    # Unless one was chosen, the newest month that is complete for the scope: a month that
    # 2 of 10 sub-branches have uploaded is not what the line or the other 8 open on.
    month = state["month"] or store.newest_complete_month(ctx.statuses, branch)
    if bad_month is not None and month is not None:
        which = "最新月份" if month == ctx.months[0] else "最新的完整月份"
        warnings.insert(0, f"链接中的数据月份“{bad_month}”不在数据库中，已改为{which} {month}。")
    return _Filters(month, branch, training, forced, training_default, warnings)


def _sidebar(ctx: Context, filters: _Filters) -> None:
    """The sidebar: navigation (links carry the filters), month, sub-branch, training mode, data source."""
    # Widget values come from the session's filters each run, so they survive a page
    # switch (Streamlit gives widgets on different pages different identities).
    st.session_state[KEY_MONTH] = filters.month
    st.session_state[KEY_BRANCH] = filters.branch or ALL_BRANCHES
    st.session_state[KEY_TRAINING] = filters.training
    link_params = {k: v for k, v in filters.query_params().items() if v is not None}
    with st.sidebar:
        st.markdown(f"**{APP_NAME}**")
        _navigation(link_params, ctx.access)
        st.divider()
        if ctx.months:
            labels = {s.month: month_option(s, filters.branch) for s in ctx.statuses}
            st.selectbox(
                "数据月份",
                ctx.months,
                key=KEY_MONTH,
                format_func=lambda m: labels.get(m, m),
                on_change=_remember(KEY_MONTH, "month"),
                help="默认打开所选范围最新的完整月份；标注“不完整”的月份缺少部分支行的管户明细。",
            )
        else:
            st.caption("数据月份：尚无数据")
        st.selectbox(
            "支行",
            [ALL_BRANCHES, *ctx.branches],
            key=KEY_BRANCH,
            on_change=_remember(KEY_BRANCH, "branch"),
        )
        st.toggle(
            "培训演示模式",
            key=KEY_TRAINING,
            disabled=filters.forced,
            on_change=_remember(KEY_TRAINING, "training"),
            help="开启后，客户名称、联系电话、证件号码等个人信息脱敏显示，适合课堂投屏。",
        )
        if ctx.access.training_forced:
            st.caption("培训师账号：培训演示模式始终开启。")
        elif filters.forced:
            st.caption("本服务器已设置 PUHUI_TRAINING_MODE=1，培训演示模式始终开启。")
        st.divider()
        st.caption(f"数据来源：{ctx.db_path.name}")
        _who(ctx.access)
        if ctx.last_ingest is not None:
            st.caption(f"最近导入：{pd.Timestamp(ctx.last_ingest):%Y-%m-%d %H:%M}")
        else:
            st.caption("最近导入：无" + ("（演示数据）" if ctx.demo else ""))


def _who(access: access_rules.Access) -> None:
    """Who is logged in, with a logout button; without login, that the app serves this machine only."""
    if access.login:
        st.caption(f"当前用户：{fmt.md(access.label)}")
        st.button("退出登录", on_click=st.logout, key="puhui_logout")
    else:
        st.caption("未启用登录：仅限本机访问。")


def audit(action: str, **detail) -> None:
    """Append to the audit log as the person behind this page (login, uploads, downloads …)."""
    path, who, page = st.session_state.get(_AUDIT, (str(db_path()), access_rules.LOCAL, ""))
    audit_log.record(
        _connection(path), who.who, action, role=who.role, address=login.client_address(), page=page, **detail
    )


def _banners(ctx: Context, warnings: list[str]) -> None:
    """Above the page: a link's warnings, the demo banner, the training-mode note."""
    for warning in warnings:
        st.warning(warning, icon="⚠️")
    if ctx.demo:
        if _real_ingests(str(ctx.db_path), ctx.version, ctx.access.cache_key(), ctx.con):
            st.warning(
                "数据库中演示数据与已导入的本行数据并存，合计数会把两者相加。请在“数据导入”页清空演示数据。",
                icon="🧪",
            )
        else:
            st.info(
                "当前显示的是演示数据（虚构的分行、客户经理和客户），不是本行的真实经营数据。"
                "请在“数据导入”页上传本行月度报表。",
                icon="🧪",
            )
    if ctx.training:
        st.caption("🎓 培训演示模式：个人信息已脱敏显示。")


def _stop_without_data() -> None:
    """Stop a page that needs data on an empty database, with a pointer to the upload page."""
    st.info("数据库中还没有管户明细数据。请先在“数据导入”页上传月度报表。", icon="📥")
    if _page_exists(UPLOAD_PAGE):
        try:
            st.page_link(UPLOAD_PAGE, label="前往数据导入", icon="📥")
        except StreamlitAPIException:
            pass
    st.stop()


def setup(title: str, icon: str, needs_data: bool = True) -> Context:
    """Set up a page: page config, database (demo on first start), sidebar, filters, demo banner.

    ``needs_data=False`` lets a page (the upload page) run on an empty database; other
    pages stop with a pointer to the upload page when no month is stored.
    """
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=icon, layout="wide")
    ctx = _open_database(title)
    filters = _choose_filters(ctx)
    ctx.month, ctx.branch, ctx.training = filters.month, filters.branch, filters.training
    _sidebar(ctx, filters)
    st.session_state[_TRAINING_NOW] = ctx.training
    st.session_state[_DOWNLOAD_SCOPE] = (ctx.month, ctx.branch)
    _write_query_params(filters.query_params())
    _banners(ctx, filters.warnings)
    if needs_data and not ctx.months:
        _stop_without_data()
    if ctx.months:
        _month_notice(ctx, stop=needs_data, title=f"{icon} {title}")
    return ctx


def month_option(status: store.MonthStatus, branch: str | None = None) -> str:
    """How a month reads in the month select: ``2026-11（不完整：缺 8 个支行）`` or ``2026-11（本支行无数据）``."""
    if branch is not None:
        return status.month if status.has(branch) else f"{status.month}（本支行无数据）"
    if status.complete:
        return status.month
    return f"{status.month}（不完整：缺 {len(status.missing)} 个支行）"


def missing_text(status: store.MonthStatus) -> str:
    """The sub-branches a month lacks, for a notice (Markdown): ``8 个支行（甲支行、乙支行…）``."""
    return f"{len(status.missing)} 个支行（{'、'.join(fmt.md(name) for name in status.missing)}）"


def _go_to_month(month: str) -> Callable[[], None]:
    def callback() -> None:
        st.session_state[_FILTERS]["month"] = month

    return callback


def _month_notice(ctx: Context, stop: bool, title: str) -> None:
    """Say when the chosen month is partial for the scope; stop a page whose sub-branch has no data that month.

    Like the demo banner, the notice stands above the page; a page that stops gets its
    title here, since its own code does not run.
    """
    status = ctx.status
    if status is None:
        return
    better = store.newest_complete_month(ctx.statuses, ctx.branch)
    if ctx.branch is not None and not status.has(ctx.branch):
        if stop:
            st.title(title)
        with st.container(border=True, key="puhui_month_notice"):
            st.warning(
                f"{fmt.md(ctx.branch)} 尚无 {fmt.month_label(ctx.month)}（{ctx.month}）的管户明细：本月该支行的数字无从计算，"
                "也不参加排名。" + (f"最近有数据的月份是 {better}。" if better and better != ctx.month else ""),
                icon="📭",
            )
            if better and better != ctx.month:
                st.button(f"改看 {better}", key="puhui_go_complete", on_click=_go_to_month(better))
        if stop:
            st.stop()
        return
    if ctx.branch is None and not status.complete:
        with st.container(border=True, key="puhui_month_notice"):
            st.warning(
                f"{ctx.month} 的管户明细不完整：{len(status.present)} 个支行已上传，缺 {missing_text(status)}。"
                "全条线的合计只含已上传的支行，环比、较年初、同比按同一批支行比较；"
                "排名、平均只含本月有数据的支行，全条线完成率不予计算。"
                + (f"最近的完整月份是 {better}。" if better and better != ctx.month else ""),
                icon="🧩",
            )
            if better and better != ctx.month:
                st.button(f"改看 {better}", key="puhui_go_complete", on_click=_go_to_month(better))


def _training_param(training: bool, default: bool) -> str | None:
    # Only a departure from the default goes into the URL.
    if training == default:
        return "1" if training else None
    return "1" if training else "0"


_NOTICE = {
    "success": (st.success, "✅"),
    "warning": (st.warning, "⚠️"),
    "info": (st.info, "ℹ️"),
    "error": (st.error, "🚫"),
}


def notices(messages: list[tuple[str, str]], success_icon: str = "✅") -> None:
    """Show ``(kind, text)`` messages (kind ``success``, ``warning``, ``info`` or ``error``), each with its kind's icon."""
    for kind, text in messages:
        show, icon = _NOTICE[kind]
        show(text, icon=success_icon if kind == "success" else icon)


def explain(text: str, title: str = "如何看本页") -> None:
    """The panel a trainer points at: one or two sentences on the management rule behind the page."""
    with st.expander(f"💡 {title}", expanded=False):
        st.markdown(text)


_UNIT_SUFFIX = {"wan": "（万元）", "yi": "（亿元）"}


def _floats(values: pd.Series) -> pd.Series:
    """Numbers (Decimal, int, None) as floats for drawing, missing values as NaN."""
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _exact_cents(values: pd.Series) -> pd.Series | None:
    """Whole cents of exact amounts (Decimals, ints, missing) through Arrow's decimals, or None
    when a value is not a whole number of cents (or not a number): the caller then converts
    one value at a time. Exact either way: Arrow refuses to drop a digit.
    """
    try:
        amounts = pa.array(values.tolist(), type=pa.decimal128(34, 2), from_pandas=True)
        cents = pc.cast(pc.multiply(amounts, pa.scalar(Decimal(100), pa.decimal128(3, 0))), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    return pd.Series(cents.to_pandas(), index=values.index, dtype="float64")


def _wan_floats(values: pd.Series) -> pd.Series:
    """Yuan as 万元 floats, rounded half-up (away from zero) to the cent of a 万, as :func:`fmt.to_wan` does.

    Vectorised through whole cents: a table of a provincial bank's customers is converted
    at once instead of one Decimal per cell; object columns (exact Decimals) keep their
    exact cents.
    """
    if values.dtype == object:
        cents = _exact_cents(values)
        if cents is None:  # a fraction of a cent, or something not a number: one value at a time
            cents = values.map(lambda v: None if v is None or pd.isna(v) else int(round(fmt._dec(v) * 100)))
            cents = pd.to_numeric(cents, errors="coerce")
    else:
        cents = (pd.to_numeric(values, errors="coerce").astype("float64") * 100).round()
    present = cents.notna()
    whole = cents.fillna(0).astype("int64").to_numpy()
    hundredths = np.sign(whole) * ((np.abs(whole) + 5_000) // 10_000)
    return pd.Series(np.where(present, hundredths / 100, np.nan), index=values.index, dtype="float64")


def _display_frame(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> tuple[pd.DataFrame, dict]:
    """Values converted for drawing (万元/亿元 floats, percentages) and the column config."""
    shown = frame[list(columns)].copy() if columns else frame.copy()
    config: dict = {}
    for col, (label, kind) in columns.items():
        header = label
        if kind in _UNIT_SUFFIX and "元" not in label:
            header = f"{label}{_UNIT_SUFFIX[kind]}"
        if kind == "wan":
            shown[col] = _wan_floats(shown[col])
            config[col] = st.column_config.NumberColumn(header, format="%,.2f")
        elif kind == "yi":
            shown[col] = _floats(shown[col]) / 1e8
            config[col] = st.column_config.NumberColumn(header, format="%,.2f")
        elif kind == "count":
            if shown[col].dtype == object:  # Decimals or None from DuckDB
                shown[col] = _floats(shown[col])
            config[col] = st.column_config.NumberColumn(header, format="%,d")
        elif kind == "pct":
            shown[col] = _floats(shown[col]) * 100
            config[col] = st.column_config.NumberColumn(header, format="%.1f%%")
        elif kind == "number":  # a plain number, already in the unit its header names
            shown[col] = _floats(shown[col])
            config[col] = st.column_config.NumberColumn(header)
        elif kind == "date":
            config[col] = st.column_config.DateColumn(header, format="YYYY-MM-DD")
        else:
            config[col] = st.column_config.TextColumn(header)
    return shown, config


def download_name(title: str) -> str:
    """A table title as the name of its download: its explanation in brackets and what a file name cannot hold dropped.

    ``目标缺口（缺口 = 目标 − 实际，已达标为 0）`` → ``目标缺口``.
    """
    name = re.sub(r"[（(][^（）()]*[）)]\s*$", "", title.strip()).strip() or title.strip()
    return re.sub(r'[\\/:*?"<>|\s]+', "", name)[:60] or "数据"


def download_scope() -> tuple[str | None, str]:
    """(month, 范围) of the page being drawn, for the title row and the file name of its downloads."""
    month, branch = st.session_state.get(_DOWNLOAD_SCOPE, (None, None))
    return month, branch or "全条线"


def download_heading(title: str, filters: dict | None = None) -> str:
    """The title row of a download drawn now: what, the data month, the scope, ``filters`` (and 培训演示)."""
    month, scope = download_scope()
    heading = export.title_line(title, month, {"范围": scope} | (filters or {}))
    return heading + ("（培训演示，个人信息已脱敏）" if st.session_state.get(_TRAINING_NOW) else "")


def xlsx_bytes(
    frame: pd.DataFrame, title: str, heading: str, columns: dict[str, tuple[str, str]] | None = None
) -> bytes:
    """The frame as an xlsx workbook: sheet ``title``, the title row ``heading`` (:func:`download_heading`)."""
    return export.to_xlsx(frame, heading, columns, sheet_name=download_name(title)[:31])


def table(
    frame: pd.DataFrame,
    key: str,
    title: str | None = None,
    columns: dict[str, tuple[str, str]] | None = None,
    height: int | str = "auto",
    download: bool = True,
    name: str | None = None,
    filters: dict | None = None,
    full: Callable[[], pd.DataFrame] | None = None,
    total: int | None = None,
) -> None:
    """A table with Chinese headers and formatted amounts, plus an xlsx download button.

    ``columns`` maps a column to ``(中文表头, kind)``, kind one of ``wan`` (yuan shown in
    万元), ``yi`` (亿元), ``count``, ``pct`` (a 0–1 ratio), ``number`` (a plain number in the
    unit its header names, e.g. ``较序时（百分点）``), ``text``, ``date``; only those columns
    are shown, in that order. The table does not mask: in training mode ``frame`` comes
    masked from :meth:`Context.run` (or :meth:`Context.mask`).

    The download is named after ``name`` (else the title without its bracketed explanation),
    the month and the scope (``客户经理存款构成_2026-10_城关支行.xlsx``); its title row also
    lists ``filters`` (``{"客户经理": "M001"}``). A table with a download needs a title or a name.

    A long list may come as its first rows (``frame``) with ``total``, the count of every
    row, and ``full``, which builds every row when the download is clicked (:meth:`Context.run_later`):
    the page then neither holds nor sends what is not on screen.
    """
    columns = columns or {}
    if download and not (name or title):
        raise ValueError(f"表格 {key} 可下载，须有中文标题或下载名称")
    if title:
        st.markdown(f"**{fmt.md(title)}**")
    rows = len(frame) if total is None else max(int(total), len(frame))
    _log_customer_list(frame, key, title or name, rows)
    limit = settings.get("table_max_rows")
    shown, config = _display_frame(frame.head(limit) if len(frame) > limit else frame, columns)
    if rows > min(limit, len(frame)):
        # Streamlit sends a table's every row to the browser: a list of a provincial bank's
        # customers would be hundreds of megabytes. The download still holds every row.
        st.caption(f"共 {rows:,} 行，此处显示前 {min(limit, len(frame)):,} 行；完整清单请下载 Excel。")
    st.dataframe(shown, key=key, column_config=config, hide_index=True, width="stretch", height=height, placeholder="—")
    if download:
        label = name or download_name(title)
        heading, (month, scope) = download_heading(label, filters), download_scope()
        st.download_button(
            "下载 Excel",
            data=lambda: xlsx_bytes(full() if full is not None else frame, label, heading, columns),
            file_name="_".join(part for part in (label, month, scope) if part) + ".xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}__xlsx",
            on_click=lambda: audit("download", file=f"{label}.xlsx", table=key, month=month, scope=scope, rows=rows),
            icon="⬇️",
        )


def download(label: str, data: Callable[[], bytes], file_name: str, key: str) -> None:
    """An xlsx download button built only when clicked, and written to the audit log when it is."""
    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key,
        on_click=lambda: audit("download", file=file_name, key=key),
        icon="⬇️",
    )


def _log_customer_list(frame: pd.DataFrame, key: str, what: str | None, rows: int) -> None:
    """Log, once a session per list, month and scope, a customer list shown unmasked (training mode off)."""
    if st.session_state.get(_TRAINING_NOW) or frame.empty or not masking.personal_columns(frame):
        return
    month, scope = download_scope()
    seen = st.session_state.setdefault(_SEEN_LISTS, set())
    if (key, month, scope) not in seen:
        seen.add((key, month, scope))
        audit("view_customers", table=key, title=what, month=month, scope=scope, rows=rows)


def metric_change(
    label: str, value_text: str, delta=None, delta_text: str | None = None, tooltip: str | None = None
) -> None:
    """A metric whose change shows red for an increase and green for a decrease (switchable in settings).

    ``delta`` is the signed number (decides arrow and colour), ``delta_text`` how it reads
    (e.g. ``fmt.wan(d, signed=True)`` + ``" 环比"``).
    """
    if delta is None or (isinstance(delta, float) and pd.isna(delta)):
        st.metric(label, value_text, help=tooltip)
        return
    number = float(delta)
    text = delta_text if delta_text is not None else f"{number:+,}"
    if number == 0:
        st.metric(label, value_text, delta=text, delta_color="gray", delta_arrow="off", help=tooltip)
        return
    up = number > 0
    red = up if settings.get("up_is_red") else not up
    st.metric(
        label,
        value_text,
        delta=text,
        delta_color="red" if red else "green",
        delta_arrow="up" if up else "down",
        help=tooltip,
    )
