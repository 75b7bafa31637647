"""Who sees what: users and roles from the users file, and the sub-branch scope on the data.

Login itself is Streamlit's ``st.login`` (OIDC, enabled by an ``[auth]`` section in
``.streamlit/secrets.toml``); this module decides what the identity the provider returns
may do. The users file (setting ``users_file``, default ``data/users.toml``)::

    [[user]]
    email = "zhang@bank.example"   # or sub = "…": the key the provider returns
    name = "张行长"
    role = "branch_head"            # admin | analyst | branch_head | trainer
    branches = ["城东支行"]          # branch_head and trainer: the sub-branches they may see

Deny by default: an identity not in the file gets no :class:`Access`. Without login
configured the app is one local user on one machine (:data:`LOCAL`), who may do everything.

The scope is applied on the server, in the database: :func:`scope_cursor` gives a cursor on
which every table with a ``branch`` column is replaced by a view of the allowed sub-branches
only (a temporary view of the same name; DuckDB resolves names in the connection's
temporary schema first, also inside stored views and macros). Every query run on that
cursor, whatever its parameters, sees nothing of another sub-branch: no row, no total, no
ranking position. The allowed list is bound as data (a temporary table), never spliced
from a widget, the URL or session state.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

ADMIN, ANALYST, BRANCH_HEAD, TRAINER, LOCAL_ROLE = "admin", "analyst", "branch_head", "trainer", "local"
ROLE_LABELS = {ADMIN: "管理员", ANALYST: "分析员", BRANCH_HEAD: "支行负责人", TRAINER: "培训师", LOCAL_ROLE: "本机用户"}
SCOPED_ROLES = (BRANCH_HEAD, TRAINER)
# Pages a role may open (paths as in ui.PAGES); the overview is everyone's.
UPLOAD_PAGE, ADMIN_PAGE = "pages/upload.py", "pages/admin.py"


class UsersFileError(ValueError):
    """The users file cannot be used; the message says where and why, in Chinese."""


@dataclass(frozen=True)
class User:
    """One line of the users file."""

    key: str  # the e-mail (lower case) or the provider's ``sub``
    role: str
    branches: tuple[str, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Access:
    """What the person behind a session may do and see."""

    user: User
    login: bool  # False: the local single user (no login configured)

    @property
    def role(self) -> str:
        """The role key (``admin``, ``analyst``, ``branch_head``, ``trainer`` or ``local``)."""
        return self.user.role

    @property
    def branches(self) -> tuple[str, ...] | None:
        """The sub-branches this person may see; None for all."""
        return self.user.branches if self.user.role in SCOPED_ROLES else None

    @property
    def may_upload(self) -> bool:
        """Upload, undo and clear the demo."""
        return self.user.role in (ADMIN, ANALYST, LOCAL_ROLE)

    @property
    def may_administer(self) -> bool:
        """Read the audit and the user list."""
        return self.user.role in (ADMIN, LOCAL_ROLE)

    @property
    def training_forced(self) -> bool:
        """Masking cannot be switched off (a trainer in front of a room)."""
        return self.user.role == TRAINER

    @property
    def who(self) -> str:
        """How the audit names this person."""
        return self.user.key

    @property
    def label(self) -> str:
        """How the sidebar names this person: ``张行长（支行负责人：城东支行）``."""
        role = ROLE_LABELS.get(self.user.role, self.user.role)
        where = f"：{'、'.join(self.user.branches)}" if self.branches else ""
        return f"{self.user.name or self.user.key}（{role}{where}）"

    def may_open(self, page: str) -> bool:
        """Whether this person may open ``page`` (a path such as ``pages/upload.py``)."""
        if page == UPLOAD_PAGE:
            return self.may_upload
        if page == ADMIN_PAGE:
            return self.may_administer
        return True

    def cache_key(self) -> tuple:
        """What a cached result depends on besides the query: cached results never cross scopes."""
        return (self.user.role in SCOPED_ROLES, self.branches or ())


LOCAL = Access(User(key="本机用户", role=LOCAL_ROLE, name="本机用户"), login=False)


def _text_list(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise UsersFileError(f'{where}：branches 应为支行名称的列表，例如 ["城东支行"]')
    return tuple(dict.fromkeys(v.strip() for v in value))


def parse_users(text: str, source: str = "用户文件") -> dict[str, User]:
    """The users of a users file's text, by key (e-mail in lower case, or ``sub``).

    Raises :class:`UsersFileError` naming the entry for an unknown role, a scoped role
    without sub-branches, an entry without e-mail or sub, or a key listed twice.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsersFileError(f"{source}不是有效的 TOML：{error}") from None
    entries = data.get("user", [])
    if not isinstance(entries, list):
        raise UsersFileError(f"{source}：用户应写成 [[user]] 表格")
    users: dict[str, User] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{source}第 {number} 个 [[user]]"
        if not isinstance(entry, dict):
            raise UsersFileError(f"{where}不是表格")
        keys = [str(entry[k]).strip() for k in ("email", "sub") if str(entry.get(k) or "").strip()]
        if not keys:
            raise UsersFileError(f"{where}：缺少 email 或 sub")
        role = str(entry.get("role") or "").strip()
        if role not in (ADMIN, ANALYST, BRANCH_HEAD, TRAINER):
            raise UsersFileError(f"{where}：角色“{role}”无效，应为 admin、analyst、branch_head 或 trainer")
        branches = _text_list(entry.get("branches"), where)
        if role in SCOPED_ROLES and not branches:
            raise UsersFileError(f"{where}：{ROLE_LABELS[role]}须列出可查看的支行（branches）")
        for key in keys:
            key = key.lower() if "@" in key else key
            if key in users:
                raise UsersFileError(f"{where}：“{key}”重复出现")
            users[key] = User(key=key, role=role, branches=branches, name=str(entry.get("name") or "").strip())
    return users


