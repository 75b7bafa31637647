-- The calendar month after a data month: next_month('2025-12') = '2026-01'.
-- Grain: a scalar macro. Params: m (YYYY-MM).
create or replace macro next_month(m) as strftime(cast(m || '-01' as date) + interval 1 month, '%Y-%m')
