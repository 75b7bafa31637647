-- The first day of the marketing phase a data month falls in: the phase start the registry
-- binds from the phase calendar (settings phase_months), else the month's calendar quarter.
-- Grain: a scalar macro. Params: phase_start (YYYY-MM-DD or NULL), m (YYYY-MM).
create or replace macro phase_first_day(phase_start, m) as coalesce(
    cast(phase_start as date),
    cast(date_trunc('quarter', cast(m || '-01' as date)) as date)
)
