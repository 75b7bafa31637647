"""审计与用户: the audit log and the users file, for administrators only (the gate in ui.setup refuses others)."""

from __future__ import annotations

import streamlit as st

from puhui import access, audit, login, settings, ui

ctx = ui.setup("审计与用户", "🛡️", needs_data=False)

st.title("🛡️ 审计与用户")
ui.explain(
    "审计日志记录登录、拒绝访问、上传导入、撤销、清除演示数据、每次下载以及查看未脱敏客户清单："
    "谁、何时、从哪个地址、做了什么。日志只由系统追加，任何页面都不能修改或删除。"
    "用户与角色写在用户文件中（路径见下），修改文件后刷新页面即生效。"
)

st.subheader("审计日志")
choices = {None: "全部操作", **audit.ACTIONS}
left, right = st.columns([1, 2])
with left:
    action = st.selectbox("操作", list(choices), format_func=lambda a: choices[a], key="admin_action")
with right:
    who = st.text_input("用户（账号，精确匹配，留空为全部）", key="admin_who").strip() or None
log = audit.read(ctx.con, limit=5000, action=action, who=who)
if log.empty:
    st.info("没有符合条件的审计记录。", icon="ℹ️")
else:
    st.caption(f"最近 {len(log):,} 条（最多显示 5,000 条，新的在前）。")
    ui.table(log, key="admin_audit", name="审计日志", columns=audit.COLUMNS, height=420)

st.subheader("用户与角色")
path = settings.get("users_file")
if login.login_configured():
    st.caption(f"已启用统一身份认证登录；用户文件：{path}。未列出的账号一律拒绝。")
else:
    st.warning(
        "未配置登录：本服务器只允许本机访问，所有操作记为“本机用户”。如需多人使用，请按 README 配置登录。", icon="🔓"
    )
try:
    users = access.load_users(path)
except access.UsersFileError as error:
    st.error(f"用户文件有误：{error}", icon="⛔")
    users = {}
if users:
    ui.table(access.users_frame(users), key="admin_users", name="用户与角色", columns=access.USER_COLUMNS)
else:
    st.info(f"用户文件 {path} 不存在或没有用户。", icon="ℹ️")