def load_users(path: str | Path) -> dict[str, User]:
    """The users of the users file at ``path`` (no file: no users, everyone is refused)."""
    path = Path(path)
    if not path.exists():
        return {}
    return parse_users(path.read_text(encoding="utf-8"), source=f"用户文件 {path.name} ")


def resolve(claims: Mapping, users: Mapping[str, User]) -> Access | None:
    """The access of a logged-in identity (the provider's claims), or None: deny by default.

    The e-mail counts only when the provider says it is verified or says nothing about it.
    """
    email = str(claims.get("email") or "").strip().lower()
    if email and claims.get("email_verified") is False:
        email = ""
    for key in (email, str(claims.get("sub") or "").strip()):
        if key and key in users:
            return Access(users[key], login=True)
    return None


USER_COLUMNS = {
    "key": ("账号", "text"),
    "name": ("姓名", "text"),
    "role": ("角色", "text"),
    "branches": ("可查看的支行", "text"),
}


def users_frame(users: Mapping[str, User]) -> pd.DataFrame:
    """The users file as a table for the 审计与用户 page (:data:`USER_COLUMNS`)."""
    rows = [
        (
            user.key,
            user.name,
            ROLE_LABELS.get(user.role, user.role),
            "、".join(user.branches) if user.branches else "全部支行",
        )
        for user in users.values()
    ]
    return pd.DataFrame(rows, columns=list(USER_COLUMNS))


def branch_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The stored tables that hold a ``branch`` column (every table of customer data)."""
    rows = con.execute(
        """select table_name from information_schema.columns
           where table_catalog = current_database() and table_schema = 'main' and column_name = 'branch'
             and table_name in (select table_name from information_schema.tables
                                where table_catalog = current_database() and table_schema = 'main'
                                  and table_type = 'BASE TABLE')
           order by table_name"""
    ).fetchall()
    return [r[0] for r in rows]


# Tables whose rows without a sub-branch are rules for everyone, not another sub-branch's data: a scoped user's
# managers are scored by the line's 考核方案 as everyone else's are.
LINE_RULES = frozenset({"scheme"})
# Tables whose rows without a sub-branch may still belong to one person: a target uploaded for a customer
# manager without 支行 is that manager's, and shown to whoever sees the manager's sub-branch.
MANAGER_ROWS = frozenset({"targets"})


def scope_cursor(con: duckdb.DuckDBPyConnection, branches: Iterable[str] | None) -> duckdb.DuckDBPyConnection:
    """A cursor of ``con`` that sees only ``branches`` (None: a plain cursor that sees everything).

    Each table with a ``branch`` column is shadowed on the cursor by a temporary view of the
    same name over the stored table, limited to the allowed sub-branches (rows without a
    sub-branch, such as line-level targets, are not shown to a scoped user either), except the
    tables of :data:`LINE_RULES`, whose line-level rows are rules every manager is scored by, and the
    rows of :data:`MANAGER_ROWS` that name a manager of an allowed sub-branch (a personal target).
    """
    cursor = con.cursor()
    if branches is None:
        return cursor
    catalog = cursor.execute("select current_database()").fetchall()[0][0]
    quoted_catalog = '"' + catalog.replace('"', '""') + '"'
    cursor.execute("create or replace temp table puhui_scope (branch varchar primary key)")
    allowed = sorted(set(branches))
    if allowed:
        cursor.executemany("insert into temp.main.puhui_scope values ($1)", [[b] for b in allowed])
    for table in branch_tables(cursor):
        line_rows = " or branch is null" if table in LINE_RULES else ""
        if table in MANAGER_ROWS:
            line_rows = (
                " or (branch is null and manager_id in (select manager_id from "
                f"{quoted_catalog}.main.managers where branch in (select branch from temp.main.puhui_scope)))"
            )
        cursor.execute(
            f'create or replace temp view "{table}" as select * from {quoted_catalog}.main."{table}" '
            f"where branch in (select branch from temp.main.puhui_scope){line_rows}"
        )
    return cursor
