-- The uploaded 考核方案 (evaluation scheme) in force for a data month: the weights uploaded for
-- the month's year, per indicator, for one sub-branch or (branch NULL) the whole line; the
-- highest weight when a slot holds the same indicator twice.
-- Grain: one row per indicator and sub-branch (NULL = the whole line).
-- Params: m (YYYY-MM), a table macro: evaluation_scheme($month).
create or replace macro evaluation_scheme(m) as table
    select
        indicator,
        branch,
        cast(max(weight) as double) as weight
    from scheme
    where year = cast(left(m, 4) as integer)
    group by indicator, branch
