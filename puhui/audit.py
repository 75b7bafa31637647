"""The audit log: who did what with the data, when, from where.

Written by the app only (login, upload, undo, demo cleared, every download, every view of an
unmasked customer list, settings or users changed); read by an administrator on the 审计
page. Nothing in the app updates or deletes a row: :func:`record` only appends.
"""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pandas as pd

ACTIONS = {
    "login": "登录",
    "refused": "拒绝访问",
    "upload": "上传导入",
    "undo": "撤销导入",
    "clear_demo": "清除演示数据",
    "download": "下载",
    "view_customers": "查看未脱敏客户清单",
    "settings": "修改设置",
    "users": "修改用户",
}

DDL = [
    "create sequence if not exists audit_seq start 1",
    """create table if not exists audit_log (
        audit_id bigint primary key default nextval('audit_seq'),
        logged_at timestamp not null,
        who varchar not null,
        role varchar,
        address varchar,
        action varchar not null,
        page varchar,
        detail varchar
    )""",
]

COLUMNS = {
    "logged_at": ("时间", "text"),
    "who": ("用户", "text"),
    "role": ("角色", "text"),
    "address": ("来源地址", "text"),
    "action_label": ("操作", "text"),
    "page": ("页面", "text"),
    "detail": ("详情", "text"),
}


def record(
    con: duckdb.DuckDBPyConnection,
    who: str,
    action: str,
    role: str | None = None,
    address: str | None = None,
    page: str | None = None,
    **detail,
) -> None:
    """Append one entry; ``detail`` (file name, sha256, rows, query, filters …) is stored as JSON."""
    if action not in ACTIONS:
        raise ValueError(f"未知的审计操作：{action}")
    text = json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True) if detail else None
    con.cursor().execute(
        "insert into audit_log (logged_at, who, role, address, action, page, detail) values ($at, $who, $role, $address, $action, $page, $detail)",
        {
            "at": datetime.now(),
            "who": who,
            "role": role,
            "address": address,
            "action": action,
            "page": page,
            "detail": text,
        },
    )


def read(
    con: duckdb.DuckDBPyConnection, limit: int | None = 5000, action: str | None = None, who: str | None = None
) -> pd.DataFrame:
    """The newest entries first, with the action in Chinese (``action_label``)."""
    frame = (
        con.cursor()
        .execute(
            """select audit_id, strftime(logged_at, '%Y-%m-%d %H:%M:%S') as logged_at, who, role, address, action, page, detail
           from audit_log
           where ($action is null or action = $action) and ($who is null or who = $who)
           order by audit_id desc
           limit coalesce($limit, 9223372036854775807)""",
            {"action": action, "who": who, "limit": limit},
        )
        .df()
    )
    frame["action_label"] = frame["action"].map(lambda a: ACTIONS.get(a, a))
    return frame
