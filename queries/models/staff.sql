-- The staff of the scorecard's months (manager_book): everyone on the roster of a present
-- sub-branch, plus anyone holding customers there, with whether they count as a customer
-- manager (role 客户经理, or no role stored) for targets and headcount.
-- Grain: one row per month, manager_id and sub-branch, in the months of manager_book.
-- Params: m (YYYY-MM), b (sub-branch; NULL = all), a table macro: staff($month, $branch).
create or replace macro staff(m, b) as table
    with book as (
        select
            month,
            manager_id,
            branch
        from manager_book(m, b)
    ),

    roles as (
        select
            month,
            manager_id,
            any_value(role) as role
        from managers
        where month in (select distinct month from book)
        group by month, manager_id
    ),

    people as (
        select
            x.month,
            x.manager_id,
            x.branch
        from managers as x
        semi join present_branches(m, b) as p on x.branch = p.branch
        where x.month in (select distinct month from book)
        union
        select
            month,
            manager_id,
            branch
        from book
    )

    select
        p.month,
        p.manager_id,
        p.branch,
        coalesce(r.role = '客户经理', true) as is_manager
    from people as p
    left join roles as r on p.month = r.month and p.manager_id = r.manager_id
