"""Users, roles and the sub-branch scope (issue 17): deny by default, and nothing of another sub-branch on a scoped cursor."""

from __future__ import annotations

import duckdb
import golden_queries
import pytest

from puhui import access, audit, queries, store

USERS = """
[[user]]
email = "Zhang@Bank.example"
name = "张行长"
role = "branch_head"
branches = ["城关支行"]

[[user]]
sub = "trainer-7"
role = "trainer"
branches = ["城关支行", "埠河支行"]

[[user]]
email = "li@bank.example"
role = "analyst"

[[user]]
email = "root@bank.example"
role = "admin"
"""


def test_users_file_roles_and_deny_by_default():
    users = access.parse_users(USERS)
    head = access.resolve({"email": "zhang@bank.EXAMPLE", "email_verified": True}, users)
    assert head.role == access.BRANCH_HEAD and head.branches == ("城关支行",)
    assert not head.may_upload and not head.may_administer and not head.training_forced
    assert not head.may_open(access.UPLOAD_PAGE) and head.may_open("pages/mix.py")
    trainer = access.resolve({"sub": "trainer-7"}, users)
    assert trainer.training_forced and trainer.branches == ("城关支行", "埠河支行")
    analyst = access.resolve({"email": "li@bank.example"}, users)
    assert analyst.branches is None and analyst.may_upload and not analyst.may_administer
    admin = access.resolve({"email": "root@bank.example"}, users)
    assert admin.may_administer and admin.may_open(access.ADMIN_PAGE)
    # Unknown people, and a known e-mail the provider has not verified, are refused.
    assert access.resolve({"email": "nobody@bank.example"}, users) is None
    assert access.resolve({"email": "li@bank.example", "email_verified": False}, users) is None
    assert access.resolve({}, users) is None
    assert access.load_users("/nonexistent/users.toml") == {}
    assert access.LOCAL.may_upload and access.LOCAL.branches is None
    assert head.cache_key() != trainer.cache_key() != analyst.cache_key()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[user]]\nemail = "a@b.c"\nrole = "boss"\n', "角色“boss”无效"),
        ('[[user]]\nemail = "a@b.c"\nrole = "branch_head"\n', "须列出可查看的支行"),
        ('[[user]]\nrole = "admin"\n', "缺少 email 或 sub"),
        ('[[user]]\nemail = "a@b.c"\nrole = "admin"\n[[user]]\nemail = "A@b.c"\nrole = "analyst"\n', "重复出现"),
        ('[[user]\nemail = "a@b.c"', "不是有效的 TOML"),
        ('[[user]]\nemail = "a@b.c"\nrole = "trainer"\nbranches = [1]\n', "branches 应为支行名称的列表"),
    ],
)
def test_users_file_mistakes_are_named_in_chinese(text, says):
    with pytest.raises(access.UsersFileError, match=says):
        access.parse_users(text)


@pytest.fixture(scope="module")
def golden_con(tmp_path_factory):
    con = store.connect(golden_queries.build(tmp_path_factory.mktemp("scope") / "golden.duckdb"))
    yield con
    con.close()


def _cells(rows) -> set[str]:
    return {str(value) for row in rows for value in row if value is not None}


def _leaks(cursor, cases, mine: str, others: list[str], foreign_ids: set[str]) -> tuple[list[str], int]:
    """What of another sub-branch every case shows on ``cursor`` (also asked for another sub-branch by parameter)."""
    leaks, checked = [], 0
    for name, params in cases:
        for variant in (params, {**params, "branch": others[0]} if "branch" in params else None):
            if variant is None:
                continue
            columns, rows = queries.run_rows(cursor, name, variant)
            checked += 1
            cells = _cells(rows)
            named, ids = cells & set(others), cells & foreign_ids
            if named or ids:
                leaks.append(f"{name} {variant}: {sorted(named)[:3]} {sorted(ids)[:3]}")
            if "branch" in columns:
                at = columns.index("branch")
                if any(row[at] not in (mine, None) for row in rows):
                    leaks.append(f"{name} {variant}: branch 列含其他支行")
    return leaks, checked


