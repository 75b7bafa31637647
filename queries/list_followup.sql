-- The follow-up list (名单跟进): the customers a prospect list held at the calendar month before
-- $month that did not convert by $month, for the manager to pick up again.
-- Grain: one row per list and customer (and sub-branch at the listing month) not converted.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches at the listing month),
--   $manager_id (optional, NULL = all; the manager at the listing month), $list (optional, NULL =
--   every list; else 无贷转有贷, 到期续贷, 产品缺口 or 睡眠客户), $min_deposit, $payroll_deposit,
--   $cash_mgmt_deposit (yuan), $window_months (months).
-- status: why the customer is on the follow-up list this month (不在本月管户明细: gone from the
--   book; 仍无贷款 / 贷款已结清未续贷 / 缺口未补 / 仍无余额和产品). deposits, loans, loan_maturity,
--   gaps: as stored at the listing month; loans_now: this month's loans.
-- customer_name and phone are personal data (masked in training mode).
-- Order: list, then deposits and loans at the listing month largest first, then customer id.
-- Registry (puhui/queries.py): $min_deposit, $payroll_deposit, $cash_mgmt_deposit, $window_months come from the settings unless given.
select
    l.list,
    l.customer_id,
    l.customer_name,
    l.branch,
    l.manager_id,
    coalesce(r.manager_name, rn.manager_name) as manager_name,
    l.segment,
    l.customer_kind,
    l.deposits,
    l.loans,
    l.loan_maturity,
    l.gaps,
    l.loans_now,
    case
        when not l.present_now then '不在本月管户明细'
        when l.list = '无贷转有贷' then '仍无贷款'
        when l.list = '到期续贷' then '贷款已结清未续贷'
        when l.list = '产品缺口' then '缺口未补'
        else '仍无余额和产品'
    end as status,
    l.phone
from
    list_members(
        $month, $month, $branch, $min_deposit, $payroll_deposit, $cash_mgmt_deposit, $window_months
    ) as l
left join manager_names(previous_month($month)) as r on l.manager_id = r.manager_id
left join manager_names($month) as rn on l.manager_id = rn.manager_id
where
    not l.converted
    and ($manager_id is null or l.manager_id = $manager_id)
    and ($list is null or l.list = $list)
order by l.list_order asc, l.deposits + l.loans desc, l.customer_id asc
