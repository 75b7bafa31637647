-- Channel attribution (获客渠道): which government department or association (grid types
-- 政府渠道 and 商会协会, the vertical axis of the grid plan) brought each customer of a month.
-- Grain: one row per attributed customer, each customer to at most one department
--   (customer_id, customer_name, manager_id, branch, segment, channel, deposits, loans in
--   DECIMAL(18,2) yuan; dept_id, dept_name, dept_branch; match_rank 1–4).
-- Params: m (YYYY-MM), a table macro: select … from channel_attribution($month).
-- Match rule, best first: 1 the customer's grid_id is the department's grid_id; 2 the
-- customer's channel (获客渠道, spaces removed) equals the department's name or id; 3 the
-- channel contains the department's name; 4 the department's name contains the channel (at
-- least two characters) or its full form (发改委 → 发展和改革, 工商联 → 工商业联合会, …), taken
-- only when exactly one department of the customer's sub-branch matches so, or none there
-- and exactly one elsewhere. Among equal matches, a department of the customer's own
-- sub-branch wins, then the longer name.
create or replace macro channel_attribution(m) as table
    with departments as (
        select
            grid_id,
            grid_name,
            branch,
            replace(replace(grid_name, ' ', ''), '　', '') as dept_key
        from current_grids(m)
        where grid_type in ('政府渠道', '商会协会')
    ),

    book as (
        select
            customer_id,
            customer_name,
            manager_id,
            branch,
            segment,
            channel,
            nullif(trim(grid_id), '') as grid_id,
            nullif(replace(replace(coalesce(channel, ''), ' ', ''), '　', ''), '') as channel_key,
            cast(deposits as decimal(18, 2)) as deposits,
            cast(loans as decimal(18, 2)) as loans
        from customer_facts
        where month = m
    ),

    aliases as (
        select *
        from (
            values
            ('发改委', '发展和改革'), ('发改局', '发展和改革'), ('市场监管局', '市场监督管理'),
            ('市监局', '市场监督管理'), ('工商局', '市场监督管理'), ('人社局', '人力资源和社会保障'),
            ('经信局', '经济和信息化'), ('工信局', '工业和信息化'), ('住建局', '住房和城乡建设'),
            ('农业局', '农业农村'), ('科技局', '科学技术'), ('工商联', '工商业联合会'),
            ('侨联', '归国华侨联合会'), ('妇联', '妇女联合会'), ('个协', '个体劳动者协会'),
            ('人行', '人民银行')
        ) as t (short_name, full_name)
    ),

    terms as (
        select
            customer_id,
            channel_key as term
        from book
        where length(channel_key) >= 2
        union
        select
            b.customer_id,
            a.full_name as term
        from book as b
        inner join aliases as a on contains(b.channel_key, a.short_name)
    ),

    loose as (
        select distinct
            t.customer_id,
            d.grid_id as dept_id
        from terms as t
        inner join departments as d on contains(d.dept_key, t.term)
    ),

    candidates as (
        select
            b.*,
            d.grid_id as dept_id,
            d.grid_name as dept_name,
            d.branch as dept_branch,
            case
                when b.grid_id = d.grid_id then 1
                when b.channel_key = d.dept_key or b.channel_key = d.grid_id then 2
                else 3
            end as match_rank
        from book as b
        inner join departments as d
            on
                b.grid_id = d.grid_id
                or b.channel_key = d.grid_id
                or contains(b.channel_key, d.dept_key)
        union all
        select
            b.*,
            d.grid_id as dept_id,
            d.grid_name as dept_name,
            d.branch as dept_branch,
            4 as match_rank
        from loose as l
        inner join book as b on l.customer_id = b.customer_id
        inner join departments as d on l.dept_id = d.grid_id
    ),

    vetted as (
        select
            *,
            count(*) filter (where match_rank = 4 and branch = dept_branch) over (partition by customer_id) as loose_own,
            count(*) filter (where match_rank = 4) over (partition by customer_id) as loose_all
        from candidates
    ),

    ranked as (
        select
            *,
            row_number() over (
                partition by customer_id
                order by match_rank asc, (branch = dept_branch) desc, length(dept_name) desc, dept_id
            ) as pick
        from vetted
        where
            match_rank < 4
            or (branch = dept_branch and loose_own = 1)
            or (loose_own = 0 and loose_all = 1)
    )

    select * exclude (pick, loose_own, loose_all)
    from ranked
    where pick = 1
