-- The first month of a window of n months ending with a data month (n below 1 counts as 1):
-- window_first_month('2026-05', 3) = '2026-03'.
-- Grain: a scalar macro. Params: m (YYYY-MM), n (months).
create or replace macro window_first_month(m, n) as strftime(
    cast(m || '-01' as date) - to_months(greatest(cast(n as integer), 1) - 1), '%Y-%m'
)