def test_a_scoped_cursor_shows_nothing_of_another_sub_branch_in_any_query(golden_con):
    mine = store.branches(golden_con)[0]
    others = [b for b in store.branches(golden_con) if b != mine]
    foreign_ids = {
        r[0]
        for r in golden_con.execute(
            "select distinct customer_id from customers where branch <> $b", {"b": mine}
        ).fetchall()
    }
    cases = golden_queries.cases(golden_con)
    leaks, checked = _leaks(access.scope_cursor(golden_con, [mine]), cases, mine, others, foreign_ids)
    assert checked > 300
    assert not leaks, "\n".join(leaks[:20])
    # The same check on a cursor without the scope (one case per query) finds other sub-branches in most queries.
    first = list({name: (name, params) for name, params in reversed(cases)}.values())
    unscoped, _ = _leaks(access.scope_cursor(golden_con, None), first, mine, others, foreign_ids)
    assert len({leak.split(" ")[0] for leak in unscoped}) > len(queries.names()) // 2


def test_scoped_totals_are_the_scope_s_own(golden_con):
    mine = store.branches(golden_con)[0]
    month = store.months(golden_con)[0]
    whole = golden_con.execute(
        "select count(*), sum(loan_offline) from customers where month = $m and branch = $b", {"m": month, "b": mine}
    ).fetchall()
    cursor = access.scope_cursor(golden_con, [mine])
    scoped = cursor.execute(
        "select count(*), sum(loan_offline) from customers where month = $m", {"m": month}
    ).fetchall()
    assert scoped == whole and whole[0][0] > 0
    # The scope is not a widget: a plain cursor of the same connection still sees every sub-branch.
    assert len(store.branches(golden_con.cursor())) > 1


def test_a_scoped_cursor_cannot_write_customer_data(golden_con):
    cursor = access.scope_cursor(golden_con, [store.branches(golden_con)[0]])
    with pytest.raises(duckdb.Error):
        cursor.execute("delete from customers")
    assert golden_con.execute("select count(*) from customers").fetchall()[0][0] > 0


def test_audit_appends_and_reads_newest_first(tmp_path):
    con = store.connect(tmp_path / "audit.duckdb")
    audit.record(con, "li@bank.example", "upload", role="analyst", address="10.0.0.8", file="管户明细.xlsx", rows=12)
    audit.record(con, "zhang@bank.example", "download", role="branch_head", page="经营总览", query="overview", rows=3)
    log = audit.read(con)
    assert list(log["action_label"]) == ["下载", "上传导入"]
    assert '"file": "管户明细.xlsx"' in log.iloc[1]["detail"] and log.iloc[1]["address"] == "10.0.0.8"
    with pytest.raises(ValueError, match="未知的审计操作"):
        audit.record(con, "x", "drop_everything")
    con.close()


def test_the_store_is_opened_hardened(tmp_path):
    con = store.connect(tmp_path / "hard.duckdb")
    for statement in (
        "select * from read_csv('/etc/passwd')",  # no files from SQL
        "copy (select 1) to '/tmp/puhui-hardening-probe.csv'",
        "install httpfs",  # no extensions fetched or loaded on the fly
        "set enable_external_access = true",  # and the configuration is locked
        "set memory_limit = '100GB'",
        "attach '/tmp/puhui-other.duckdb' as other",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(statement)
    cursor = con.cursor()  # a page's cursor inherits the limits
    with pytest.raises(duckdb.Error):
        cursor.execute("select * from read_csv('/etc/passwd')")
    assert cursor.execute("select current_setting('memory_limit')").fetchall()[0][0] != ""
    con.close()
    read_only = store.connect(tmp_path / "hard.duckdb", read_only=True)
    with pytest.raises(duckdb.Error):
        read_only.execute("select * from read_csv('/etc/passwd')")
    read_only.close()
