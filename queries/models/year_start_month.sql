-- The year-start base of a data month (较年初): December of the previous year,
-- year_start_month('2026-05') = '2025-12'.
-- Grain: a scalar macro. Params: m (YYYY-MM).
create or replace macro year_start_month(m) as printf('%04d-12', cast(left(m, 4) as integer) - 1)
