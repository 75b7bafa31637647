-- The same month a year before a data month (同比): year_ago_month('2026-05') = '2025-05'.
-- Grain: a scalar macro. Params: m (YYYY-MM).
create or replace macro year_ago_month(m) as strftime(cast(m || '-01' as date) - interval 12 month, '%Y-%m')
