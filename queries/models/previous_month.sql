-- The calendar month before a data month: previous_month('2026-01') = '2025-12'.
-- Grain: a scalar macro. Params: m (YYYY-MM). Constant for a constant m, so a filter
--   month = previous_month($month) still reaches the customers scan.
create or replace macro previous_month(m) as strftime(cast(m || '-01' as date) - interval 1 month, '%Y-%m')
