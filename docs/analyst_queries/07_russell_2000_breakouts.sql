-- Question: when did the Russell 2000 break out - close at an all-time high after at least a
-- month (21 sessions) without one - and how deep was the base it broke out of?
-- One row per breakout session of ^RUT (the index close, index points). "All-time" is over
-- the loaded history; deepest_drawdown is the lowest close / running peak - 1 between the
-- previous high and the breakout (decimal fraction, -0.2 = 20% below the peak).
with

rut as (
    select
        trade_date,
        close,
        is_all_time_high,
        drawdown_from_peak,
        row_number() over (order by trade_date) as session_number,
    from marts.fct_index_milestones
    where index_symbol = '^RUT'
),

highs as (
    select
        trade_date,
        close,
        session_number,
        lag(trade_date) over (order by trade_date) as previous_high_date,
        lag(session_number) over (order by trade_date) as previous_high_session,
    from rut
    where is_all_time_high
),

breakouts as (
    select *
    from highs
    where session_number - previous_high_session >= 21
)

select
    breakouts.trade_date,
    round(breakouts.close, 2) as rut_close,
    breakouts.previous_high_date,
    breakouts.session_number - breakouts.previous_high_session as sessions_since_previous_high,
    round(min(rut.drawdown_from_peak), 4) as deepest_drawdown,
from breakouts
inner join rut
    on rut.session_number > breakouts.previous_high_session
    and rut.session_number < breakouts.session_number
group by all
order by breakouts.trade_date;
