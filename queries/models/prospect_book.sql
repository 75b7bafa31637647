-- The book a prospect list (商机) starts from: the customers of one month in scope, with the
-- contract's columns, the resolved segment and loans and deposits as DECIMAL(18,2) yuan.
-- Grain: one row per customer stored in the month (and sub-branch).
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), mgr (manager id; NULL = all), a table
--   macro: select … from prospect_book($month, $branch, $manager_id).
create or replace macro prospect_book(m, b, mgr) as table
    select
        * replace (
            cast(loans as decimal(18, 2)) as loans,
            cast(deposits as decimal(18, 2)) as deposits
        )
    from customer_facts
    where
        month = m
        and (b is null or branch = b)
        and (mgr is null or manager_id = mgr)
