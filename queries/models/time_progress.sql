-- Time progress (序时进度) of a data month in its year, on the increase basis of the scorecard:
-- days from the baseline month's end to the data month's end / days from it to the year-end.
-- Without a baseline before the month (NULL or not earlier), from the previous year-end.
-- Grain: a scalar macro (DOUBLE in [0, 1]). Params: baseline (YYYY-MM or NULL), m (YYYY-MM).
create or replace macro time_progress(baseline, m) as
case
    when baseline < m
        then
            date_diff('day', month_end(baseline), month_end(m))
            / date_diff('day', month_end(baseline), make_date(cast(left(m, 4) as integer), 12, 31))
    else
        date_diff('day', make_date(cast(left(m, 4) as integer) - 1, 12, 31), month_end(m))
        / date_diff(
            'day',
            make_date(cast(left(m, 4) as integer) - 1, 12, 31),
            make_date(cast(left(m, 4) as integer), 12, 31)
        )
end
