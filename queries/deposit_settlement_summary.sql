-- Settlement compliance counts (seed 001, table 7) per manager: how many credit customers
-- were checked and how many reach the settlement share their loan share requires.
-- Grain: one row per manager (and sub-branch) with at least one checked credit customer.
-- Params: $month (YYYY-MM), $branch (optional, NULL = all sub-branches).
-- The rule and the customers counted are those of deposit_settlement_compliance.
select
    c.manager_id,
    any_value(m.manager_name) as manager_name,
    c.branch,
    count(*) as checked,
    count(*) filter (where c.compliant) as compliant,
    count(*) filter (where not c.compliant) as not_compliant
from settlement_checks($month, $branch) as c
left join manager_names($month) as m on c.manager_id = m.manager_id
group by c.manager_id, c.branch
order by not_compliant desc, c.branch asc, c.manager_id asc
