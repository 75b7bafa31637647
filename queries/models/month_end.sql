-- The last day of a data month: month_end('2026-02') = DATE '2026-02-28'.
-- Grain: a scalar macro. Params: m (YYYY-MM).
create or replace macro month_end(m) as last_day(cast(m || '-01' as date))
