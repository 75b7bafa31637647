-- The product-gap rules of 产品缺口 (prospect_gaps, list_members): each customer of the months
-- with the profile it is judged by and one flag per gap.
-- Grain: one row per month and customer (and sub-branch, as stored) of months m_first .. m_last.
-- Params: m_first, m_last (YYYY-MM, the months read), b (sub-branch; NULL = all),
--   payroll_deposit (yuan), cash_mgmt_deposit (yuan); a table macro:
--   customer_gaps($month, $month, $branch, $payroll_deposit, $cash_mgmt_deposit).
-- The rules (a business = customer kind other than 个人/农户/自然人, or, without a kind, a
-- name with 公司/厂/店/合作社/个体/商行/经营部/中心; a firm = a kind containing 企业 or 公司,
-- or, without a kind, a name with 公司):
--   gap_basic_account    credit customers (线下/线上授信) that are businesses without a basic account;
--   gap_payroll          firms with month-end deposits >= payroll_deposit without payroll;
--   gap_cash_mgmt        firms with settlement deposits >= cash_mgmt_deposit without cash management;
--   gap_bill_discount    offline-credit (线下授信) firms without bill discount;
--   gap_intl_settlement  businesses in a trading industry (进出口/外贸/跨境/国际贸易) without
--                        international settlement;
--   gap_credit_card      credit customers (for a business: its owner) without a credit card.
-- gaps: the gaps' product names joined by 、; gap_count: how many. loans and deposits as
--   DECIMAL(18,2) yuan (prospect_book's columns).
create or replace macro customer_gaps(m_first, m_last, b, payroll_deposit, cash_mgmt_deposit) as table
    with book as (
        select
            * replace (
                cast(loans as decimal(18, 2)) as loans,
                cast(deposits as decimal(18, 2)) as deposits
            ),
            case
                when customer_kind is not null then customer_kind not in ('个人', '农户', '自然人')
                else regexp_matches(customer_name, '公司|厂|店|合作社|个体|商行|经营部|中心')
            end as is_business,
            case
                when customer_kind is not null then customer_kind like '%企业%' or customer_kind like '%公司%'
                else customer_name like '%公司%'
            end as is_firm
        from customer_facts
        where
            month >= m_first
            and month <= m_last
            and (b is null or branch = b)
    ),

    flagged as (
        select
            *,
            segment in ('线下授信', '线上授信') and is_business
            and not coalesce(has_basic_account, false) as gap_basic_account,
            is_firm and deposits >= payroll_deposit and not coalesce(has_payroll, false) as gap_payroll,
            is_firm and coalesce(dep_settlement, 0) >= cash_mgmt_deposit
            and not coalesce(has_cash_mgmt, false) as gap_cash_mgmt,
            segment = '线下授信' and is_firm
            and not coalesce(has_bill_discount, false) as gap_bill_discount,
            is_business and coalesce(regexp_matches(industry, '进出口|外贸|跨境|国际贸易'), false)
            and not coalesce(has_intl_settlement, false) as gap_intl_settlement,
            segment in ('线下授信', '线上授信')
            and not coalesce(has_credit_card, false) as gap_credit_card
        from book
    )

    select
        *,
        concat_ws(
            '、',
            case when gap_basic_account then '基本户' end,
            case when gap_payroll then '代发工资' end,
            case when gap_cash_mgmt then '现金管理' end,
            case when gap_bill_discount then '票据贴现' end,
            case when gap_intl_settlement then '国际结算' end,
            case when gap_credit_card then '信用卡' end
        ) as gaps,
        cast(gap_basic_account as integer) + cast(gap_payroll as integer)
        + cast(gap_cash_mgmt as integer) + cast(gap_bill_discount as integer)
        + cast(gap_intl_settlement as integer) + cast(gap_credit_card as integer) as gap_count
    from flagged
