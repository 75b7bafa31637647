"""Visits: the managers' monthly calls and on-site visits, the quarterly visits of team leads
and vice-presidents to non-credit customers, and the follow-ups of large deposit jumps."""

from __future__ import annotations

from .balances import month_sql
from .context import Builder


def insert_visits(builder: Builder, idx: int, ingest_id: int) -> None:
    """One month's visits: routine calls and visits, quarterly visits by leads/VPs, jump follow-ups."""
    month, present = month_sql(builder, idx)
    uniform, hashed = builder.row_uniform, builder.row_hash
    mon = int(month[5:7])
    days = f"extract(day from (date '{month}-01' + interval 1 month - interval 1 day))::int"

    def day(salt: str, first: int = 0) -> str:
        """SQL for a day of the month, ``first`` days or more after the 1st."""
        return f"date '{month}-01' + ({first} + {hashed('hm', salt)} % ({days} - {first}))::int"

    routine_method = (
        f"case when {uniform('hm', 'v1m')} < 0.85 then '电话' "
        f"when {uniform('hm', 'v1m')} < 0.93 then '网上' else '短信' end"
    )
    q_pick = f"{hashed('hq', 'qm')} % 3 = {(mon - 1) % 3}"
    jump_u = uniform("hm", "jv")
    selects = [
        # the manager's monthly phone (or online/SMS) contact
        f"""select {day("v1d")} as visit_date, manager_id, customer_id, {routine_method} as method,
                   '客户经理' as visitor_role, branch
            from p where {uniform("hm", "v1")} < case when seg = '非授信' then 0.5 else 0.3 end""",
        # the manager's on-site visit
        f"""select {day("v2d")}, manager_id, customer_id, '上门', '客户经理', branch
            from p where {uniform("hm", "v2")} < case when seg = '非授信' then 0.18 else 0.22 end""",
        # quarterly on-site visit to non-credit customers by the team lead or the VP
        f"""select {day("v3d")},
                   case when {uniform("hq", "qr")} < 0.8 then lead_id else vp_id end, customer_id, '上门',
                   case when {uniform("hq", "qr")} < 0.8 then '团队负责人' else '分管行长' end, branch
            from p where seg = '非授信' and {q_pick} and {uniform("hq", "qv")} < 0.35""",
        # follow-up of a deposit jump: mostly by the role the rule asks for, sometimes too low, sometimes none
        f"""select {day("v4d", 10)},
                   case when {jump_u} < 0.55
                        then case band when 1 then manager_id when 2 then lead_id else vp_id end
                        else case band when 3 then lead_id else manager_id end end,
                   customer_id,
                   case when band = 1 and {jump_u} >= 0.55 then '电话' else '上门' end,
                   case when {jump_u} < 0.55
                        then case band when 1 then '客户经理' when 2 then '团队负责人' else '分管行长' end
                        else case band when 3 then '团队负责人' else '客户经理' end end,
                   branch
            from p where band > 0 and {jump_u} < 0.8""",
    ]
    exprs = {
        "month": f"'{month}'",
        "visit_date": "visit_date",
        "manager_id": "manager_id",
        "customer_id": "customer_id",
        "method": "method",
        "visitor_role": "visitor_role",
        "branch": "branch",
        "ingest_id": str(int(ingest_id)),
    }
    sql = f"""
    with p as ({present}),
    v as ({" union all ".join(selects)})
    select {", ".join(f"{v} as {k}" for k, v in exprs.items())} from v
    """
    builder.insert("visits", exprs, sql)
