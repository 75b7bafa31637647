-- The months of one data month's year, up to that month, for which any sub-branch has
-- activities stored: a month without any is "not loaded", so its planned activities are
-- not counted as missed.
-- Grain: one row per month.
-- Params: $month (YYYY-MM).
select distinct month
from activities
where
    month >= left($month, 4) || '-01'
    and month <= $month
order by month
